"""How many speakers the window embeddings hold, and which embedding is whose (offline backend, step 3).

Speaker count: one speaker when three quarters of the embeddings lie within ``single_speaker_spread``
(cosine distance) of their mean direction, where one voice stays well inside and two or more voices lie
well outside (figures: bench/results/figures.md). Otherwise the average-linkage tree (scipy, cosine) is
cut into 2…``max_estimated_speakers`` clusters and the cut with the best *recurrence silhouette* wins:
the silhouette where a window is compared with its own cluster only through windows at least half a
window (2.5 s) away, because overlapping windows of one stretch are near-copies and would otherwise
reward splitting every stretch into its own "speaker". ``num_speakers`` fixes the count;
``min_speakers``/``max_speakers`` clip the estimate.

Clustering: average-linkage clustering into that many clusters of the embeddings with their mean removed
(what every voice of one recording shares: channel, room, codec), which separates voices far better than
the raw embeddings: centring widens the gap between within-speaker and between-speaker distances
(figures: bench/results/figures.md). Long films cluster an even subset of at most ``MAX_CLUSTERED``
windows. Every (window, local speaker) — short ones too — is then assigned to the closest centroid, two
local speakers of one window never to the same speaker (Hungarian assignment, as pyannote does).
"""

import numpy as np

from subflow.diarization.embedding import normed

MAX_CLUSTERED = 3000  # embeddings clustered at most (pairwise distances: 3000² × 8 bytes = 72 MB)


def even_subset(n: int, limit: int) -> np.ndarray:
    """Indices of at most ``limit`` of ``n`` time-ordered items, spread evenly over them. The
    clustering sees this subset of a long film's windows; every window is then assigned to the
    nearest resulting speaker."""
    if n <= limit:
        return np.arange(n)
    return np.unique(np.linspace(0, n - 1, limit).round().astype(int))


def recurrence_silhouette(vectors: np.ndarray, labels: np.ndarray, times: np.ndarray, min_apart: float) -> float:
    """Mean silhouette (cosine) where a point's distance to its own cluster is measured only against
    points at least ``min_apart`` seconds away: overlapping windows of one stretch of speech are
    near-copies, and a cluster made of nothing else (no recurrence) scores 0, like a singleton."""
    dist = 1.0 - normed(vectors) @ normed(vectors).T
    far = np.abs(times[:, None] - times[None, :]) >= min_apart
    clusters = np.unique(labels)
    members = {c: labels == c for c in clusters}
    mean_to = np.stack([dist[:, members[c]].mean(axis=1) for c in clusters], axis=1)  # (n, k)
    scores = np.zeros(len(vectors))
    for i in range(len(vectors)):
        own = members[labels[i]] & far[i]
        if not own.any():
            continue
        a = dist[i, own].mean()
        b = np.min(np.delete(mean_to[i], np.searchsorted(clusters, labels[i])))
        scores[i] = (b - a) / max(a, b, 1e-9)
    return float(scores.mean())


def speaker_spread(vectors: np.ndarray) -> float:
    """75th percentile of the cosine distance of the embeddings to their mean direction: small for one
    voice, several times larger for two or more (figures: bench/results/figures.md)."""
    unit = normed(vectors)
    return float(np.percentile(1.0 - unit @ normed(unit.mean(axis=0)), 75))


def estimate_speaker_count(
    vectors: np.ndarray, times: np.ndarray, single_speaker_spread: float, min_apart: float, max_count: int = 10
) -> int:
    """How many speakers the embeddings hold (module docstring): one when their ``speaker_spread`` is
    under ``single_speaker_spread``; otherwise the cut of the average-linkage tree (cosine) into
    2…``max_count`` clusters with the best ``recurrence_silhouette``."""
    from scipy.cluster.hierarchy import fcluster, linkage

    n = len(vectors)
    if n < 3 or speaker_spread(vectors) < single_speaker_spread:
        return 1
    tree = linkage(normed(vectors), method="average", metric="cosine")
    best_k, best_score = 2, -np.inf
    for k in range(2, min(max_count, n - 1) + 1):
        labels = fcluster(tree, t=k, criterion="maxclust") - 1
        if len(np.unique(labels)) < 2:
            continue
        score = recurrence_silhouette(vectors, labels, times, min_apart)
        if score > best_score + 1e-6:
            best_k, best_score = k, score
    return best_k


def cluster_embeddings(
    vectors: np.ndarray,
    times: np.ndarray,
    single_speaker_spread: float,
    min_apart: float,
    num_speakers: int | None = None,
    min_speakers: int | None = None,
    max_speakers: int | None = None,
    max_estimated: int = 10,
) -> np.ndarray:
    """Cluster labels 0..k-1 of the embeddings (module docstring). The count comes from
    ``num_speakers`` or ``estimate_speaker_count`` (clipped to ``min_speakers``/``max_speakers``);
    the partition from average-linkage clustering of the embeddings with their mean removed (the
    mean is what every voice of one recording shares: channel, room, codec)."""
    from scipy.cluster.hierarchy import fcluster, linkage

    n = len(vectors)
    if n <= 1:
        return np.zeros(n, dtype=int)
    if num_speakers:
        k = num_speakers
    else:
        k = estimate_speaker_count(vectors, times, single_speaker_spread, min_apart, max_speakers or max_estimated)
        k = max(k, min_speakers or 1)
        if max_speakers:
            k = min(k, max_speakers)
    k = min(k, n)
    if k == 1:
        return np.zeros(n, dtype=int)
    centered = normed(normed(vectors) - normed(vectors).mean(axis=0))
    labels = fcluster(linkage(centered, method="average", metric="cosine"), t=k, criterion="maxclust") - 1
    _, labels = np.unique(labels, return_inverse=True)
    return labels


def assign_windows(embeddings: np.ndarray, centroids: np.ndarray) -> np.ndarray:
    """(chunks, local speakers) global speaker index; -2 for silent local speakers. Two local speakers of
    one window never share a global speaker (Hungarian assignment on cosine similarity)."""
    from scipy.optimize import linear_sum_assignment

    num_chunks, num_local, _ = embeddings.shape
    hard = -2 * np.ones((num_chunks, num_local), dtype=np.int8)
    cents = normed(centroids)
    for c in range(num_chunks):
        present = np.flatnonzero(~np.isnan(embeddings[c, :, 0]))
        if present.size == 0:
            continue
        score = normed(embeddings[c, present]) @ cents.T
        if present.size <= len(cents):
            rows, cols = linear_sum_assignment(score, maximize=True)
            hard[c, present[rows]] = cols
        else:  # more local speakers than global ones: plain argmax
            hard[c, present] = np.argmax(score, axis=1)
    return hard
