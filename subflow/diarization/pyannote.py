"""The pyannote backend (``diarization.backend: pyannote``): a pyannote diarization pipeline
(``pyannote/speaker-diarization-community-1``, ``pyannote/speaker-diarization-3.1`` or a local pipeline
folder), loaded without network by :func:`subflow.models.load_pyannote_pipeline` and run on the
in-memory waveform."""

from typing import Any

import numpy as np

from subflow.diarization.output import name_speakers
from subflow.io import SAMPLE_RATE
from subflow.models import HubOffline
from subflow.vad.segmentation import waveform_input


def diarize_pyannote(
    samples: np.ndarray,
    pipeline: Any,
    num_speakers: int | None = None,
    min_speakers: int | None = None,
    max_speakers: int | None = None,
) -> list[dict]:
    """Speaker turns from a pyannote pipeline run on the in-memory waveform."""
    if samples.size < SAMPLE_RATE // 2:
        return []
    kwargs = {
        k: v
        for k, v in (("num_speakers", num_speakers), ("min_speakers", min_speakers), ("max_speakers", max_speakers))
        if v
    }
    with HubOffline():
        output = pipeline(waveform_input(samples), **kwargs)
    annotation = getattr(output, "speaker_diarization", output)
    turns = [
        {"start": float(seg.start), "end": float(seg.end), "speaker": str(label)}
        for seg, _, label in annotation.itertracks(yield_label=True)
    ]
    return name_speakers(turns)
