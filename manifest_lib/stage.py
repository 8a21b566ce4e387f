"""StageManifest: one stage's run recorded in its movie's manifest.json, as the design document uses it.

The stage's entry lives in memory and in the stage's own record file; every call that records
something (start, add_output, add_metadata, set_error, set_progress, save) writes the record and
publishes it into manifest.json at once, so a killed stage keeps what it had recorded.
"""

from __future__ import annotations

import json
import logging
import os
import re
import socket
import sys
import threading
import time
from pathlib import Path
from types import TracebackType
from typing import Any

from manifest_lib import store
from manifest_lib.document import (
    COMPLETE_STATUSES,
    MANIFEST_NAME,
    PENDING,
    STAGE_STATUSES,
    now_iso,
    redact,
    refuse_secrets,
    to_jsonable,
)
from manifest_lib.errors import MissingOutputError
from manifest_lib.exits import exit_code_for, install_handlers, restore_handlers

PROGRESS_INTERVAL_S = 2.0
_STAGE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")


def detect_snakemake() -> Any | None:
    """The ``snakemake`` object a Snakemake ``script:`` job puts in ``__main__``, if any."""
    candidate = getattr(sys.modules.get("__main__"), "snakemake", None)
    return candidate if hasattr(candidate, "output") and hasattr(candidate, "rule") else None


def _size(path: str) -> int | None:
    """Bytes of a file, or of every file under a directory output; None when absent."""
    if os.path.isdir(path):
        total = 0
        for root, _, files in os.walk(path):
            for name in files:
                try:
                    total += os.path.getsize(os.path.join(root, name))
                except OSError:  # vanished meanwhile, or a dangling link
                    pass
        return total
    try:
        return os.path.getsize(path)
    except OSError:
        return None


def output_record(path: str | os.PathLike[str], description: str | None) -> dict[str, Any]:
    absolute = os.path.abspath(path)
    size = _size(absolute)
    return {"path": absolute, "exists": size is not None, "size_bytes": size, "description": description}


def error_record(exc: BaseException) -> dict[str, Any]:
    """``{"message", "type"}`` of an exception; the type is its class name."""
    if isinstance(exc, SystemExit):
        message = f"exit code {exc.code}"
    elif type(exc) is KeyboardInterrupt:
        message = "interrupted (Ctrl-C)"
    else:
        message = str(exc) or type(exc).__name__
    return {"message": redact(message), "type": type(exc).__name__}


def _previous_attempt(entry: dict[str, Any]) -> dict[str, Any]:
    """The summary kept in ``history``; an attempt still ``running`` died without a record."""
    summary = {key: entry.get(key) for key in ("attempt", "status", "started_at", "completed_at", "duration_seconds")}
    summary["attempt"] = summary["attempt"] or 1
    summary["error"] = entry.get("error")
    if summary["status"] == "pending":  # marked for a rerun: the attempt itself ended as it had
        summary["status"] = entry["pending"]["previous_status"]
    if summary["status"] == "running":
        execution = entry.get("execution") or {}
        summary["status"] = "failed"
        summary["error"] = {
            "message": "attempt never recorded its end "
            f"(pid {execution.get('pid')} on {execution.get('host')} killed?)",
            "type": None,
        }
    return summary


