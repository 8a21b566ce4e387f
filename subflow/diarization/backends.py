"""Who speaks when (stage 6), with the configured backend: ``offline`` (weights that ship in packages,
:mod:`subflow.diarization.offline`) or ``pyannote`` (the pyannote pipelines, for users who have them,
:mod:`subflow.diarization.pyannote`)."""

import logging
from pathlib import Path

import numpy as np

from subflow.diarization.offline import diarize_offline, offline_model
from subflow.diarization.pyannote import diarize_pyannote
from subflow.errors import StageError
from subflow.models import load_pyannote_pipeline
from subflow.options import DiarizationOptions
from subflow.progress import ProgressCallback


def diarize(
    samples: np.ndarray,
    speech: list[dict],
    options: DiarizationOptions,
    device: str = "cpu",
    logger: logging.Logger | None = None,
    scores_path: str | Path | None = None,
    progress: ProgressCallback | None = None,
) -> tuple[list[dict], str]:
    """Speaker turns of the audio with the configured backend, and the model description."""
    if options.backend == "pyannote":
        name = options.pipeline or ""
        pipeline = load_pyannote_pipeline(name, device)  # a missing pipeline fails even when nobody speaks
        if not speech:  # nothing to diarize: no need to run the pipeline
            return [], name
        return diarize_pyannote(samples, pipeline, **options.speaker_counts), name
    if options.backend != "offline":
        raise StageError(f"diarization.backend: unknown backend {options.backend!r} (offline or pyannote)")
    turns = diarize_offline(samples, speech, options, device, logger=logger, scores_path=scores_path, progress=progress)
    return turns, offline_model(options)
