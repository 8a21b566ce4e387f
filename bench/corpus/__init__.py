"""A corpus of film-like inputs made from scripts of our own, with exact references, split once into dev and test.

Scripts are data (``films/NN-slug.yaml``, :mod:`bench.corpus.spec`); films are built on demand into
bench/.cache/corpus (:mod:`bench.corpus.build`) and never committed. See README.md beside this file.
"""
