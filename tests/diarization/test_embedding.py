"""The voice embeddings of the offline backend: the shared grid of partials against direct embeddings."""

from __future__ import annotations

import numpy as np

from subflow.diarization.embedding import PartialGrid, VoiceEmbedder
from subflow.io import SAMPLE_RATE


def test_partial_grid_partials_lie_inside_the_runs_and_match_direct_embeddings(dialogue, models):
    samples, lines = dialogue
    grid = PartialGrid(models["embedder"], samples, hop_s=0.4)
    size = VoiceEmbedder.PARTIAL_SAMPLES
    runs = [(int(line.start * SAMPLE_RATE), int(line.end * SAMPLE_RATE)) for line in lines]
    inside = grid.inside(runs)
    assert inside and all(any(a <= j * grid.hop and j * grid.hop + size <= b for a, b in runs) for j in inside)
    assert grid.inside([(0, size - 1)]) == []  # shorter than one partial: none
    grid.compute(inside)
    compared = 0
    for line, (a, b) in zip(lines, runs):
        partials = grid.inside([(a, b)])
        if len(partials) < 3:
            continue
        compared += 1
        direct = models["embedder"](samples[a:b])
        # the grid's mean for a line is the voice the line's own embedding has
        same = float(np.dot(grid.mean(partials), direct))
        other = [
            float(np.dot(grid.mean(partials), models["embedder"](samples[oa:ob])))
            for o, (oa, ob) in zip(lines, runs)
            if o.voice != line.voice
        ]
        assert same > 0.9 and same > max(other), (same, other)
    assert compared >= 4
