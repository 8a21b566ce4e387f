"""What a film has besides dialogue: a sox-synthesised score (chords and a plucked arpeggio) and noise.

Both are seeded: sox runs in repeatable mode (``-R``) and the noise comes from numpy's generator, so a
film's sound is the same on every build.
"""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

import numpy as np

from bench.synth import require
from subflow.io import SAMPLE_RATE

BAR_S = 2.0
# Chord progressions: (root's semitones above the key, minor?) — I–V–vi–IV, I–IV–V–IV, vi–IV–I–V, i–bIII–bVI–bVII.
PROGRESSIONS = (
    ((0, False), (7, False), (9, True), (5, False)),
    ((0, False), (5, False), (7, False), (5, False)),
    ((9, True), (5, False), (0, False), (7, False)),
    ((0, True), (3, False), (8, False), (10, False)),
)


def _bar(path: Path, root: int, minor: bool) -> np.ndarray:
    """One bar: a sine pad (root, third, fifth) and the same chord plucked as an arpeggio two octaves up."""
    import soundfile

    third = 3 if minor else 4
    notes = [root, root + third, root + 7]  # semitones from A4 (sox's %n)
    tones = [f"sine %{n - 24}" for n in notes] + [f"pluck %{n}" for n in notes]
    args = [require("sox"), "-R", "-r", "44100", "-c", "6", "-n", "-b", "32", "-e", "floating-point", "-c", "1"]
    args += [str(path), "synth", str(BAR_S), *" ".join(tones).split(), "delay", "0", "0", "0", "0", "0.5", "1.0"]
    args += ["remix", "-", "trim", "0", str(BAR_S), "fade", "q", "0.05", str(BAR_S), "0.2", "rate", str(SAMPLE_RATE)]
    subprocess.run(args, check=True, capture_output=True)
    samples, _ = soundfile.read(str(path), dtype="float32")
    return samples


def music(seed: int, seconds: float) -> np.ndarray:
    """A looping score of ``seconds`` at unit RMS: a seeded key and progression, four bars."""
    rng = np.random.default_rng(seed)
    key = int(rng.integers(-12, -4))  # G3..D#4 area, relative to A4
    progression = PROGRESSIONS[int(rng.integers(len(PROGRESSIONS)))]
    with tempfile.TemporaryDirectory() as tmp:
        bars = [_bar(Path(tmp) / f"bar{i}.wav", key + step, minor) for i, (step, minor) in enumerate(progression)]
    loop = np.concatenate(bars)
    n = int(round(seconds * SAMPLE_RATE))
    out = np.tile(loop, n // loop.size + 1)[:n]
    return (out / (np.sqrt(np.mean(out**2)) or 1.0)).astype(np.float32)


def noise(seed: int, n: int, colour: str = "pink") -> np.ndarray:
    """Unit-RMS noise: white, or pink (Paul Kellet's economy filter), like room tone or tape hiss."""
    from scipy.signal import lfilter

    white = np.random.default_rng(seed).standard_normal(n)
    if colour == "pink":
        b = [0.049922035, -0.095993537, 0.050612699, -0.004408786]
        a = [1.0, -2.494956002, 2.017265875, -0.522189400]
        white = lfilter(b, a, white)
    return (white / np.sqrt(np.mean(white**2))).astype(np.float32)


def rms(samples: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(samples, dtype=np.float64)))) if samples.size else 0.0


def ramp(n: int, fade: int) -> np.ndarray:
    """An envelope of ``n`` samples that rises and falls over ``fade`` samples at each end."""
    env = np.ones(n, dtype=np.float32)
    fade = min(fade, n // 2)
    if fade:
        env[:fade] = np.linspace(0, 1, fade, dtype=np.float32)
        env[-fade:] = np.linspace(1, 0, fade, dtype=np.float32)
    return env
