"""The movie-level view: the orchestrator's PipelineManifest and the readers stage scripts use."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from manifest_lib import store
from manifest_lib.document import COMPLETE_STATUSES, PENDING, manifest_path, now_iso, redact, refuse_secrets
from manifest_lib.stage import output_record

FINAL_PIPELINE_STATUSES = ("running", "completed", "failed", "interrupted")


def load_manifest(movie_dir: str | os.PathLike[str]) -> dict[str, Any] | None:
    """The manifest of ``movie_dir`` (or of a manifest.json path), None when there is none yet.

    Lock-free. A corrupt file is moved aside and :class:`ManifestCorruptError` names it.
    """
    return store.read_view(manifest_path(movie_dir))


def stage_complete(doc: dict[str, Any] | None, stage: str) -> bool:
    """Success or skipped: a skipped optional stage is finished and must not run again."""
    entry = (doc or {}).get("stages", {}).get(stage)
    return bool(entry) and entry.get("status") in COMPLETE_STATUSES


def is_stage_completed(movie_dir: str | os.PathLike[str], stage: str) -> bool:
    return stage_complete(load_manifest(movie_dir), stage)


class PipelineManifest:
    """The orchestrator's handle on one movie's manifest; ``path`` is manifest.json or the movie dir."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = manifest_path(path)
        self.movie_dir = self.path.parent

    def load(self) -> dict[str, Any] | None:
        return store.read_view(self.path)

    def set_input(self, input_file: str | os.PathLike[str], title: str | None, year: int | None) -> None:
        """Record the film this movie folder is made from."""
        block = {"file": os.path.abspath(input_file), "title": title, "year": year}
        refuse_secrets(block, "input")
        with store.transaction(self.movie_dir) as record:
            record["input"] = block

    def is_stage_completed(self, stage: str) -> bool:
        return stage_complete(self.load(), stage)

    def start(self) -> None:
        """The pipeline is running (Snakemake's ``onstart``)."""
        self._set_status("running")

    def finalize(self, status: str = "completed") -> None:
        """The pipeline's end: completed, failed or interrupted (``running`` reopens it)."""
        if status not in FINAL_PIPELINE_STATUSES:
            raise ValueError(f"pipeline status must be one of {', '.join(FINAL_PIPELINE_STATUSES)}, got {status!r}")
        self._set_status(status)

    def mark_pending(self, stage: str, reason: str) -> bool:
        """The workflow is about to run ``stage`` again: it is no longer complete (status ``pending``).

        Only a stage that ended ``success``/``skipped`` is marked (a ``failed`` one keeps its error, a
        ``running`` one belongs to its process); its outputs are re-checked (``exists``, ``size_bytes``
        as they are now), ``pending`` says why. The next attempt replaces the entry and keeps this
        attempt in ``history`` with the status it ended with. Returns whether the stage was marked.
        """
        refuse_secrets(reason, "pending reason")
        with store.transaction(self.movie_dir):
            name = store.stage_record(stage)
            entry = store.read_record(self.movie_dir, name)
            if entry is None or entry.get("status") not in COMPLETE_STATUSES:
                return False
            stamp = now_iso()
            entry["outputs"] = {
                key: output_record(record["path"], record.get("description"))
                for key, record in entry["outputs"].items()
            }
            entry["pending"] = {"reason": redact(reason), "since": stamp, "previous_status": entry["status"]}
            entry["status"] = PENDING
            entry["updated_at"] = stamp
            store.write_record(self.movie_dir, name, entry)
        return True

    def settle_pending(self, stage: str) -> bool:
        """Undo :meth:`mark_pending` for a stage the workflow no longer reruns (it did not run, and
        Snakemake now counts its outputs current: its input was remade byte-identical). The stage gets
        back the status its attempt ended with, if every output is still there. Returns whether it did.
        """
        with store.transaction(self.movie_dir):
            name = store.stage_record(stage)
            entry = store.read_record(self.movie_dir, name)
            if entry is None or entry.get("status") != PENDING:
                return False
            outputs = {
                key: output_record(record["path"], record.get("description"))
                for key, record in entry["outputs"].items()
            }
            if not all(record["exists"] for record in outputs.values()):
                return False
            entry["outputs"] = outputs
            entry["status"] = entry.pop("pending")["previous_status"]
            entry["updated_at"] = now_iso()
            store.write_record(self.movie_dir, name, entry)
        return True

    def _set_status(self, status: str) -> None:
        stamp = now_iso()
        with store.transaction(self.movie_dir) as record:
            pipeline = record["pipeline"]
            if status == "running":
                pipeline["started_at"] = stamp
            pipeline["status"] = status
            pipeline["completed_at"] = None if status == "running" else stamp


def movie_dirs(path: str | os.PathLike[str]) -> list[Path]:
    """``path`` itself when it holds a manifest.json, else its sub-folders that do, sorted."""
    root = Path(path)
    if (root / "manifest.json").exists():
        return [root]
    if not root.is_dir():
        return []
    return sorted(child for child in root.iterdir() if (child / "manifest.json").exists())
