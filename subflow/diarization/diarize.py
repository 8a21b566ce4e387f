"""Who speaks when (stage 6): an offline diarization built from weights that ship in packages, and
the pyannote pipelines for users who have them.

Offline backend (``diarization.backend: offline``), the pyannote 3.x recipe with packaged weights:

1. Local segmentation: the pyannote/segmentation PyanNet shipped in whisperx slides a 5 s window
   over the audio (step ``segmentation_step`` × 5 s) and says, per 17 ms frame, which of up to three
   *local* speakers talk — overlapping speech included.
2. Embeddings: for each (window, local speaker) with at least ``min_embedding_s`` of speech, the
   speaker's frames (overlapped frames left out when enough remain) are cut out, joined and embedded
   by resemblyzer's VoiceEncoder (the GE2E model shipped inside the package; 256-d, L2-normed).
3. Speaker count: one speaker when three quarters of the embeddings lie within
   ``single_speaker_spread`` (cosine distance) of their mean direction (measured: ≤ 0.058 for one
   voice, ≥ 0.106 for two to four). Otherwise the average-linkage tree (scipy, cosine) is cut into
   2…``max_estimated_speakers`` clusters and the cut with the best *recurrence silhouette* wins: the
   silhouette where a window is compared with its own cluster only through windows at least half a
   window (2.5 s) away, because overlapping windows of one stretch are near-copies and would
   otherwise reward splitting every stretch into its own "speaker". ``num_speakers`` fixes the
   count; ``min_speakers``/``max_speakers`` clip the estimate.
   Clustering: average-linkage clustering into that many clusters of the embeddings with their mean
   removed (what every voice of one recording shares: channel, room, codec), which separates voices
   far better than the raw embeddings (AMI/pyannote sample: within-speaker cosine distance 0.72 vs
   1.30 between speakers after centring, 0.18 vs 0.30 before). Long films cluster an even subset of
   at most ``MAX_CLUSTERED`` windows. Every (window, local speaker) — short ones too — is then
   assigned to the closest centroid, two local speakers of one window never to the same speaker
   (Hungarian assignment, as pyannote does).
4. Reconstruction: windows are stitched back (pyannote's aggregation): per frame, the count of
   active speakers decides how many of the best-scoring global speakers are active.
5. Speech gate and short turns: the result is kept only inside the VAD speech segments (so audio
   without speech yields zero speakers), and turns shorter than ``min_turn_s`` that overlap no
   other speaker take the label of whichever neighbouring turn (before or after) their own
   embedding matches best, instead of being dropped.

pyannote backend (``diarization.backend: pyannote``): ``pyannote/speaker-diarization-community-1``,
``pyannote/speaker-diarization-3.1`` or a local pipeline directory, loaded without network (local
path, or the Hugging Face cache); a missing model fails at once naming the key, HF_TOKEN and the
local-path alternative.
"""

from __future__ import annotations

import itertools
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from subflow.errors import StageError

os.environ.setdefault("PYANNOTE_METRICS_ENABLED", "0")

SAMPLE_RATE = 16000
OFFLINE_MODEL = "pyannote/segmentation (whisperx package) + resemblyzer VoiceEncoder + agglomerative clustering"


# ---------------------------------------------------------------------------------------------------
# speaker embeddings
# ---------------------------------------------------------------------------------------------------


