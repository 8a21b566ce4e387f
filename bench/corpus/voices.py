"""Three speech engines behind one call: ``speak("flite/slt", text)`` → 16 kHz float32 speech, trimmed.

espeak-ng goes through :func:`bench.synth.speak`; flite and festival (``text2wave``) write a WAV at
their own rate, resampled here. All three are deterministic, so a script always sounds the same.
"""

from __future__ import annotations

import subprocess
import tempfile
from math import gcd
from pathlib import Path

import numpy as np

from bench.synth import require
from bench.synth import speak as espeak
from subflow.io import SAMPLE_RATE

TOOLS = {"espeak": "espeak-ng", "flite": "flite", "festival": "text2wave"}
# festival's diphone voices for other languages read their text in Latin-1 (UTF-8 is read byte by byte)
FESTIVAL_ENCODINGS = {"pc_diphone": "latin-1", "lp_diphone": "latin-1", "hy_fi_mv_diphone": "latin-1"}


def _read(path: Path) -> np.ndarray:
    import soundfile
    from scipy.signal import resample_poly

    samples, rate = soundfile.read(str(path), dtype="float32", always_2d=True)
    mono = samples.mean(axis=1)
    if rate != SAMPLE_RATE:
        g = gcd(SAMPLE_RATE, rate)
        mono = resample_poly(mono, SAMPLE_RATE // g, rate // g)
    return mono.astype(np.float32)


def _engine(engine: str, voice: str, text: str) -> np.ndarray:
    if engine == "espeak":
        return espeak(text, voice)
    with tempfile.TemporaryDirectory() as tmp:
        wav, txt = Path(tmp) / "line.wav", Path(tmp) / "line.txt"
        if engine == "flite":
            args = [require("flite"), "-voice", voice, "-t", text, "-o", str(wav)]
        elif engine == "festival":
            txt.write_text(text + "\n", encoding=FESTIVAL_ENCODINGS.get(voice, "utf-8"))
            args = [require("text2wave"), "-eval", f"(voice_{voice})", "-o", str(wav), str(txt)]
        else:
            raise ValueError(f"unknown speech engine {engine!r} (one of {', '.join(TOOLS)})")
        result = subprocess.run(args, capture_output=True, text=True, check=False)
        if result.returncode != 0 or not wav.exists():
            raise RuntimeError(f"{engine} voice {voice} failed: {result.stderr.strip()[-500:]}")
        return _read(wav)


def trim(speech: np.ndarray, floor: float = 0.02) -> np.ndarray:
    """Speech without the engine's leading and trailing silence, so a line's times are its speech."""
    loud = np.flatnonzero(np.abs(speech) > floor * float(np.abs(speech).max() or 1.0))
    return speech[loud[0] : loud[-1] + 1] if loud.size else speech


def speak(voice: str, text: str) -> np.ndarray:
    """``engine/voice`` speaking ``text``: 16 kHz mono float32, trimmed."""
    engine, _, name = voice.partition("/")
    speech = trim(_engine(engine, name, text))
    if speech.size < SAMPLE_RATE // 10:
        raise RuntimeError(f"{voice} made no speech for {text!r}")
    return speech
