"""The manifest's JSON layout: assembling the document, its derived ``pipeline`` lists, timestamps, secrets."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

MANIFEST_NAME = "manifest.json"
MANIFEST_VERSION = "1.0.0"
STAGE_STATUSES = ("running", "success", "failed", "skipped", "pending")
COMPLETE_STATUSES = ("success", "skipped")  # a skipped optional stage is finished: never run again
# pending: the stage ended success/skipped, but the workflow is about to run it again (an input changed,
# an output was deleted, --forcerun): no longer complete. Only the workflow sets it (PipelineManifest.mark_pending).
PENDING = "pending"
SECRET_ENV_VARS = ("TMDB_API_KEY", "HF_TOKEN")
_MIN_SECRET_LEN = 8


def now_iso() -> str:
    """UTC with its offset and milliseconds: unambiguous across SLURM nodes, sorts as text."""
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def parse_iso(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def manifest_path(movie_dir_or_file: str | os.PathLike[str]) -> Path:
    """``{movie_dir}/manifest.json``; a path that already names a ``.json`` file is kept."""
    path = Path(movie_dir_or_file)
    return path if path.suffix == ".json" else path / MANIFEST_NAME


def assemble(movie_dir: Path, pipeline_record: dict[str, Any], stages: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The manifest.json document from the records; stages in order of start."""
    doc: dict[str, Any] = {
        "version": MANIFEST_VERSION,
        "created_at": pipeline_record["created_at"],
        "updated_at": now_iso(),
        "movie_dir": os.path.abspath(movie_dir),
    }
    if "input" in pipeline_record:
        doc["input"] = pipeline_record["input"]
    doc["stages"] = dict(sorted(stages.items(), key=lambda item: (item[1].get("started_at") or "", item[0])))
    status = pipeline_record["pipeline"]
    doc["pipeline"] = {"status": status["status"], "current_stage": None}
    derive_pipeline(doc)
    doc["pipeline"]["started_at"] = status.get("started_at")
    doc["pipeline"]["completed_at"] = status.get("completed_at")
    return doc


def derive_pipeline(doc: dict[str, Any]) -> None:
    """Recompute the stage lists of ``pipeline`` from ``stages``, so they can never disagree.

    Finished lists are in order of completion, ``running_stages`` in order of start, and
    ``current_stage`` is the most recently started stage still running.
    """
    stages: dict[str, dict[str, Any]] = doc["stages"]

    def names(status: str, key: str) -> list[str]:
        chosen = [name for name, entry in stages.items() if entry.get("status") == status]
        return sorted(chosen, key=lambda name: (stages[name].get(key) or "", name))

    pipeline = doc["pipeline"]
    pipeline["completed_stages"] = names("success", "completed_at")
    pipeline["failed_stages"] = names("failed", "completed_at")
    pipeline["skipped_stages"] = names("skipped", "completed_at")
    pipeline["running_stages"] = names("running", "started_at")
    pipeline["pending_stages"] = names(PENDING, "started_at")
    pipeline["current_stage"] = pipeline["running_stages"][-1] if pipeline["running_stages"] else None


def _secrets() -> dict[str, str]:
    found = {name: os.environ.get(name, "") for name in SECRET_ENV_VARS}
    return {name: value for name, value in found.items() if len(value) >= _MIN_SECRET_LEN}


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for key, item in value.items() for s in _strings(key) + _strings(item)]
    if isinstance(value, (list, tuple)):
        return [s for item in value for s in _strings(item)]
    return []


def refuse_secrets(value: Any, what: str) -> None:
    """Raise ValueError when ``value`` holds the value of TMDB_API_KEY or HF_TOKEN."""
    texts = _strings(value)
    for name, secret in _secrets().items():
        if any(secret in text for text in texts):
            raise ValueError(f"{what} contains the value of ${name}; refusing to write it to the manifest")


def redact(text: str) -> str:
    """Free text (error messages) keeps its words but not a secret's value."""
    for name, secret in _secrets().items():
        text = text.replace(secret, f"${name}")
    return text


def to_jsonable(value: Any) -> Any:
    """``default=`` for json: paths as text, numpy scalars/arrays as Python numbers/lists."""
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    for method in ("tolist", "item"):
        if callable(getattr(value, method, None)):
            return getattr(value, method)()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


encode = json.JSONEncoder(ensure_ascii=False, default=to_jsonable).encode


def dumps(doc: dict[str, Any], stage_lines: dict[str, str] | None = None) -> str:
    """One top-level key a line and one stage a line: readable with cat/grep/diff (``jq .`` for more).

    ``stage_lines``: stages already encoded (their record files' lines), used verbatim.
    ``json.dumps(indent=2)`` would fall back to the pure-Python encoder, 5x slower, under the lock.
    """
    lines = []
    for key, value in doc.items():
        text = encode(value)
        if key == "stages" and isinstance(value, dict) and value:
            known = stage_lines or {}
            stages = (f"    {encode(name)}: {known.get(name) or encode(entry)}" for name, entry in value.items())
            text = "{\n" + ",\n".join(stages) + "\n  }"
        lines.append(f"  {encode(key)}: {text}")
    return "{\n" + ",\n".join(lines) + "\n}\n"


@cache
def schema() -> dict[str, Any]:
    """The JSON Schema of manifest.json that ships in the package."""
    return json.loads(resources.files("manifest_lib").joinpath("schema.json").read_text(encoding="utf-8"))


def schema_errors(doc: Any) -> list[str]:
    """Every schema violation of ``doc`` as ``path: message`` (empty when valid)."""
    from jsonschema import Draft202012Validator  # only verify and tests pay for the import

    validator = Draft202012Validator(schema())
    return [
        f"{'/'.join(str(p) for p in error.absolute_path) or '(top)'}: {error.message}"
        for error in sorted(validator.iter_errors(doc), key=lambda e: list(map(str, e.absolute_path)))
    ]
