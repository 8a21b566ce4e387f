"""pyannote segmentation over sliding windows: its raw window scores and the speech regions they give.

The model comes from :func:`subflow.models.load_segmentation_model` (by default the pyannote/segmentation
PyanNet shipped in the whisperx package). pyannote_vad computes the window scores once and saves them
(``vad/segmentation.npz``), so that diarization, which needs the same windows, does not run the model again.
"""

import io
from pathlib import Path
from typing import Any

import numpy as np

from subflow.io import SAMPLE_RATE, atomic_write
from subflow.options import PyannoteVadOptions
from subflow.progress import ProgressCallback, ProgressTicker
from subflow.vad.windows import active_regions, aggregate


def waveform_input(samples: np.ndarray) -> dict:
    """The in-memory audio dict pyannote takes instead of a file path (no torchaudio decoding)."""
    import torch

    return {
        "waveform": torch.from_numpy(np.ascontiguousarray(samples, dtype=np.float32))[None],
        "sample_rate": SAMPLE_RATE,
    }


def segmentation_scores(
    samples: np.ndarray,
    model,
    batch_size: int = 32,
    step: float | None = None,
    progress: ProgressCallback | None = None,
):
    """The segmentation model's raw output over sliding windows: a ``SlidingWindowFeature`` of shape
    (windows, frames, local speakers), as pyannote's ``Inference(skip_aggregation=True)`` gives it: whole
    windows, then the rest zero-padded to one. ``step`` is a fraction of the window (None: pyannote's
    default, the one its ``VoiceActivityDetection`` uses). pyannote_vad computes these once and saves them
    (``save_scores``) so that diarization, which needs the same windows, does not run the model again.
    ``progress``: how much of the audio is done, every few seconds (subflow.progress)."""
    import torch
    import torch.nn.functional as F
    from pyannote.core import SlidingWindow, SlidingWindowFeature

    specs = model.specifications
    if specs.powerset:  # pyannote.audio's models only: its Inference turns powerset classes into speakers
        return _pyannote_inference(samples, model, batch_size, step, progress)
    duration = specs.duration
    step_s = step * duration if step is not None else (specs.warm_up[0] or 0.1 * duration)
    window, hop = round(duration * SAMPLE_RATE), round(step_s * SAMPLE_RATE)
    device = next(model.parameters()).device
    waveform = torch.from_numpy(np.ascontiguousarray(samples, dtype=np.float32))[None]
    whole = (
        waveform.unfold(1, window, hop).transpose(0, 1) if samples.size >= window else waveform.new_zeros(0, 1, window)
    )
    batches = [whole[c : c + batch_size] for c in range(0, len(whole), batch_size)]
    if samples.size < window or (samples.size - window) % hop > 0:
        rest = waveform[:, len(whole) * hop :]
        batches.append(F.pad(rest, (0, window - rest.shape[1]))[None])
    audio_s, outputs = samples.size / SAMPLE_RATE, []
    with ProgressTicker(progress, audio_s) as ticker, torch.inference_mode():
        for done, batch in enumerate(batches, start=1):
            outputs.append(model(batch.to(device)).cpu().numpy())
            ticker.update(audio_s * done / len(batches))
    return SlidingWindowFeature(np.vstack(outputs), SlidingWindow(start=0.0, duration=duration, step=step_s))


def _pyannote_inference(samples: np.ndarray, model, batch_size: int, step: float | None, progress):
    from pyannote.audio import Inference

    duration = model.specifications.duration
    kwargs = {} if step is None else {"step": step * duration}
    inference = Inference(model, duration=duration, skip_aggregation=True, batch_size=batch_size, **kwargs)
    audio_s = samples.size / SAMPLE_RATE
    with ProgressTicker(progress, audio_s) as ticker:

        def hook(completed: int, total: int, **_: Any) -> None:  # pyannote's: windows done of all windows
            ticker.update(audio_s * completed / max(total, 1))

        return inference(waveform_input(samples), hook=hook)


