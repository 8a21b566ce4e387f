"""The window arithmetic of pyannote's segmentation pipelines, on pyannote.core types, without pyannote.audio.

Importing pyannote.audio costs seconds and over a gigabyte of memory (lightning, torchmetrics) in every
job that does it. Once the window scores exist, pyannote_vad and diarization need only these steps of
it: they follow pyannote.audio 4.0's ``Inference.aggregate``, ``utils.signal.binarize`` and ``Binarize``,
and ``SpeakerDiarizationMixin.speaker_count``/``to_diarization``, and tests/vad/test_windows.py checks
them against it.
"""

import numpy as np
from pyannote.core import Annotation, Segment, SlidingWindow, SlidingWindowFeature


def hysteresis(scores: np.ndarray, onset: float, offset: float | None = None, initial: bool = False) -> np.ndarray:
    """(rows, frames) scores → active frames: on above ``onset``, off below ``offset`` (default: ``onset``),
    the previous state in between; ``initial`` before the first frame that decides."""
    offset = onset if offset is None else offset
    scores = np.nan_to_num(scores)
    on = scores > onset
    decided = on | (scores < offset)
    last = np.maximum.accumulate(np.where(decided, np.arange(scores.shape[1]), -1), axis=1)
    state = np.take_along_axis(on, np.maximum(last, 0), axis=1)
    return np.where(last >= 0, state, initial)


def binarize_windows(scores: SlidingWindowFeature, onset: float, initial: bool = False) -> SlidingWindowFeature:
    """(chunks, frames, local speakers) scores → 0/1 of the same shape, each speaker of each window on its own."""
    chunks, frames, speakers = scores.data.shape
    rows = np.moveaxis(scores.data, 2, 1).reshape(chunks * speakers, frames)
    active = hysteresis(rows, onset, initial=initial).reshape(chunks, speakers, frames)
    return SlidingWindowFeature(1.0 * np.moveaxis(active, 1, 2), scores.sliding_window)


def aggregate(
    scores: SlidingWindowFeature,
    frames: SlidingWindow,
    warm_up: tuple[float, float] = (0.0, 0.0),
    hamming: bool = False,
    missing: float = np.nan,
    skip_average: bool = False,
    epsilon: float = 1e-12,
) -> SlidingWindowFeature:
    """Overlapping windows' (chunks, frames, classes) scores added into one (frames, classes) track on
    ``frames``, weighted by a Hamming window and the warm-up, averaged unless ``skip_average``; frames no
    window scored get ``missing``."""
    num_chunks, per_chunk, num_classes = scores.data.shape
    chunks = scores.sliding_window
    frames = SlidingWindow(start=chunks.start, duration=frames.duration, step=frames.step)
    weight = np.hamming(per_chunk).reshape(-1, 1) if hamming else np.ones((per_chunk, 1))
    warm = np.ones((per_chunk, 1))
    warm[: round(warm_up[0] / chunks.duration * per_chunk)] = epsilon
    warm[per_chunk - round(warm_up[1] / chunks.duration * per_chunk) :] = epsilon
    weight = weight * warm
    last_end = chunks.start + chunks.duration + (num_chunks - 1) * chunks.step
    num_frames = frames.closest_frame(last_end + 0.5 * frames.duration) + 1
    total = np.zeros((num_frames, num_classes), dtype=np.float32)
    count = np.zeros((num_frames, num_classes), dtype=np.float32)
    seen = np.zeros((num_frames, num_classes), dtype=np.float32)
    for chunk, score in scores:
        mask = 1 - np.isnan(score)
        score = np.nan_to_num(score, nan=0.0)
        first = frames.closest_frame(chunk.start + 0.5 * frames.duration)
        span = slice(first, first + per_chunk)
        total[span] += score * mask * weight
        count[span] += mask * weight
        seen[span] = np.maximum(seen[span], mask)
    average = total if skip_average else total / np.maximum(count, epsilon)
    average[seen == 0.0] = missing
    return SlidingWindowFeature(average, frames)


def active_regions(
    scores: SlidingWindowFeature,
    onset: float,
    offset: float | None = None,
    min_duration_on: float = 0.0,
    min_duration_off: float = 0.0,
) -> Annotation:
    """(frames, classes) scores → the regions where each class is active (hysteresis between ``onset`` and
    ``offset``, timed at frame middles), same-class gaps under ``min_duration_off`` filled, regions under
    ``min_duration_on`` dropped. Labels are the class indices."""
    num_frames, _ = scores.data.shape
    window = scores.sliding_window
    active = Annotation()
    states = hysteresis(scores.data.T, onset, offset)
    for k, state in enumerate(states):
        edges = np.flatnonzero(np.diff(np.concatenate(([0], state.astype(np.int8), [0]))))
        for a, b in zip(edges[::2], edges[1::2]):
            active[Segment(window[int(a)].middle, window[int(min(b, num_frames - 1))].middle), chr(ord("A") + k)] = k
    if min_duration_off > 0.0:
        active = active.support(collar=min_duration_off)
    if min_duration_on > 0.0:
        for segment, track in list(active.itertracks()):
            if segment.duration < min_duration_on:
                del active[segment, track]
    return active


def speaker_count(binarized: SlidingWindowFeature, frames: SlidingWindow) -> SlidingWindowFeature:
    """Per frame, how many speakers talk: the windows' active local speakers, averaged over the windows
    that cover the frame and rounded."""
    summed = SlidingWindowFeature(np.sum(binarized.data, axis=-1, keepdims=True), binarized.sliding_window)
    count = aggregate(summed, frames, missing=0.0)
    count.data = np.rint(count.data).astype(np.uint8)
    return count


def frame_speakers(clustered: SlidingWindowFeature, count: SlidingWindowFeature) -> SlidingWindowFeature:
    """(frames, speakers) 0/1: per frame, the ``count`` speakers with the highest summed window scores."""
    activations = aggregate(clustered, count.sliding_window, missing=0.0, skip_average=True)
    _, num_speakers = activations.data.shape
    most = int(np.max(count.data))
    if num_speakers < most:
        activations.data = np.pad(activations.data, ((0, 0), (0, most - num_speakers)))
    extent = activations.extent & count.extent
    activations = activations.crop(extent, return_data=False)
    count = count.crop(extent, return_data=False)
    ranked = np.argsort(-activations.data, axis=-1)
    counted = min(len(ranked), len(count.data))  # the frames both tracks hold after the crop
    chosen = np.arange(ranked.shape[1])[None, :] < count.data[:counted, :1].astype(np.int64)
    binary = np.zeros_like(activations.data)
    np.put_along_axis(binary[:counted], ranked[:counted], chosen.astype(binary.dtype), axis=1)
    return SlidingWindowFeature(binary, activations.sliding_window)
