"""The offline backend (``diarization.backend: offline``): the pyannote 3.x recipe with weights shipped in packages.

1. Local segmentation: the pyannote/segmentation PyanNet shipped in whisperx slides a 5 s window over the
   audio (step ``segmentation_step`` × 5 s) and says, per 17 ms frame, which of up to three *local*
   speakers talk — overlapping speech included. pyannote_vad's saved window scores are used when they
   come from the same model, audio and step.
2. Embeddings (:mod:`subflow.diarization.embedding`): for each (window, local speaker) with at least
   ``min_embedding_s`` of speech, the speaker's frames (overlapped frames left out when enough remain)
   are cut out, joined and embedded by resemblyzer's VoiceEncoder.
3. Speaker count and clustering (:mod:`subflow.diarization.clustering`): the number of speakers, the
   clusters, and every (window, local speaker) assigned to one of them.
4. Reconstruction: windows are stitched back (pyannote's aggregation): per frame, the count of active
   speakers decides how many of the best-scoring global speakers are active.
5. Speech gate and short turns: the result is kept only inside the VAD speech segments (so audio without
   speech yields zero speakers), and turns shorter than ``min_turn_s`` that overlap no other speaker take
   the label of whichever neighbouring turn (before or after) their own embedding matches best, instead
   of being dropped.
"""

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from pyannote.core import SlidingWindowFeature

from subflow.diarization.clustering import MAX_CLUSTERED, assign_windows, cluster_embeddings, even_subset
from subflow.diarization.embedding import MIN_GRID_PARTIALS, PartialGrid, VoiceEmbedder, normed
from subflow.diarization.output import name_speakers
from subflow.io import SAMPLE_RATE
from subflow.models import PACKAGED_SEGMENTATION, load_segmentation_model, resolve_segmentation_checkpoint
from subflow.options import DiarizationOptions
from subflow.progress import ProgressCallback, ProgressTicker
from subflow.vad.segmentation import load_scores, segmentation_scores
from subflow.vad.windows import active_regions, binarize_windows, frame_speakers, speaker_count

SEGMENTATION_KEY = "diarization.segmentation_model"


def offline_model(options: DiarizationOptions) -> str:
    """The models the offline backend runs, as the output names them."""
    segmentation = options.segmentation_model
    if segmentation == PACKAGED_SEGMENTATION:
        segmentation = "pyannote/segmentation (whisperx package)"
    return f"{segmentation} + resemblyzer VoiceEncoder + agglomerative clustering"


def window_scores(
    samples: np.ndarray, options: DiarizationOptions, scores_path: str | Path | None, models: dict, device: str, say
) -> tuple[Any, Any]:
    """Step 1: the (chunks, frames, local speakers) speaker activity of the sliding 5 s windows and the
    segmentation model's frames: pyannote_vad's saved scores when they match (no model loaded, no
    pyannote.audio imported), computed otherwise."""
    if scores_path:
        checkpoint = resolve_segmentation_checkpoint(options.segmentation_model, key=SEGMENTATION_KEY)
        saved = load_scores(scores_path, checkpoint, samples.size, options.segmentation_step)
        say("window scores %s", "from pyannote_vad" if saved is not None else "computed (pyannote_vad's differ)")
        if saved is not None:
            return saved
    if "segmentation" not in models:
        models["segmentation"] = load_segmentation_model(options.segmentation_model, device, key=SEGMENTATION_KEY)
    model = models["segmentation"]
    scores = segmentation_scores(samples, model, options.batch_size, step=options.segmentation_step)
    return scores, model.receptive_field


