"""Read-only views for the CLI: the status table of an output dir, and ``verify`` with stale detection.

Stale ``running`` stages: on this host, the recorded pid no longer exists (or is a zombie); on
another host the pid cannot be checked, so the stage is stale once its ``updated_at`` (start,
outputs, metadata, progress) is older than ``stale_after_s`` (CLI ``--stale-after``, default 6 h).
A stage that legitimately runs longer than that without calling ``set_progress`` will be reported.
"""

from __future__ import annotations

import os
import socket
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from manifest_lib import store
from manifest_lib.document import COMPLETE_STATUSES, MANIFEST_NAME, parse_iso, schema_errors
from manifest_lib.errors import ManifestError
from manifest_lib.pipeline import movie_dirs
from manifest_lib.stage import output_record

DEFAULT_STALE_AFTER_S = 6 * 3600.0


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a killed child its parent has not reaped yet still answers kill(0)
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True
    return state not in ("Z", "X")


def stale_reason(entry: dict[str, Any], stale_after_s: float, now: datetime | None = None) -> str | None:
    """Why a ``running`` entry is abandoned, or None when it is not (or not running)."""
    if entry.get("status") != "running":
        return None
    execution = entry.get("execution") or {}
    host, pid = execution.get("host"), execution.get("pid")
    if host == socket.gethostname() and isinstance(pid, int):
        return None if _pid_alive(pid) else f"recorded as running by pid {pid} on {host}, which no longer exists"
    stamp = entry.get("updated_at") or entry.get("started_at")
    age = ((now or datetime.now(timezone.utc)) - parse_iso(stamp)).total_seconds()
    if age <= stale_after_s:
        return None
    return f"running on {host} (pid {pid}) without an update for {age / 3600:.1f} h (limit {stale_after_s / 3600:g} h)"


def verify_movie(movie_dir: Path, stale_after_s: float = DEFAULT_STALE_AFTER_S) -> list[str]:
    """Every problem of one movie's manifest: unreadable, schema, stale stages, changed outputs."""
    try:
        doc = store.read_view(movie_dir / MANIFEST_NAME, quarantine=False)
    except ManifestError as exc:
        return [str(exc)]
    if doc is None:
        return [f"no {MANIFEST_NAME} in {movie_dir}"]
    problems = [f"schema: {error}" for error in schema_errors(doc)]
    if problems:
        return problems
    for stage, entry in doc["stages"].items():
        reason = stale_reason(entry, stale_after_s)
        if reason:
            problems.append(f"{stage}: stale: {reason}")
        if entry["status"] not in COMPLETE_STATUSES:
            continue
        for name, recorded in entry["outputs"].items():
            now = output_record(recorded["path"], None)
            if not now["exists"]:
                problems.append(f"{stage}: output {name!r} is gone: {recorded['path']}")
            elif now["size_bytes"] != recorded["size_bytes"]:
                problems.append(
                    f"{stage}: output {name!r} changed size: {recorded['path']} "
                    f"(recorded {recorded['size_bytes']} bytes, now {now['size_bytes']})"
                )
    return problems


def status_table(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Every movie under ``path`` × every stage seen: status, duration, attempt (JSON-ready)."""
    movies: list[dict[str, Any]] = []
    first_start: dict[str, str] = {}
    for movie_dir in movie_dirs(path):
        row: dict[str, Any] = {"movie": movie_dir.name, "movie_dir": str(movie_dir), "pipeline": None, "error": None}
        row["stages"] = {}
        try:
            doc = store.read_view(movie_dir / MANIFEST_NAME, quarantine=False) or {"stages": {}, "pipeline": {}}
        except ManifestError as exc:
            row["error"] = str(exc)
            movies.append(row)
            continue
        row["pipeline"] = doc["pipeline"].get("status")
        for stage, entry in doc["stages"].items():
            row["stages"][stage] = {
                key: entry.get(key) for key in ("status", "duration_seconds", "attempt", "started_at")
            }
            started = entry.get("started_at") or ""
            first_start[stage] = min(first_start.get(stage, started), started)
        movies.append(row)
    stages = sorted(first_start, key=lambda stage: (first_start[stage], stage))
    return {"output_dir": str(path), "stages": stages, "movies": movies}


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return ""
    if seconds < 60:
        return f" {seconds:.1f}s"
    if seconds < 3600:
        return f" {int(seconds // 60)}m{int(seconds % 60):02d}s"
    return f" {int(seconds // 3600)}h{int(seconds % 3600 // 60):02d}m"


def _cell(entry: dict[str, Any] | None, now: datetime) -> str:
    """``success 1m05s``; a running stage shows how long it has been running."""
    if entry is None:
        return "-"
    seconds = entry["duration_seconds"]
    if entry["status"] == "running" and entry["started_at"]:
        seconds = (now - parse_iso(entry["started_at"])).total_seconds()
    return f"{entry['status']}{_duration(seconds)}"


def render_table(table: dict[str, Any]) -> str:
    """The status table as aligned text, one movie a row (an unreadable manifest: its error)."""
    if not table["movies"]:
        return f"no manifest.json under {table['output_dir']}"
    now = datetime.now(timezone.utc)
    rows = [["MOVIE", "PIPELINE", *table["stages"]]]
    for movie in table["movies"]:
        rows.append(
            [movie["movie"], movie["pipeline"] or "-", *(_cell(movie["stages"].get(s), now) for s in table["stages"])]
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in rows]
    for i, movie in enumerate(table["movies"], start=1):
        if movie["error"]:
            lines[i] = f"{movie['movie'].ljust(widths[0])}  unreadable: {movie['error']}"
    return "\n".join(lines)
