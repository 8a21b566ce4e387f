"""The pure pieces of the offline backend: speaker count, clustering, assignment, turns, RTTM."""

from __future__ import annotations

import numpy as np

from subflow.diarization.diarize import (
    assign_windows,
    cluster_embeddings,
    estimate_speaker_count,
    gate_to_speech,
    merge_adjacent,
    name_speakers,
    recurrence_silhouette,
    relabel_short_turns,
    speaker_body,
    speaker_spread,
    to_rttm,
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


def test_turns_are_cut_to_speech_and_joined():
    turns = [{"start": 0.0, "end": 10.0, "speaker": 0}]
    gated = gate_to_speech(turns, [{"start": 1.0, "end": 3.0}, {"start": 5.0, "end": 12.0}])
    assert gated == [{"start": 1.0, "end": 3.0, "speaker": 0}, {"start": 5.0, "end": 10.0, "speaker": 0}]
    assert gate_to_speech(turns, []) == []
    joined = merge_adjacent(
        [
            {"start": 0, "end": 1, "speaker": 0},
            {"start": 1, "end": 2, "speaker": 0},
            {"start": 2, "end": 3, "speaker": 1},
        ]
    )
    assert joined == [{"start": 0, "end": 2, "speaker": 0}, {"start": 2, "end": 3, "speaker": 1}]


def test_short_turn_takes_its_best_matching_neighbour():
    centroids = np.array([[1.0, 0.0], [0.0, 1.0]])
    samples = np.zeros(16000 * 10, dtype=np.float32)
    samples[16000 * 4 : int(16000 * 4.5)] = 1.0  # the short turn's audio: "sounds like" speaker 1
    embed = lambda piece: np.array([0.0, 1.0]) if piece.max() > 0.5 else np.array([1.0, 0.0])  # noqa: E731
    turns = [
        {"start": 0.0, "end": 4.0, "speaker": 0},
        {"start": 4.0, "end": 4.5, "speaker": 0},  # short, labelled 0 by the windows
        {"start": 4.5, "end": 8.0, "speaker": 1},
    ]
    out = relabel_short_turns(turns, samples, embed, centroids, min_turn_s=1.0)
    assert out == [{"start": 0.0, "end": 4.0, "speaker": 0}, {"start": 4.0, "end": 8.0, "speaker": 1}]
    # a long turn is never relabelled
    assert relabel_short_turns(turns, samples, embed, centroids, min_turn_s=0.2) == merge_adjacent(turns)


def test_names_rttm_and_body():
    turns = name_speakers([{"start": 2.0, "end": 3.0004, "speaker": 7}, {"start": 0.5, "end": 1.0, "speaker": 3}])
    assert turns == [
        {"start": 0.5, "end": 1.0, "speaker": "SPEAKER_00"},
        {"start": 2.0, "end": 3.0, "speaker": "SPEAKER_01"},
    ]
    rttm = to_rttm(turns, "The Night Train (2024)")
    assert rttm.splitlines()[0] == "SPEAKER The_Night_Train__2024_ 1 0.500 0.500 <NA> <NA> SPEAKER_00 <NA> <NA>"
    assert speaker_body(turns, "m", "offline") == {
        "segments": turns,
        "speaker_count": 2,
        "model": "m",
        "backend": "offline",
    }
    assert speaker_body([], "m", "offline")["speaker_count"] == 0 and to_rttm([], "x") == ""


def test_long_films_cluster_an_even_subset_quickly():
    import time

    from subflow.diarization.diarize import MAX_CLUSTERED, even_subset

    assert list(even_subset(5, 10)) == [0, 1, 2, 3, 4]
    subset = even_subset(20000, MAX_CLUSTERED)
    assert len(subset) == MAX_CLUSTERED and subset[0] == 0 and subset[-1] == 19999
    vectors, times, labels = voices(3, MAX_CLUSTERED // 3, 0.6)
    started = time.monotonic()
    found = cluster_embeddings(vectors, times, 0.08, 2.5)
    assert time.monotonic() - started < 60
    assert len({(a, b) for a, b in zip(labels, found)}) == 3
