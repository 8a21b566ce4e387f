"""Inputs of the diarization tests: a generated two-voice dialogue, noise."""

from __future__ import annotations

import numpy as np
import pytest

from subflow.io import SAMPLE_RATE

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
def dialogue():
    """(samples, lines) of a generated two-voice dialogue, 0.7 s between lines."""
    from bench.synth import synthesize

    return synthesize(DIALOGUE)


@pytest.fixture(scope="session")
def noise() -> np.ndarray:
    """10 s of white noise at about -26 dBFS plus a 50 Hz hum: loud, but nobody speaks."""
    rng = np.random.default_rng(7)
    t = np.arange(10 * SAMPLE_RATE) / SAMPLE_RATE
    return (0.05 * rng.standard_normal(t.size) + 0.05 * np.sin(2 * np.pi * 50 * t)).astype(np.float32)
