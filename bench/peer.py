"""The peer every accuracy figure is compared with: the whisperx CLI on the same media with the same model."""

import sys
from collections.abc import Sequence
from pathlib import Path

from subflow.models import resolve_whisper_model
from subflow.options import AsrOptions

WHISPERX = Path(sys.executable).with_name("whisperx")


def whisperx_command(
    media: Path | Sequence[Path],
    out_dir: Path,
    threads: int = 2,
    batch_size: int = 4,
    model: str | None = None,
    language: str | None = "en",
) -> list[str]:
    """The whisperx CLI with the workflow's default ``asr.model`` (or ``model``, a path) on the CPU (int8), pyannote VAD, no alignment, writing
    an SRT; ``language`` None lets it detect the language. Several ``media``: one process for all of them, its
    models loaded once."""
    return [
        str(WHISPERX),
        *([str(media)] if isinstance(media, Path) else [str(m) for m in media]),
        "--model",
        model or resolve_whisper_model(AsrOptions().model, allow_download=False),
        "--device",
        "cpu",
        "--compute_type",
        "int8",
        *(["--language", language] if language else []),
        "--vad_method",
        "pyannote",
        "--no_align",
        "--threads",
        str(threads),
        "--batch_size",
        str(batch_size),
        "--output_format",
        "srt",
        "--output_dir",
        str(out_dir),
    ]