class StageManifest:
    """The record of one run (attempt) of ``stage`` for the movie in ``movie_dir``.

    Construction writes the stage as ``running``. As a context manager, a clean exit saves
    ``success`` (``skipped`` after :meth:`skip`) and an exception saves ``failed`` and propagates.
    ``snakemake``: the job object of a Snakemake ``script:``; detected from ``__main__`` when None.
    """

    def __init__(
        self, stage: str, movie_dir: str | os.PathLike[str], logger: logging.Logger | None = None, snakemake: Any = None
    ) -> None:
        if not _STAGE_NAME.fullmatch(stage):
            raise ValueError(f"stage name {stage!r}: use letters, digits, '_', '.', '-'")
        self.stage = stage
        self.movie_dir = Path(movie_dir)
        self.path = self.movie_dir / MANIFEST_NAME
        self.logger = logger or logging.getLogger("manifest_lib")
        self.snakemake = snakemake if snakemake is not None else detect_snakemake()
        self._error: dict[str, Any] | None = None
        self._skip_reason: str | None = None
        self._last_progress = float("-inf")
        self._started = time.monotonic()
        self._lock = threading.RLock()  # a progress callback may run in a worker thread
        self._signals = install_handlers()
        try:
            with store.transaction(self.movie_dir, new_stage=stage):
                previous = store.read_record(self.movie_dir, store.stage_record(stage))
                self.entry = self._new_entry(previous)
                store.write_record(self.movie_dir, store.stage_record(stage), self.entry)
        except BaseException:
            restore_handlers(self._signals)
            raise
        self.attempt: int = self.entry["attempt"]
        self.logger.info("manifest: %s running (attempt %d) in %s", stage, self.attempt, self.path)

    def _execution(self) -> dict[str, Any]:
        job = self.snakemake
        return {
            "host": socket.gethostname(),
            "pid": os.getpid(),
            "slurm_job_id": os.environ.get("SLURM_JOB_ID") or None,
            "threads": int(job.threads) if job is not None else None,
            "snakemake_rule": str(job.rule) if job is not None else None,
        }

    def _new_entry(self, previous: dict[str, Any] | None) -> dict[str, Any]:
        """A ``running`` entry for a new attempt; the previous attempt goes into ``history``."""
        stamp = now_iso()
        return {
            "status": "running",
            "attempt": (previous.get("attempt") or 1) + 1 if previous else 1,
            "started_at": stamp,
            "updated_at": stamp,
            "completed_at": None,
            "duration_seconds": None,
            "outputs": {},
            "metadata": {},
            "error": None,
            "execution": self._execution(),
            "history": [*previous.get("history", []), _previous_attempt(previous)] if previous else [],
        }

    def _write(self) -> None:
        """Write the stage's record and publish it into manifest.json (caller holds ``_lock``)."""
        self.entry["updated_at"] = now_iso()
        line = store.write_record(self.movie_dir, store.stage_record(self.stage), self.entry)
        store.publish(self.movie_dir, self.stage, line)

    # -- what a stage records ----------------------------------------------------------------
    def add_output(self, name: str, path: str | os.PathLike[str], description: str | None = None) -> None:
        """Declare an output file; it must exist when the stage ends as success."""
        refuse_secrets([name, os.fspath(path), description], f"output {name!r}")
        with self._lock:
            self.entry["outputs"][name] = output_record(path, description)
            self._write()

    def add_metadata(self, key: str, value: Any) -> None:
        """Record a JSON value (numpy scalars and paths are converted); never a secret's value."""
        try:
            value = json.loads(json.dumps(value, default=to_jsonable))
        except (TypeError, ValueError) as exc:
            raise TypeError(f"metadata {key!r} of stage {self.stage!r} is not JSON: {exc}") from exc
        refuse_secrets([key, value], f"metadata {key!r}")
        with self._lock:
            self.entry["metadata"][key] = value
            self._write()

    def add_warning(self, message: str) -> None:
        """Record something the user should know about an attempt that goes on (``warnings``, in order)."""
        refuse_secrets(message, "warning")
        with self._lock:
            self.entry.setdefault("warnings", []).append(redact(str(message)))
            self._write()

    def set_error(self, msg: str) -> None:
        """The error a ``failed`` save records (type null: it is a message, not an exception)."""
        with self._lock:
            self._error = {"message": redact(str(msg)), "type": None}
            self.entry["error"] = self._error
            self._write()

    def skip(self, reason: str) -> None:
        """End as ``skipped`` (with ``skip_reason``) instead of success on a clean exit."""
        refuse_secrets(reason, "skip reason")
        self._skip_reason = reason

    def set_progress(self, fraction: float, message: str = "") -> bool:
        """Show progress in the running entry; at most one write per 2 s (returns whether written)."""
        if not 0.0 <= fraction <= 1.0:
            raise ValueError(f"progress fraction must be within [0, 1], got {fraction}")
        with self._lock:
            now = time.monotonic()
            if now - self._last_progress < PROGRESS_INTERVAL_S or self.entry["status"] != "running":
                return False
            self._last_progress = now
            self.entry["progress"] = {
                "fraction": round(float(fraction), 4),
                "message": redact(message),
                "updated_at": now_iso(),
            }
            self._write()
            return True

    # -- the end -----------------------------------------------------------------------------
    def _snakemake_outputs(self) -> dict[str, str]:
        """The job's declared outputs by Snakemake name (``output_<i>`` when unnamed)."""
        if self.snakemake is None:
            return {}
        output = self.snakemake.output
        names: dict[str, str] = {}
        for name in output.keys() if hasattr(output, "keys") else []:
            value = getattr(output, name)
            for i, path in enumerate([value] if isinstance(value, str) else value):
                names.setdefault(str(path), name if isinstance(value, str) else f"{name}_{i}")
        return {names.get(str(path), f"output_{i}"): str(path) for i, path in enumerate(output)}

    def save(self, status: str = "success") -> str:
        """Write the stage's end (or, with ``running``, a checkpoint); return the status written.

        ``success``/``skipped`` with a declared output missing is written as ``failed`` naming the
        file and raises :class:`MissingOutputError`. ``failed`` without :meth:`set_error` records the
        exception being handled, if any.
        """
        if status not in STAGE_STATUSES or status == PENDING:
            allowed = ", ".join(s for s in STAGE_STATUSES if s != PENDING)
            raise ValueError(f"stage status must be one of {allowed}, got {status!r}")
        handled = sys.exc_info()[1]
        with self._lock:
            missing = self._end(status, handled)
            self._write()
        entry = self.entry
        if entry["status"] != "running":
            restore_handlers(self._signals)
            self._signals = {}
            log = self.logger.info if entry["status"] in COMPLETE_STATUSES else self.logger.error
            log("manifest: %s %s (%.1fs)", self.stage, entry["status"], entry["duration_seconds"])
        if missing:
            raise MissingOutputError(f"stage {self.stage!r}: " + "; ".join(missing))
        return entry["status"]

    def _end(self, status: str, handled: BaseException | None) -> list[str]:
        """Put the stage's end into the entry; return the declared outputs found missing."""
        entry, outputs = self.entry, self.entry["outputs"]
        known = {record["path"] for record in outputs.values()}
        for name, path in self._snakemake_outputs().items():
            if os.path.abspath(path) not in known:
                outputs[name if name not in outputs else f"snakemake_{name}"] = output_record(path, None)
        for name, record in outputs.items():
            outputs[name] = output_record(record["path"], record.get("description"))
        final, error = status, self._error
        missing = []
        if status in COMPLETE_STATUSES:
            missing = [
                f"declared output {n!r} does not exist: {r['path']}" for n, r in outputs.items() if not r["exists"]
            ]
            if missing:
                final, error = "failed", {"message": "; ".join(missing), "type": MissingOutputError.__name__}
        if final == "failed" and error is None:
            error = error_record(handled) if handled else {"message": "stage failed (no error recorded)", "type": None}
        entry["status"] = final
        entry["error"] = error if final == "failed" else None
        entry.pop("skip_reason", None)
        if final == "skipped":
            entry["skip_reason"] = self._skip_reason
        if final != "running":
            entry.pop("progress", None)
            entry["completed_at"] = now_iso()
            entry["duration_seconds"] = round(time.monotonic() - self._started, 3)
        return missing

    def __enter__(self) -> StageManifest:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> bool:
        if exc is None or (isinstance(exc, SystemExit) and exit_code_for(exc) == 0):
            self.save("skipped" if self._skip_reason is not None else "success")
            return False
        self._error = error_record(exc)
        self.save("failed")
        return False
