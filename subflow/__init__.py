"""subflow: film → accurate English subtitles, one Snakemake stage at a time.

Library code shared by the stage scripts in ``scripts/``, the Snakefile and the tests.
Heavy imports (torch, faster-whisper, pyannote) live inside the functions that need them so
that the Snakefile and dry runs stay fast.
"""