class VoiceEmbedder:
    """resemblyzer's VoiceEncoder (weights inside the package) on raw 16 kHz float samples.

    A stretch of speech is cut into the encoder's 1.6 s partials (``rate`` partials per second, as
    resemblyzer's ``embed_utterance``); the partials of many stretches go through the LSTM together,
    and a stretch's embedding is the L2-normed mean of its partials'."""

    PARTIAL_SAMPLES = 25600  # the encoder's 1.6 s window (160 mel frames of 10 ms)

    def __init__(self, device: str = "cpu", rate: float = 1.3, batch_size: int = 64):
        try:
            from resemblyzer import VoiceEncoder
        except ImportError as exc:  # pragma: no cover — resemblyzer is pinned in the env
            raise StageError(
                "diarization: the offline backend needs resemblyzer (pip install Resemblyzer==0.1.4)"
            ) from exc
        self.encoder = VoiceEncoder(device, verbose=False)
        self.device = device
        self.rate = rate
        self.batch_size = batch_size

    def _partials(self, samples: np.ndarray) -> np.ndarray:
        """(n, 160, 40) mel partials of one stretch, loudness-normalised, short ones repeated."""
        from resemblyzer.audio import wav_to_mel_spectrogram

        samples = np.asarray(samples, dtype=np.float32)
        rms = float(np.sqrt(np.mean(samples**2))) if samples.size else 0.0
        if rms > 1e-6:  # resemblyzer's own preprocessing normalises to -30 dBFS
            samples = samples * (10 ** (-30 / 20) / rms)
        if samples.size < self.PARTIAL_SAMPLES:  # too short for one window: repeat it, never pad silence
            samples = np.tile(samples, math.ceil(self.PARTIAL_SAMPLES / max(samples.size, 1)))
        wav_slices, mel_slices = self.encoder.compute_partial_slices(samples.size, self.rate, 0.75)
        if wav_slices[-1].stop > samples.size:
            samples = np.pad(samples, (0, wav_slices[-1].stop - samples.size))
        mel = wav_to_mel_spectrogram(samples)
        return np.stack([mel[s] for s in mel_slices])

    def batch(self, pieces: list[np.ndarray]) -> np.ndarray:
        """(len(pieces), 256) L2-normed embeddings."""
        if not pieces:
            return np.zeros((0, 256), dtype=np.float32)
        partials = [self._partials(p) for p in pieces]
        owner = np.concatenate([np.full(len(m), i) for i, m in enumerate(partials)])
        partial_embeds = self.encode(np.concatenate(partials))
        sums = np.zeros((len(pieces), partial_embeds.shape[1]), dtype=np.float64)
        np.add.at(sums, owner, partial_embeds)
        return _normed(sums).astype(np.float32)

    def encode(self, mels: np.ndarray) -> np.ndarray:
        """(n, 256) L2-normed embeddings of (n, 160, 40) mel partials, ``batch_size`` at a time."""
        import torch

        out = [np.zeros((0, 256), dtype=np.float32)]
        with torch.inference_mode():
            for i in range(0, len(mels), self.batch_size):
                out.append(self.encoder(torch.from_numpy(mels[i : i + self.batch_size]).to(self.device)).cpu().numpy())
        return np.concatenate(out)

    def __call__(self, samples: np.ndarray) -> np.ndarray:
        """One L2-normed 256-d embedding of a stretch of (speech) samples."""
        return self.batch([samples])[0]


MIN_GRID_PARTIALS = 5  # see PartialGrid


