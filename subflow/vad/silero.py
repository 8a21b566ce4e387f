"""Silero voice activity detection with the model shipped inside the silero-vad package."""

import numpy as np

from subflow.io import SAMPLE_RATE
from subflow.options import SileroVadOptions
from subflow.progress import ProgressCallback, ProgressTicker

MODEL = "silero-vad (package ONNX sequence model)"  # as silero_segments.json names it


def detect_speech(
    samples: np.ndarray, options: SileroVadOptions, progress: ProgressCallback | None = None
) -> list[dict]:
    """Speech segments in seconds, from the package's sequence ONNX model (no download): the streaming
    model's probabilities, bit for bit, with one ONNX call per 16 s block instead of one per 32 ms frame
    (bench/results/figures.md). ``progress``: how much of the audio is done (subflow.progress); the blocks
    run in one call, so it moves from the start to the end."""
    import onnxruntime
    from silero_vad import get_speech_timestamps_sequence, load_silero_vad

    if samples.size == 0:
        return []
    duration = samples.size / SAMPLE_RATE
    with ProgressTicker(progress, duration) as ticker:
        ticker.update(0, "loading the model")
        onnxruntime.set_default_logger_severity(3)  # its export's unused initialisers are warnings, not news
        model = load_silero_vad(sequence=True)
        ticker.update(0, "detecting speech")
        stamps = get_speech_timestamps_sequence(
            samples,
            model,
            threshold=options.threshold,
            sampling_rate=SAMPLE_RATE,
            min_speech_duration_ms=options.min_speech_duration_ms,
            min_silence_duration_ms=options.min_silence_duration_ms,
            speech_pad_ms=options.speech_pad_ms,
            max_speech_duration_s=options.max_segment_s,
            return_seconds=False,
        )
        ticker.update(duration)
    return [{"start": round(s["start"] / SAMPLE_RATE, 3), "end": round(s["end"] / SAMPLE_RATE, 3)} for s in stamps]
