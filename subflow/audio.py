"""Reading the demuxed audio and describing speech segments."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from subflow.errors import StageError

SAMPLE_RATE = 16000


def load_wav(path: str | Path) -> np.ndarray:
    """The demuxed 16 kHz mono wav as float32 samples in [-1, 1]."""
    import soundfile

    try:
        samples, rate = soundfile.read(str(path), dtype="float32", always_2d=False)
    except (OSError, RuntimeError) as exc:
        raise StageError(f"cannot read audio {path}: {exc}") from exc
    if rate != SAMPLE_RATE or samples.ndim != 1:
        raise StageError(f"{path}: expected 16 kHz mono audio, got {rate} Hz with shape {samples.shape}")
    return samples


def segments_summary(segments: list[dict], duration: float, model: str) -> dict:
    """The VAD output body: segments plus the speech share of the film."""
    speech = sum(s["end"] - s["start"] for s in segments)
    return {
        "segments": segments,
        "duration_seconds": round(duration, 3),
        "speech_seconds": round(speech, 3),
        "speech_percentage": round(100.0 * speech / duration, 2) if duration > 0 else 0.0,
        "model": model,
    }