def speech_from_scores(scores, model, options: PyannoteVadOptions, num_samples: int) -> list[dict]:
    """Speech regions from raw window scores, exactly as pyannote's ``VoiceActivityDetection`` finds
    them: the most active local speaker per frame, windows overlap-added (Hamming), the padding of
    the last window cropped, hysteresis thresholds, short regions and gaps removed."""
    from pyannote.core import Segment, SlidingWindowFeature

    specs = model.specifications
    warm_up = next(iter(specs)).warm_up if isinstance(specs, tuple) else specs.warm_up
    window = scores.sliding_window
    speech = SlidingWindowFeature(np.max(scores.data, axis=-1, keepdims=True), window)
    aggregated = aggregate(speech, model.receptive_field, warm_up=warm_up, hamming=True, missing=0.0)
    window_samples = round(window.duration * SAMPLE_RATE)
    step_samples = round(window.step * SAMPLE_RATE)
    if num_samples < window_samples or (num_samples - window_samples) % step_samples > 0:
        aggregated.data = aggregated.crop(Segment(0.0, num_samples / SAMPLE_RATE), mode="loose")
    onset, offset = (0.5, 0.5) if specs.powerset else (options.onset, options.offset)
    regions = active_regions(aggregated, onset, offset, options.min_duration_on, options.min_duration_off)
    return [{"start": round(s.start, 3), "end": round(s.end, 3)} for s in regions.get_timeline().support()]


def pyannote_speech(
    samples: np.ndarray, model, options: PyannoteVadOptions, progress: ProgressCallback | None = None
) -> tuple[list[dict], Any]:
    """Speech regions found by pyannote's ``VoiceActivityDetection`` over the whole file, and the window
    scores they come from (``segmentation_scores``; None for audio shorter than a tenth of a window)."""
    min_samples = int(model.specifications.duration * SAMPLE_RATE * 0.1)
    if samples.size < max(min_samples, 1):
        return [], None
    scores = segmentation_scores(samples, model, options.batch_size, options.step, progress)
    return speech_from_scores(scores, model, options, samples.size), scores


def save_scores(path: Path, scores, frames, checkpoint: str, num_samples: int) -> None:
    """Write window scores for diarization (float32 .npz, atomically), with what they were computed from
    and the model's frames (its receptive field), so that diarization needs no model to read them.
    No scores (audio too short for one window): an empty file, so that diarization computes (nothing) itself."""
    if scores is None:
        atomic_write(path, b"")
        return
    window = scores.sliding_window
    buffer = io.BytesIO()
    np.savez(
        buffer,
        data=np.asarray(scores.data, dtype=np.float32),
        window=np.array([window.start, window.duration, window.step]),
        frames=np.array([frames.start, frames.duration, frames.step]),
        checkpoint=np.array(str(checkpoint)),
        num_samples=np.array(num_samples),
    )
    atomic_write(path, buffer.getvalue())


def load_scores(path: str | Path, checkpoint: str, num_samples: int, step: float):
    """(window scores, the model's frames) saved by pyannote_vad, or None when they were computed from
    another model, other audio or another window step (``step``: fraction of the window) than the caller
    needs."""
    from pyannote.core import SlidingWindow, SlidingWindowFeature

    try:
        with np.load(path) as saved:
            start, duration, window_step = (float(x) for x in saved["window"])
            if str(saved["checkpoint"]) != str(checkpoint) or int(saved["num_samples"]) != num_samples:
                return None
            if abs(window_step - step * duration) > 1e-6:
                return None
            frames_start, frames_duration, frames_step = (float(x) for x in saved["frames"])
            window = SlidingWindow(start=start, duration=duration, step=window_step)
            frames = SlidingWindow(start=frames_start, duration=frames_duration, step=frames_step)
            return SlidingWindowFeature(saved["data"], window), frames
    except (OSError, EOFError, KeyError, ValueError):  # absent, empty (audio too short) or foreign file
        return None
