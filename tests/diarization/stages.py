"""Stages 4–6 on a movie folder, as the workflow runs them (script work() and a real manifest)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from subflow.io import SAMPLE_RATE, write_json
from tests.stage_runner import run_script


def prepare(movie: Path, samples: np.ndarray, config: dict) -> None:
    """audio/audio.wav and vad/silero_segments.json, as stages 1 and 4 leave them."""
    import soundfile

    (movie / "audio").mkdir(parents=True)
    audio = movie / "audio" / "audio.wav"
    soundfile.write(str(audio), samples, SAMPLE_RATE, subtype="PCM_16")
    duration = samples.size / SAMPLE_RATE
    write_json(
        movie / "audio" / "metadata.json", {"sample_rate": SAMPLE_RATE, "duration_seconds": duration, "video": None}
    )
    outputs = {"segments": str(movie / "vad" / "silero_segments.json")}
    stage = run_script("silero_vad", movie, {"audio": str(audio)}, outputs, {"options": config["silero_vad"]})
    assert stage["status"] == "success"


def run_vad(movie: Path, config: dict) -> dict:
    """Stage 5 (pyannote_vad); its manifest entry."""
    inputs = {"audio": str(movie / "audio" / "audio.wav"), "segments": str(movie / "vad" / "silero_segments.json")}
    outputs = {
        "segments": str(movie / "vad" / "pyannote_segments.json"),
        "scores": str(movie / "vad" / "segmentation.npz"),
    }
    return run_script("pyannote_vad", movie, inputs, outputs, {"options": config["pyannote_vad"], "device": "cpu"})


def run_diarization(movie: Path, config: dict, **section) -> dict:
    """Stage 6 (diarization) with config.yaml's options, ``section`` overriding some; its manifest entry."""
    inputs = {
        "audio": str(movie / "audio" / "audio.wav"),
        "segments": str(movie / "vad" / "pyannote_segments.json"),
        "scores": str(movie / "vad" / "segmentation.npz"),  # pyannote_vad's window scores, reused
    }
    outputs = {
        "speakers": str(movie / "diarization" / "speaker_segments.json"),
        "rttm": str(movie / "diarization" / "speakers.rttm"),
    }
    params = {"options": {**config["diarization"], **section}, "device": "cpu"}
    return run_script("diarization", movie, inputs, outputs, params)
