"""The movie-level view: the orchestrator's PipelineManifest and the readers stage scripts use."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from manifest_lib import store
from manifest_lib.document import COMPLETE_STATUSES, manifest_path, now_iso, refuse_secrets

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