def _active_runs(mask: np.ndarray, chunk_start: float, frames: Any, num_samples: int) -> list[tuple[int, int]]:
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
    binarized: Any,
    frames: Any,
    embedder: VoiceEmbedder,
    min_embedding_s: float,
    block: int = 256,
    grid: PartialGrid | None = None,
    done_until: Callable[[float], None] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Embeddings (chunks, local speakers, 256) — NaN where a local speaker is silent or speaks for
    less than 0.2 s — and the seconds of speech each one was computed from. With a ``grid``, a
    speaker whose clean speech in the window holds whole grid partials gets the mean of those;
    the others are embedded from their own joined speech, as without one. The grid's partials are
    computed block by block as the windows pass them (no later window reaches back before its own
    start), so ``done_until(seconds)`` after each window says how far the work is."""
    data = np.nan_to_num(binarized.data, nan=0.0)
    num_chunks, _, num_local = data.shape
    emb = np.full((num_chunks, num_local, 256), np.nan, dtype=np.float32)
    seconds = np.zeros((num_chunks, num_local), dtype=np.float32)
    overlap = data.sum(axis=2) > 1
    keys: list[tuple[int, int]] = []
    pieces: list[np.ndarray] = []
    from_grid: dict[tuple[int, int], list[int]] = {}
    pending: set[int] = set()  # grid partials wanted and not computed yet

    def flush() -> None:
        if pieces:
            vectors = embedder.batch(pieces)
            for (c, k), vec in zip(keys, vectors):
                emb[c, k] = vec
            keys.clear()
            pieces.clear()

    for c, (chunk, _) in enumerate(binarized):
        if grid is not None and pending:
            passed = int(chunk.start * SAMPLE_RATE) // grid.BLOCK * grid.BLOCK  # whole blocks behind this window
            ready = {j for j in pending if j * grid.hop < passed}
            grid.compute(ready)
            pending -= ready
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
                pending.update(partials)
                continue
            keys.append((c, k))
            pieces.append(piece)
            if len(pieces) >= block:
                flush()
        if done_until is not None:
            done_until(chunk.start)
    flush()
    if grid is not None and from_grid:
        grid.compute(pending)
        for (c, k), partials in from_grid.items():
            emb[c, k] = grid.mean(partials)
    return emb, seconds


def reconstruct(segmentations: Any, binarized: Any, hard_clusters: np.ndarray, frames: Any, max_speakers: int | None):
    """Frame-level (frames, speakers) 0/1 diarization from clustered windows (pyannote's stitching)."""
    count = speaker_count(binarized, frames)
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
    return frame_speakers(SlidingWindowFeature(clustered, segmentations.sliding_window), count)


def discrete_to_turns(discrete: Any, min_duration_off: float = 0.0) -> list[dict]:
    """0/1 frames → turns [{start, end, speaker index}] sorted by start."""
    annotation = active_regions(discrete, 0.5, 0.5, min_duration_off=min_duration_off)
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
    turns: list[dict],
    samples: np.ndarray,
    embedder: Callable[[np.ndarray], np.ndarray],
    centroids: np.ndarray,
    min_turn_s: float,
) -> list[dict]:
    """Turns shorter than ``min_turn_s`` (not overlapping another speaker) take the label of the
    neighbouring turn (previous or next) whose speaker centroid their embedding matches best."""
    turns = [dict(t) for t in turns]
    cents = normed(centroids)
    for i, t in enumerate(turns):
        if t["end"] - t["start"] >= min_turn_s or _overlapped(turns, i):
            continue
        neighbours = {turns[j]["speaker"] for j in (i - 1, i + 1) if 0 <= j < len(turns)} - {t["speaker"]}
        if not neighbours:
            continue
        piece = samples[int(t["start"] * SAMPLE_RATE) : int(t["end"] * SAMPLE_RATE)]
        if piece.size < int(0.1 * SAMPLE_RATE):
            continue
        vec = normed(embedder(piece))
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
    options: DiarizationOptions,
    device: str = "cpu",
    models: dict | None = None,
    logger: logging.Logger | None = None,
    scores_path: str | Path | None = None,
    progress: ProgressCallback | None = None,
) -> list[dict]:
    """Speaker turns [{start, end, speaker: "SPEAKER_00"…}] of the audio (module docstring).
    ``models``: the segmentation model and voice embedder, loaded into it when absent (to share them
    between calls); ``scores_path``: pyannote_vad's saved window scores; ``progress``: how much of the
    audio is embedded, every few seconds (subflow.progress)."""
    with ProgressTicker(progress, samples.size / SAMPLE_RATE) as ticker:
        return _diarize_offline(samples, speech, options, device, models, logger, scores_path, ticker)


def _diarize_offline(
    samples: np.ndarray,
    speech: list[dict],
    options: DiarizationOptions,
    device: str,
    models: dict | None,
    logger: logging.Logger | None,
    scores_path: str | Path | None,
    ticker: ProgressTicker,
) -> list[dict]:
    say = logger.info if logger else (lambda *a: None)
    if not speech or samples.size < SAMPLE_RATE // 2:
        return []
    models = models if models is not None else {}
    ticker.update(0, "window scores")
    segmentations, frames = window_scores(samples, options, scores_path, models, device, say)
    binarized = binarize_windows(segmentations, options.onset)
    ticker.update(0, "loading the voice encoder")
    if "embedder" not in models:
        models["embedder"] = VoiceEmbedder(device, rate=options.embedding_rate)
    embedder = models["embedder"]
    grid = PartialGrid(embedder, samples, options.partial_hop_s) if options.partial_hop_s > 0 else None
    emb, seconds = window_embeddings(
        samples, binarized, frames, embedder, options.min_embedding_s, grid=grid, done_until=ticker.update
    )
    ticker.update(ticker.done_s, "clustering")
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
    labels = cluster_embeddings(
        vectors,
        chunk_starts[chunk_idx],
        options.single_speaker_spread,
        segmentations.sliding_window.duration / 2,
        options.num_speakers,
        options.min_speakers,
        options.max_speakers,
        options.max_estimated_speakers,
    )
    centroids = np.stack([vectors[labels == k].mean(axis=0) for k in range(labels.max() + 1)])
    say("%d embeddings (%d used to cluster) → %d speakers", int(present.sum()), len(vectors), len(centroids))
    hard = assign_windows(emb, centroids)
    discrete = reconstruct(segmentations, binarized, hard, frames, options.max_speakers or options.num_speakers)
    turns = discrete_to_turns(discrete, options.min_duration_off)
    turns = gate_to_speech(turns, speech)
    if options.min_turn_s > 0:
        turns = relabel_short_turns(turns, samples, embedder, centroids, options.min_turn_s)
    return name_speakers(turns)
