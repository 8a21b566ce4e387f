"""Speaker count, clustering and window assignment of the offline backend (subflow.diarization.clustering)."""

from __future__ import annotations

import numpy as np

from subflow.diarization.clustering import (
    MAX_CLUSTERED,
    assign_windows,
    cluster_embeddings,
    estimate_speaker_count,
    even_subset,
    recurrence_silhouette,
    speaker_spread,
)


def voices(count: int, per_voice: int, spread: float, seed: int = 0):
    """Embeddings of ``count`` voices (positive, like resemblyzer's), each speaking at three separate
    times, and the times; ``spread`` is the within-voice noise."""
    rng = np.random.default_rng(seed)
    base = np.abs(rng.normal(size=256))
    centres = [base + 3.0 * np.abs(rng.normal(size=256)) for _ in range(count)]
    vectors, times, labels = [], [], []
    for k, centre in enumerate(centres):
        for i in range(per_voice):
            vectors.append(np.abs(centre + spread * rng.normal(size=256)))
            times.append(100.0 * (i % 3) + 10.0 * k + 0.5 * i)
            labels.append(k)
    vectors = np.array(vectors)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True), np.array(times), np.array(labels)


def test_one_voice_is_one_speaker():
    vectors, times, _ = voices(1, 40, 0.6)
    assert speaker_spread(vectors) < 0.08
    assert estimate_speaker_count(vectors, times, 0.08, 2.5) == 1
    assert set(cluster_embeddings(vectors, times, 0.08, 2.5)) == {0}


def test_three_recurring_voices_are_three_speakers():
    vectors, times, labels = voices(3, 30, 0.6)
    assert speaker_spread(vectors) > 0.08
    assert estimate_speaker_count(vectors, times, 0.08, 2.5) == 3
    found = cluster_embeddings(vectors, times, 0.08, 2.5)
    # a perfect partition: each found cluster is one voice
    assert len({(a, b) for a, b in zip(labels, found)}) == 3


def test_given_and_bounded_counts():
    vectors, times, _ = voices(3, 30, 0.6)
    assert len(set(cluster_embeddings(vectors, times, 0.08, 2.5, num_speakers=2))) == 2
    assert len(set(cluster_embeddings(vectors, times, 0.08, 2.5, max_speakers=2))) == 2
    one, t1, _ = voices(1, 30, 0.6)
    assert len(set(cluster_embeddings(one, t1, 0.08, 2.5, min_speakers=2))) == 2
    assert list(cluster_embeddings(one[:1], t1[:1], 0.08, 2.5)) == [0]


def test_a_stretch_that_never_recurs_scores_zero():
    vectors = np.eye(4)[[0, 0, 1, 1]] + 0.01
    times = np.array([0.0, 0.5, 1.0, 1.5])  # all within 2.5 s of each other
    assert recurrence_silhouette(vectors, np.array([0, 0, 1, 1]), times, 2.5) == 0.0
    assert recurrence_silhouette(vectors, np.array([0, 0, 1, 1]), times * 10, 2.5) > 0.9


def test_two_local_speakers_of_one_window_never_share_a_global_one():
    centroids = np.array([[1.0, 0.0], [0.0, 1.0]])
    embeddings = np.array(
        [[[1.0, 0.1], [0.9, 0.2], [np.nan, np.nan]], [[0.1, 1.0], [np.nan, np.nan], [np.nan, np.nan]]]
    )
    hard = assign_windows(embeddings, centroids)
    assert list(hard[0]) == [0, 1, -2]  # both look like speaker 0: the weaker match goes to speaker 1
    assert list(hard[1]) == [1, -2, -2]


def test_long_films_cluster_an_even_subset_quickly():
    import time

    assert list(even_subset(5, 10)) == [0, 1, 2, 3, 4]
    subset = even_subset(20000, MAX_CLUSTERED)
    assert len(subset) == MAX_CLUSTERED and subset[0] == 0 and subset[-1] == 19999
    vectors, times, labels = voices(3, MAX_CLUSTERED // 3, 0.6)
    started = time.monotonic()
    found = cluster_embeddings(vectors, times, 0.08, 2.5)
    assert time.monotonic() - started < 60
    assert len({(a, b) for a, b in zip(labels, found)}) == 3
