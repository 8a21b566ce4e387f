"""Primitives every layer shares: the audio rate, the stage list, atomic writes, JSON, logging, offline runs."""

import json
import logging
import os
from pathlib import Path
from typing import IO, Any

import numpy as np

from subflow.errors import StageError

SAMPLE_RATE = 16000  # Hz: what demux writes and every model reads (Whisper, Silero, pyannote, resemblyzer)

STAGES = (
    "demux",
    "tmdb",
    "pre_ner",
    "silero_vad",
    "pyannote_vad",
    "diarization",
    "asr",
    "post_ner",
    "subtitles",
    "mux",
)

# The environment of every run this project starts (tests, bench, the workflow's own replanning): models come
# from packages and the local cache only, and pyannote sends no usage metrics.
OFFLINE_ENV = {"HF_HUB_OFFLINE": "1", "PYANNOTE_METRICS_ENABLED": "0"}

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def offline_env(**extra: str) -> dict[str, str]:
    """This process's environment with :data:`OFFLINE_ENV` (and ``extra``) set, for a child process."""
    return {**os.environ, **OFFLINE_ENV, **extra}


def atomic_write(path: str | os.PathLike[str], data: str | bytes) -> None:
    """Write beside ``path`` then rename, so a killed writer never leaves half a file where a whole one is expected."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.partial")
    try:
        if isinstance(data, bytes):
            partial.write_bytes(data)
        else:
            partial.write_text(data, encoding="utf-8")
        os.replace(partial, target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


def write_json(path: str | os.PathLike[str], data: Any, indent: int | None = 2) -> None:
    """JSON as the stages write it: UTF-8, indented, atomically."""
    atomic_write(path, json.dumps(data, indent=indent, ensure_ascii=False) + "\n")


def read_json(path: str | os.PathLike[str]) -> Any:
    """Read a JSON file another stage wrote, with an error naming it when it is unreadable."""
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise StageError(f"cannot read {path}: {exc}") from exc


def file_logger(name: str, stream: IO[str]) -> logging.Logger:
    """The logger of one stage or view, writing only to its log file (not to the console, not propagated)."""
    logger = logging.getLogger(name)
    logger.handlers.clear()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    return logger


def load_wav(path: str | os.PathLike[str]) -> np.ndarray:
    """The demuxed 16 kHz mono wav as float32 samples in [-1, 1]."""
    import soundfile

    try:
        samples, rate = soundfile.read(str(path), dtype="float32", always_2d=False)
    except (OSError, RuntimeError) as exc:
        raise StageError(f"cannot read audio {path}: {exc}") from exc
    if rate != SAMPLE_RATE or samples.ndim != 1:
        raise StageError(f"{path}: expected 16 kHz mono audio, got {rate} Hz with shape {samples.shape}")
    return samples
