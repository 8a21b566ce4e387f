"""Shared inputs of the diarization and VAD tests: real and generated audio, the packaged models loaded once."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

from subflow.diarization.embedding import VoiceEmbedder
from subflow.io import SAMPLE_RATE
from subflow.models import load_segmentation_model

ROOT = Path(__file__).resolve().parents[2]

# two clearly different espeak-ng voices (offline-models.md: en-us, en+f3 and en+m3 are distinct)
DIALOGUE = [
    ("en-us", "Where were you last night? I waited at the station for an hour."),
    ("en+f3", "I am sorry. The last bus never came, and my phone was dead."),
    ("en-us", "You could have borrowed a phone from someone."),
    ("en+f3", "I know. It will not happen again, I promise."),
    ("en-us", "Fine. Let us get some breakfast then."),
    ("en+f3", "Good idea. I am starving."),
]


@pytest.fixture(scope="session")
def config() -> dict:
    """config.yaml as written (every key has its default there)."""
    return yaml.safe_load((ROOT / "config.yaml").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def models(config) -> dict:
    """The packaged segmentation model and voice encoder, loaded once for the session."""
    import torch

    torch.set_num_threads(2)
    return {
        "segmentation": load_segmentation_model(config["pyannote_vad"]["model"]),
        "embedder": VoiceEmbedder("cpu", rate=config["diarization"]["embedding_rate"]),
    }


@pytest.fixture(scope="session")
def dialogue():
    """(samples, lines) of a generated two-voice dialogue, 0.7 s between lines."""
    from bench.synth import synthesize

    return synthesize(DIALOGUE)


@pytest.fixture(scope="session")
def silence() -> np.ndarray:
    return np.zeros(10 * SAMPLE_RATE, dtype=np.float32)


@pytest.fixture(scope="session")
def noise() -> np.ndarray:
    """10 s of white noise at about -26 dBFS plus a 50 Hz hum: loud, but nobody speaks."""
    rng = np.random.default_rng(7)
    t = np.arange(10 * SAMPLE_RATE) / SAMPLE_RATE
    return (0.05 * rng.standard_normal(t.size) + 0.05 * np.sin(2 * np.pi * 50 * t)).astype(np.float32)