class PartialGrid:
    """Encoder partials on one fixed grid over the whole file (a 1.6 s partial every ``hop_s``), each
    computed at most once and shared by every window whose speaker speaks throughout it.

    The 5 s windows overlap by 90 %: embedding each (window, speaker)'s speech on its own ran the
    encoder about ten times over every second of audio (LJSpeech, 229 s: 463 pieces, ~3,000
    partials, 10.5 s on one core). A partial is loudness-normalised on its own (-30 dBFS, as
    resemblyzer normalises an utterance), so that one partial serves every window containing it.

    Only a speaker with ``MIN_GRID_PARTIALS`` partials in the window (3.2 s of clean speech at the
    0.4 s hop) takes the grid's mean; shorter ones are embedded from their own joined speech as
    before. Accepting single partials let noisy short-turn embeddings split the pyannote sample into
    8 speakers (DER 45 %). At 5, measured with bench/der.py: sample 1.3 % (as before), AMI debug mean
    30.3 % (30.7 % before; pooled 39.0 %, was 39.7 %), falcon 0.1 %."""

    BLOCK = 30 * SAMPLE_RATE  # mel spectrograms are computed 30 s at a time

    def __init__(self, embedder: VoiceEmbedder, samples: np.ndarray, hop_s: float = 0.4):
        self.embedder = embedder
        self.samples = np.asarray(samples, dtype=np.float32)
        self.hop = max(160, int(round(hop_s * SAMPLE_RATE / 160)) * 160)  # whole mel frames (10 ms)
        self.cache: dict[int, np.ndarray] = {}

    def inside(self, runs: list[tuple[int, int]]) -> list[int]:
        """Grid indices of the partials lying wholly inside one of the runs (sample ranges)."""
        size = VoiceEmbedder.PARTIAL_SAMPLES
        out: list[int] = []
        for a, b in runs:
            out += range(-(-a // self.hop), (b - size) // self.hop + 1)
        return out

    def compute(self, indices) -> None:
        """Embed the partials not computed yet (mel spectrograms block by block, then the encoder)."""
        from resemblyzer.audio import wav_to_mel_spectrogram

        todo = sorted(set(indices) - self.cache.keys())
        size, frames, target = VoiceEmbedder.PARTIAL_SAMPLES, VoiceEmbedder.PARTIAL_SAMPLES // 160, 10 ** (-30 / 20)
        mels: list[np.ndarray] = []
        for block, group in itertools.groupby(todo, key=lambda j: j * self.hop // self.BLOCK):
            first, members = block * self.BLOCK, list(group)
            mel = wav_to_mel_spectrogram(self.samples[first : members[-1] * self.hop + size])
            for j in members:
                start = j * self.hop
                rms = float(np.sqrt(np.mean(self.samples[start : start + size] ** 2)))
                gain = (target / rms) ** 2 if rms > 1e-6 else 1.0  # power mel: scaling the samples by g scales it by g²
                offset = (start - first) // 160
                mels.append(mel[offset : offset + frames] * gain)
        if todo:
            for j, vec in zip(todo, self.embedder.encode(np.stack(mels).astype(np.float32))):
                self.cache[j] = vec

    def mean(self, indices: list[int]) -> np.ndarray:
        """The L2-normed mean of the (computed) partials' embeddings."""
        return _normed(np.mean([self.cache[j] for j in indices], axis=0)).astype(np.float32)


# ---------------------------------------------------------------------------------------------------
# the offline pipeline
# ---------------------------------------------------------------------------------------------------


@dataclass
class OfflineOptions:
    """``diarization.*`` options of the offline backend (config.yaml documents each one)."""

    segmentation_model: str = "whisperx"
    segmentation_step: float = 0.1
    onset: float = 0.5
    single_speaker_spread: float = 0.08
    embedding_rate: float = 1.3
    partial_hop_s: float = 0.4
    max_estimated_speakers: int = 10
    min_embedding_s: float = 0.5
    min_turn_s: float = 1.0
    min_duration_off: float = 0.0
    batch_size: int = 32

    @classmethod
    def from_config(cls, section: dict) -> OfflineOptions:
        names = cls.__dataclass_fields__
        return cls(**{k: v for k, v in section.items() if k in names})


def segment_windows(samples: np.ndarray, model, step: float, batch_size: int = 32):
    """(chunks, frames, local speakers) speaker activity of the sliding 5 s windows."""
    from subflow.vad.segmentation import segmentation_scores

    return segmentation_scores(samples, model, batch_size, step=step)


def _active_runs(mask: np.ndarray, chunk_start: float, frames, num_samples: int) -> list[tuple[int, int]]:
    """The sample ranges under the active frames of one window, touching or overlapping frames joined
    into one run (the speech of a window's speaker is these runs, no sample twice)."""
    idx = np.flatnonzero(mask)
    if idx.size == 0:
        return []
    starts = chunk_start + frames.start + idx * frames.step
    a = np.clip(np.round(starts * SAMPLE_RATE).astype(np.int64), 0, num_samples)
    b = np.clip(np.round((starts + frames.step) * SAMPLE_RATE).astype(np.int64), 0, num_samples)
    runs: list[list[int]] = []
    for lo, hi in zip(a.tolist(), b.tolist()):
        if runs and lo <= runs[-1][1]:
            runs[-1][1] = max(runs[-1][1], hi)
        elif hi > lo:
            runs.append([lo, hi])
    return [(lo, hi) for lo, hi in runs]


def window_embeddings(
    samples: np.ndarray,
    binarized,
    frames,
    embedder,
    min_embedding_s: float,
    block: int = 256,
    grid: PartialGrid | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Embeddings (chunks, local speakers, 256) — NaN where a local speaker is silent or speaks for
    less than 0.2 s — and the seconds of speech each one was computed from. With a ``grid``, a
    speaker whose clean speech in the window holds whole grid partials gets the mean of those;
    the others are embedded from their own joined speech, as without one."""
    data = np.nan_to_num(binarized.data, nan=0.0)
    num_chunks, _, num_local = data.shape
    emb = np.full((num_chunks, num_local, 256), np.nan, dtype=np.float32)
    seconds = np.zeros((num_chunks, num_local), dtype=np.float32)
    overlap = data.sum(axis=2) > 1
    keys: list[tuple[int, int]] = []
    pieces: list[np.ndarray] = []
    from_grid: dict[tuple[int, int], list[int]] = {}

    def flush() -> None:
        if pieces:
            vectors = embedder.batch(pieces)
            for (c, k), vec in zip(keys, vectors):
                emb[c, k] = vec
            keys.clear()
            pieces.clear()

    for c, (chunk, _) in enumerate(binarized):
        for k in range(num_local):
            active = data[c, :, k] > 0
            if not active.any():
                continue
            clean = active & ~overlap[c]
            use = clean if clean.sum() * frames.step >= min_embedding_s else active
            runs = _active_runs(use, chunk.start, frames, samples.size)
            piece = np.concatenate([samples[lo:hi] for lo, hi in runs]) if runs else samples[:0]
            if piece.size < int(0.2 * SAMPLE_RATE):
                continue
            seconds[c, k] = piece.size / SAMPLE_RATE
            partials = grid.inside(runs) if grid is not None else []
            if len(partials) >= MIN_GRID_PARTIALS:
                from_grid[(c, k)] = partials
                continue
            keys.append((c, k))
            pieces.append(piece)
            if len(pieces) >= block:
                flush()
    flush()
    if grid is not None and from_grid:
        grid.compute(j for partials in from_grid.values() for j in partials)
        for (c, k), partials in from_grid.items():
            emb[c, k] = grid.mean(partials)
    return emb, seconds


MAX_CLUSTERED = 3000  # embeddings clustered at most (pairwise distances: 3000² × 8 bytes = 72 MB)


def even_subset(n: int, limit: int) -> np.ndarray:
    """Indices of at most ``limit`` of ``n`` time-ordered items, spread evenly over them. The
    clustering sees this subset of a long film's windows; every window is then assigned to the
    nearest resulting speaker."""
    if n <= limit:
        return np.arange(n)
    return np.unique(np.linspace(0, n - 1, limit).round().astype(int))


def _normed(x: np.ndarray) -> np.ndarray:
    return x / np.maximum(np.linalg.norm(x, axis=-1, keepdims=True), 1e-9)


def recurrence_silhouette(vectors: np.ndarray, labels: np.ndarray, times: np.ndarray, min_apart: float) -> float:
    """Mean silhouette (cosine) where a point's distance to its own cluster is measured only against
    points at least ``min_apart`` seconds away: overlapping windows of one stretch of speech are
    near-copies, and a cluster made of nothing else (no recurrence) scores 0, like a singleton."""
    dist = 1.0 - _normed(vectors) @ _normed(vectors).T
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
    """75th percentile of the cosine distance of the embeddings to their mean direction. Measured here:
    0.036–0.058 for one voice (jfk, LJSpeech, a LibriVox reader), 0.106–0.21 for two to four (pyannote
    sample, AMI debug, espeak dialogue, Harvard sentences, Falcon)."""
    unit = _normed(vectors)
    return float(np.percentile(1.0 - unit @ _normed(unit.mean(axis=0)), 75))


def estimate_speaker_count(
    vectors: np.ndarray, times: np.ndarray, single_speaker_spread: float, min_apart: float, max_count: int = 10
) -> int:
    """How many speakers the embeddings hold (module docstring, step 3): one when their
    ``speaker_spread`` is under ``single_speaker_spread``; otherwise the cut of the average-linkage
    tree (cosine) into 2…``max_count`` clusters with the best ``recurrence_silhouette``."""
    from scipy.cluster.hierarchy import fcluster, linkage

    n = len(vectors)
    if n < 3 or speaker_spread(vectors) < single_speaker_spread:
        return 1
    tree = linkage(_normed(vectors), method="average", metric="cosine")
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
    """Cluster labels 0..k-1 of the embeddings (module docstring, step 3). The count comes from
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
    centered = _normed(_normed(vectors) - _normed(vectors).mean(axis=0))
    labels = fcluster(linkage(centered, method="average", metric="cosine"), t=k, criterion="maxclust") - 1
    _, labels = np.unique(labels, return_inverse=True)
    return labels


def assign_windows(embeddings: np.ndarray, centroids: np.ndarray) -> np.ndarray:
    """(chunks, local speakers) global speaker index; -2 for silent local speakers. Two local speakers of
    one window never share a global speaker (Hungarian assignment on cosine similarity)."""
    from scipy.optimize import linear_sum_assignment

    num_chunks, num_local, _ = embeddings.shape
    hard = -2 * np.ones((num_chunks, num_local), dtype=np.int8)
    cents = _normed(centroids)
    for c in range(num_chunks):
        present = np.flatnonzero(~np.isnan(embeddings[c, :, 0]))
        if present.size == 0:
            continue
        score = _normed(embeddings[c, present]) @ cents.T
        if present.size <= len(cents):
            rows, cols = linear_sum_assignment(score, maximize=True)
            hard[c, present[rows]] = cols
        else:  # more local speakers than global ones: plain argmax
            hard[c, present] = np.argmax(score, axis=1)
    return hard


def reconstruct(segmentations, binarized, hard_clusters: np.ndarray, frames, max_speakers: int | None):
    """Frame-level (frames, speakers) 0/1 diarization from clustered windows (pyannote's stitching)."""
    from pyannote.audio.pipelines.utils import SpeakerDiarizationMixin
    from pyannote.core import SlidingWindowFeature

    count = SpeakerDiarizationMixin.speaker_count(binarized, frames, warm_up=(0.0, 0.0))
    if max_speakers:
        count.data = np.minimum(count.data, max_speakers).astype(np.int8)
    num_chunks, num_frames, _ = segmentations.data.shape
    num_clusters = int(hard_clusters.max()) + 1
    clustered = np.nan * np.zeros((num_chunks, num_frames, num_clusters))
    for c, (cluster, (_, seg)) in enumerate(zip(hard_clusters, segmentations)):
        for k in np.unique(cluster):
            if k == -2:
                continue
            clustered[c, :, k] = np.max(seg[:, cluster == k], axis=1)
    clustered = SlidingWindowFeature(clustered, segmentations.sliding_window)
    return SpeakerDiarizationMixin.to_diarization(clustered, count)


def discrete_to_turns(discrete, min_duration_off: float = 0.0) -> list[dict]:
    """0/1 frames → turns [{start, end, speaker index}] sorted by start."""
    from pyannote.audio.pipelines.utils import SpeakerDiarizationMixin

    annotation = SpeakerDiarizationMixin.to_annotation(discrete, min_duration_on=0.0, min_duration_off=min_duration_off)
    return sorted(
        (
            {"start": float(seg.start), "end": float(seg.end), "speaker": int(label)}
            for seg, _, label in annotation.itertracks(yield_label=True)
        ),
        key=lambda t: (t["start"], t["end"]),
    )


def gate_to_speech(turns: list[dict], speech: list[dict], min_len: float = 0.05) -> list[dict]:
    """Turns cut to the speech segments (a turn across a pause becomes two)."""
    out = []
    regions = sorted((float(s["start"]), float(s["end"])) for s in speech)
    for t in turns:
        for a, b in regions:
            lo, hi = max(t["start"], a), min(t["end"], b)
            if hi - lo >= min_len:
                out.append({**t, "start": lo, "end": hi})
    return sorted(out, key=lambda t: (t["start"], t["end"]))


def _overlapped(turns: list[dict], i: int) -> bool:
    t = turns[i]
    return any(
        j != i and o["speaker"] != t["speaker"] and o["start"] < t["end"] and o["end"] > t["start"]
        for j, o in enumerate(turns)
    )


def relabel_short_turns(
    turns: list[dict], samples: np.ndarray, embedder, centroids: np.ndarray, min_turn_s: float
) -> list[dict]:
    """Turns shorter than ``min_turn_s`` (not overlapping another speaker) take the label of the
    neighbouring turn (previous or next) whose speaker centroid their embedding matches best."""
    turns = [dict(t) for t in turns]
    cents = _normed(centroids)
    for i, t in enumerate(turns):
        if t["end"] - t["start"] >= min_turn_s or _overlapped(turns, i):
            continue
        neighbours = {turns[j]["speaker"] for j in (i - 1, i + 1) if 0 <= j < len(turns)} - {t["speaker"]}
        if not neighbours:
            continue
        piece = samples[int(t["start"] * SAMPLE_RATE) : int(t["end"] * SAMPLE_RATE)]
        if piece.size < int(0.1 * SAMPLE_RATE):
            continue
        vec = _normed(embedder(piece))
        candidates = sorted(neighbours | {t["speaker"]})
        t["speaker"] = max(candidates, key=lambda k: float(cents[k] @ vec))
    return merge_adjacent(turns)


def merge_adjacent(turns: list[dict], gap: float = 0.0) -> list[dict]:
    """Join consecutive turns of the same speaker that touch (or are ``gap`` apart)."""
    out: list[dict] = []
    for t in sorted(turns, key=lambda t: (t["start"], t["end"])):
        same = [o for o in out[-3:] if o["speaker"] == t["speaker"] and t["start"] - o["end"] <= gap]
        if same:
            same[-1]["end"] = max(same[-1]["end"], t["end"])
        else:
            out.append(dict(t))
    return out


def diarize_offline(
    samples: np.ndarray,
    speech: list[dict],
    options: OfflineOptions,
    device: str = "cpu",
    num_speakers: int | None = None,
    min_speakers: int | None = None,
    max_speakers: int | None = None,
    models: dict | None = None,
    logger: Any = None,
    scores_path: str | Path | None = None,
) -> list[dict]:
    """Speaker turns [{start, end, speaker: "SPEAKER_00"…}] of the audio (module docstring).
    ``scores_path``: pyannote_vad's saved window scores, used instead of running the segmentation
    model again when they come from the same model, audio and window step."""
    from subflow.models import load_segmentation_model, resolve_segmentation_checkpoint
    from subflow.vad.segmentation import load_scores

    say = logger.info if logger else (lambda *a: None)
    if not speech or samples.size < SAMPLE_RATE // 2:
        return []
    models = models if models is not None else {}
    if "segmentation" not in models:
        models["segmentation"] = load_segmentation_model(
            options.segmentation_model, device, key="diarization.segmentation_model"
        )
    if "embedder" not in models:
        models["embedder"] = VoiceEmbedder(device, rate=options.embedding_rate)
    seg_model, embedder = models["segmentation"], models["embedder"]

    from pyannote.audio.utils.signal import binarize

    segmentations = None
    if scores_path:
        checkpoint = resolve_segmentation_checkpoint(options.segmentation_model, key="diarization.segmentation_model")
        segmentations = load_scores(scores_path, checkpoint, samples.size, options.segmentation_step)
        say(
            "window scores %s", "from pyannote_vad" if segmentations is not None else "computed (pyannote_vad's differ)"
        )
    if segmentations is None:
        segmentations = segment_windows(samples, seg_model, options.segmentation_step, options.batch_size)
    binarized = binarize(segmentations, onset=options.onset, initial_state=False)
    frames = seg_model.receptive_field
    grid = PartialGrid(embedder, samples, options.partial_hop_s) if options.partial_hop_s > 0 else None
    emb, seconds = window_embeddings(samples, binarized, frames, embedder, options.min_embedding_s, grid=grid)
    present = ~np.isnan(emb[:, :, 0])
    train = present & (seconds >= options.min_embedding_s)
    if not train.any():
        train = present
    if not train.any():
        say("no window has a speaker long enough to embed: no speakers")
        return []
    chunk_idx, local_idx = np.nonzero(train)
    keep = even_subset(len(chunk_idx), MAX_CLUSTERED)
    chunk_idx, local_idx = chunk_idx[keep], local_idx[keep]
    vectors = emb[chunk_idx, local_idx]
    chunk_starts = np.array([chunk.start for chunk, _ in binarized])
    times = chunk_starts[chunk_idx]
    labels = cluster_embeddings(
        vectors,
        times,
        options.single_speaker_spread,
        seg_model.specifications.duration / 2,
        num_speakers,
        min_speakers,
        max_speakers,
        options.max_estimated_speakers,
    )
    centroids = np.stack([vectors[labels == k].mean(axis=0) for k in range(labels.max() + 1)])
    say("%d embeddings (%d used to cluster) → %d speakers", int(present.sum()), len(vectors), len(centroids))
    hard = assign_windows(emb, centroids)
    discrete = reconstruct(segmentations, binarized, hard, frames, max_speakers or num_speakers)
    turns = discrete_to_turns(discrete, options.min_duration_off)
    turns = gate_to_speech(turns, speech)
    if options.min_turn_s > 0:
        turns = relabel_short_turns(turns, samples, embedder, centroids, options.min_turn_s)
    return name_speakers(turns)


def name_speakers(turns: list[dict]) -> list[dict]:
    """Speakers renamed SPEAKER_00, SPEAKER_01… in order of first appearance; times rounded to ms."""
    names: dict[Any, str] = {}
    out = []
    for t in sorted(turns, key=lambda t: (t["start"], t["end"])):
        if t["end"] - t["start"] <= 0:
            continue
        name = names.setdefault(t["speaker"], f"SPEAKER_{len(names):02d}")
        out.append({"start": round(t["start"], 3), "end": round(t["end"], 3), "speaker": name})
    return out


# ---------------------------------------------------------------------------------------------------
# the pyannote backend
# ---------------------------------------------------------------------------------------------------

TOKEN_ENV = "HF_TOKEN"
PIPELINE_KEY = "diarization.pipeline"


class _HubOffline:
    """While active, any Hugging Face hub request fails at once (files come from the local cache only)."""

    def __enter__(self):
        from huggingface_hub import constants

        self._constants, self._before = constants, constants.HF_HUB_OFFLINE
        constants.HF_HUB_OFFLINE = True
        return self

    def __exit__(self, *exc):
        self._constants.HF_HUB_OFFLINE = self._before
        return False


def _how_to_provide(name: str) -> str:
    return (
        f"set {PIPELINE_KEY} to a local copy of the pipeline (a folder with config.yaml and its models), "
        f"or accept the model's conditions on huggingface.co and, with {TOKEN_ENV} set to your token, run "
        f"`huggingface-cli download {name}` once so that it is in the local Hugging Face cache; "
        "or use diarization.backend: offline (no download needed)"
    )


def load_pyannote_pipeline(name: str, device: str = "cpu"):
    """A pyannote diarization ``Pipeline`` from a local folder/config.yaml or the local HF cache.

    Never downloads: a hub id that is not cached (or whose sub-models are not) fails within seconds
    with a StageError naming ``diarization.pipeline``, HF_TOKEN and the local-path alternative."""
    import torch

    local = Path(name).expanduser()
    if name.startswith((".", "/", "~")) or local.exists():
        if not local.exists():
            raise StageError(
                f"{PIPELINE_KEY}: {local} does not exist; {_how_to_provide('pyannote/speaker-diarization-community-1')}"
            )
        config = local / "config.yaml" if local.is_dir() else local
        if not config.is_file():
            raise StageError(f"{PIPELINE_KEY}: {local} has no config.yaml (a pyannote pipeline folder has one)")
        source = str(local)
    else:
        from huggingface_hub import hf_hub_download

        try:
            hf_hub_download(name, "config.yaml", local_files_only=True)
        except Exception as exc:
            raise StageError(
                f"{PIPELINE_KEY}: {name!r} is not in the local Hugging Face cache; {_how_to_provide(name)}"
            ) from exc
        source = name
    from pyannote.audio import Pipeline

    token = os.environ.get(TOKEN_ENV) or None  # read, never written anywhere
    try:
        with _HubOffline():
            pipeline = Pipeline.from_pretrained(source, token=token)
    except StageError:
        raise
    except Exception as exc:
        raise StageError(
            f"{PIPELINE_KEY}: cannot load {source!r} ({type(exc).__name__}: {exc}); {_how_to_provide(name)}"
        ) from exc
    if pipeline is None:
        raise StageError(
            f"{PIPELINE_KEY}: {source!r} (or a model it refers to) is not available offline; {_how_to_provide(name)}"
        )
    return pipeline.to(torch.device(device))


def diarize_pyannote(
    samples: np.ndarray,
    pipeline,
    num_speakers: int | None = None,
    min_speakers: int | None = None,
    max_speakers: int | None = None,
) -> list[dict]:
    """Speaker turns from a pyannote pipeline run on the in-memory waveform."""
    from subflow.vad.segmentation import waveform_input

    if samples.size < SAMPLE_RATE // 2:
        return []
    kwargs = {
        k: v
        for k, v in (("num_speakers", num_speakers), ("min_speakers", min_speakers), ("max_speakers", max_speakers))
        if v
    }
    with _HubOffline():
        output = pipeline(waveform_input(samples), **kwargs)
    annotation = getattr(output, "speaker_diarization", output)
    turns = [
        {"start": float(seg.start), "end": float(seg.end), "speaker": str(label)}
        for seg, _, label in annotation.itertracks(yield_label=True)
    ]
    return name_speakers(turns)


# ---------------------------------------------------------------------------------------------------
# output
# ---------------------------------------------------------------------------------------------------


def to_rttm(turns: list[dict], uri: str) -> str:
    """RTTM text, one SPEAKER line per turn."""
    uri = "".join(ch if ch.isalnum() or ch in "._-" else "_" for ch in uri) or "audio"
    return "".join(
        f"SPEAKER {uri} 1 {t['start']:.3f} {t['end'] - t['start']:.3f} <NA> <NA> {t['speaker']} <NA> <NA>\n"
        for t in turns
    )


def speaker_body(turns: list[dict], model: str, backend: str) -> dict:
    """The speaker_segments.json body (docs/data-formats.md)."""
    return {
        "segments": turns,
        "speaker_count": len({t["speaker"] for t in turns}),
        "model": model,
        "backend": backend,
    }


def diarize(
    samples: np.ndarray,
    speech: list[dict],
    section: dict,
    device: str = "cpu",
    logger: Any = None,
    scores_path: str | Path | None = None,
) -> tuple[list[dict], str]:
    """Speaker turns of the audio with the configured backend, and the model description."""
    counts = {k: section.get(k) for k in ("num_speakers", "min_speakers", "max_speakers")}
    backend = section.get("backend", "offline")
    if backend == "pyannote":
        name = str(section.get("pipeline") or "")
        if not name:
            raise StageError(
                f"{PIPELINE_KEY}: backend pyannote needs a pipeline; {_how_to_provide('pyannote/speaker-diarization-community-1')}"
            )
        pipeline = load_pyannote_pipeline(name, device)
        if not speech:  # nothing to diarize: no need to run the pipeline
            return [], name
        return diarize_pyannote(samples, pipeline, **counts), name
    if backend != "offline":
        raise StageError(f"diarization.backend: unknown backend {backend!r} (offline or pyannote)")
    options = OfflineOptions.from_config(section)
    model = OFFLINE_MODEL
    if options.segmentation_model != "whisperx":
        model = model.replace("pyannote/segmentation (whisperx package)", options.segmentation_model)
    return diarize_offline(samples, speech, options, device, logger=logger, scores_path=scores_path, **counts), model
