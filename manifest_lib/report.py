"""Read-only views for the CLI: the library view of an output dir (``status``), and ``verify`` with stale detection.

The library view (:func:`status_table`, :func:`render_table`): a row per movie, a column per stage with
its symbol and duration (a running stage: its ``progress`` percent; a stale one: ``?``), the stage time
summed, the failing stage's error on one line, and totals. It reads each manifest.json once, without
the lock (1,000 manifests: ~0.2 s for the whole command, tests/report/test_status.py).

Stale ``running`` stages: on this host, the recorded pid no longer exists (or is a zombie); on
another host the pid cannot be checked, so the stage is stale once its ``updated_at`` (start,
outputs, metadata, progress) is older than ``stale_after_s`` (CLI ``--stale-after``, default 6 h).
A stage that legitimately runs longer than that without calling ``set_progress`` will be reported.
"""

from __future__ import annotations

import os
import socket
from datetime import UTC, datetime
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
    age = ((now or datetime.now(UTC)) - parse_iso(stamp)).total_seconds()
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


# -- the library view: python -m manifest_lib status ---------------------------------------------

SYMBOLS = {"success": "✓", "failed": "✗", "running": "…", "skipped": "↷", "pending": "○", "stale": "?", None: "–"}
ASCII_SYMBOLS = {"success": "+", "failed": "x", "running": ">", "skipped": "s", "pending": "o", "stale": "?", None: "-"}
LEGEND = {
    "success": "success",
    "skipped": "skipped",
    "failed": "failed",
    "running": "running",
    "pending": "to run again",
    "stale": "recorded running, its process is gone",
    None: "not run",
}
NOTE_MAX = 300  # characters of an error or progress message in the text table (--json has all of it)


def one_line(text: str | None) -> str:
    """A message on one line: newlines and runs of blanks become one space."""
    return " ".join(str(text or "").split())


def _first_start(entry: dict[str, Any]) -> str:
    history = entry.get("history") or []
    first = history[0].get("started_at") if history and isinstance(history[0], dict) else None
    return first or entry.get("started_at") or ""


def _stage_cell(entry: dict[str, Any], now: datetime, stale_after_s: float) -> dict[str, Any]:
    """One stage of one movie, as status and --json show it."""
    cell = {key: entry.get(key) for key in ("status", "duration_seconds", "attempt", "started_at", "completed_at")}
    cell["progress"] = entry.get("progress")
    cell["error"] = (entry.get("error") or {}).get("message") if entry.get("status") == "failed" else None
    cell["skip_reason"] = entry.get("skip_reason")
    cell["warnings"] = list(entry.get("warnings") or [])
    cell["pending_reason"] = (entry.get("pending") or {}).get("reason") if entry.get("status") == "pending" else None
    cell["stale"] = None
    cell["elapsed_seconds"] = None
    if entry.get("status") == "running":
        try:
            cell["stale"] = stale_reason(entry, stale_after_s, now)
            cell["elapsed_seconds"] = round((now - parse_iso(entry["started_at"])).total_seconds(), 3)
        except (KeyError, TypeError, ValueError):
            pass
    return cell


def _movie_row(movie_dir: Path, now: datetime, stale_after_s: float) -> tuple[dict[str, Any], list[str]]:
    """One movie's row, and its stages in order of (first) start."""
    row: dict[str, Any] = {
        "movie": movie_dir.name,
        "movie_dir": str(movie_dir),
        "title": None,
        "year": None,
        "pipeline": None,
        "error": None,  # the manifest itself cannot be read
        "stages": {},
        "failure": None,  # the failed stage's error (the earliest to fail)
        "running": [],
        "warnings": [],  # (stage, warning) of the stages that went on despite something the user should know
        "translated_from": None,  # (stage, language) when a stage's metadata says its text was translated
        "duration_seconds": 0.0,
        "updated_at": None,
    }
    try:
        doc = store.read_view(movie_dir / MANIFEST_NAME, quarantine=False) or {"stages": {}, "pipeline": {}}
    except ManifestError as exc:
        row["error"] = one_line(str(exc))
        row["duration_seconds"] = None
        return row, []
    found = doc.get("input") or {}
    row.update(title=found.get("title"), year=found.get("year"), updated_at=doc.get("updated_at"))
    row["pipeline"] = doc["pipeline"].get("status")
    stages = doc["stages"]
    failed = []
    for stage, entry in stages.items():
        cell = row["stages"][stage] = _stage_cell(entry, now, stale_after_s)
        row["duration_seconds"] += cell["duration_seconds"] or cell["elapsed_seconds"] or 0.0
        if cell["status"] == "failed":
            failed.append((entry.get("completed_at") or "", stage))
        elif cell["status"] == "running":
            row["running"].append(stage)
        row["warnings"] += [[stage, warning] for warning in cell["warnings"]]
        if (entry.get("metadata") or {}).get("translated_from"):
            row["translated_from"] = [stage, entry["metadata"]["translated_from"]]
    row["duration_seconds"] = round(row["duration_seconds"], 3)
    if failed:
        first = min(failed)[1]
        entry = stages[first]
        row["failure"] = {
            "stage": first,
            "message": (entry.get("error") or {}).get("message") or "failed (no error recorded)",
            "type": (entry.get("error") or {}).get("type"),
            "also_failed": [stage for _, stage in sorted(failed) if stage != first],
        }
    return row, sorted(stages, key=lambda stage: (_first_start(stages[stage]), stage))


def status_table(
    path: str | os.PathLike[str],
    stale_after_s: float = DEFAULT_STALE_AFTER_S,
    expected: list[str] | None = None,
) -> dict[str, Any]:
    """Every movie under ``path`` × every stage seen (JSON-ready): the library view.

    Per movie: pipeline status, per stage status/duration/attempt/progress/error, the failing stage's
    error, the stage time summed; ``totals`` counts films by pipeline status and each stage's statuses.
    Stages are in the order they usually start (mean rank of their first start across the movies).
    ``expected``: movie folder names that should be there (a workflow's films); those without a
    manifest get a row with pipeline ``None`` (not started).
    """
    now = datetime.now(UTC)
    movies: list[dict[str, Any]] = []
    orders: list[list[str]] = []
    for movie_dir in movie_dirs(path):
        row, order = _movie_row(movie_dir, now, stale_after_s)
        orders.append(order)
        movies.append(row)
    seen = {movie["movie"] for movie in movies}
    for name in expected or []:
        if name not in seen:
            movies.append(_movie_row(Path(path) / name, now, stale_after_s)[0])
    movies.sort(key=lambda movie: movie["movie"])
    stages = _stage_order(orders)
    return {
        "output_dir": str(path),
        "generated_at": now.isoformat(timespec="seconds"),
        "stages": stages,
        "movies": movies,
        "totals": _totals(movies, stages),
    }


def _stage_order(orders: list[list[str]]) -> list[str]:
    """One column order from each movie's order of first starts: a stage comes before another when
    more movies started it first (a film that stopped early, or ran one stage alone, cannot pull a late
    stage forward); ties by mean rank, then name."""
    before: dict[tuple[str, str], int] = {}
    ranks: dict[str, list[int]] = {}
    for order in orders:
        for i, stage in enumerate(order):
            ranks.setdefault(stage, []).append(i)
            for later in order[i + 1 :]:
                before[stage, later] = before.get((stage, later), 0) + 1
    stages = list(ranks)

    def score(stage: str) -> int:  # stages it precedes minus stages that precede it, by majority
        return sum(
            (before.get((stage, other), 0) > before.get((other, stage), 0))
            - (before.get((other, stage), 0) > before.get((stage, other), 0))
            for other in stages
        )

    return sorted(stages, key=lambda stage: (-score(stage), sum(ranks[stage]) / len(ranks[stage]), stage))


def cell_status(cell: dict[str, Any] | None) -> str | None:
    """The status a cell shows: the manifest's, or ``stale`` for a running stage whose process is gone."""
    if cell is None:
        return None
    return "stale" if cell.get("stale") else cell.get("status")


def _totals(movies: list[dict[str, Any]], stages: list[str]) -> dict[str, Any]:
    pipeline: dict[str, int] = {}
    per_stage: dict[str, dict[str, int]] = {stage: {} for stage in stages}
    for movie in movies:
        state = "unreadable" if movie["error"] else movie["pipeline"] or "not started"
        pipeline[state] = pipeline.get(state, 0) + 1
        for stage in stages:
            status = cell_status(movie["stages"].get(stage)) or "not run"
            per_stage[stage][status] = per_stage[stage].get(status, 0) + 1
    return {
        "films": len(movies),
        "pipeline": pipeline,
        "stages": per_stage,
        "duration_seconds": round(sum(movie["duration_seconds"] or 0.0 for movie in movies), 3),
    }


def duration_text(seconds: float | None) -> str:
    """``0.4s``, ``12.3s``, ``4m05s``, ``2h03m``: short enough for a table cell."""
    if seconds is None:
        return ""
    if seconds < 60:
        return f"{seconds:.1f}s"
    if seconds < 3600:
        return f"{int(seconds // 60)}m{int(seconds % 60):02d}s"
    return f"{int(seconds // 3600)}h{int(seconds % 3600 // 60):02d}m"


def cell_text(cell: dict[str, Any] | None, symbols: dict[str | None, str] = SYMBOLS) -> str:
    """``✓ 1m05s``; a running stage: its percent done, else how long it has been running."""
    status = cell_status(cell)
    if cell is None or status is None:
        return symbols[None]
    symbol = symbols.get(status, status)
    if status == "running" and cell["progress"]:
        return f"{symbol} {100 * cell['progress']['fraction']:.0f}%"
    seconds = cell["elapsed_seconds"] if status in ("running", "stale") else cell["duration_seconds"]
    return f"{symbol} {duration_text(seconds)}".rstrip()


def movie_note(movie: dict[str, Any]) -> str:
    """The one thing to read about a movie: the failing stage's error, else what is running, else a warning;
    and the language its subtitles were translated from."""
    if movie["error"]:
        return f"unreadable: {movie['error']}"
    failure = movie["failure"]
    if failure:
        more = f" (also failed: {', '.join(failure['also_failed'])})" if failure["also_failed"] else ""
        return f"{failure['stage']}: {one_line(failure['message'])}{more}"
    notes = []
    for stage in movie["running"]:
        cell = movie["stages"][stage]
        if cell["stale"]:
            notes.append(f"{stage}: stale: {cell['stale']}")
        elif cell["progress"]:
            notes.append(f"{stage}: {one_line(cell['progress']['message'])}")
        else:
            notes.append(f"{stage}: running")
    if not notes and movie.get("warnings"):
        (stage, warning), more = movie["warnings"][0], len(movie["warnings"]) - 1
        notes.append(f"{stage}: warning: {one_line(warning)}" + (f" (+{more} more)" if more else ""))
    if not movie["running"] and movie.get("translated_from"):
        stage, language = movie["translated_from"]
        notes.append(f"{stage}: translated from {language}")
    return "; ".join(notes)


COUNT_ORDER = ("success", "skipped", "failed", "running", "stale", "pending")  # of the TOTAL row


def count_text(counts: dict[str, int], symbols: dict[str | None, str] = SYMBOLS) -> str:
    """A stage's statuses counted over the films, ``✓3 ?1``; ``–`` when no film has run it."""
    return " ".join(f"{symbols[s]}{counts[s]}" for s in COUNT_ORDER if counts.get(s)) or symbols[None]


def render_table(table: dict[str, Any], symbols: dict[str | None, str] | None = None, width: int | None = None) -> str:
    """The library view as aligned text: a row per film, a column per stage, TIME (stage time summed),
    NOTE (the failing stage's error or the running stage's progress, on one line), a TOTAL row and
    a summary line. ``width``: cut the NOTE column to fit a terminal this wide."""
    symbols = symbols or SYMBOLS
    if not table["movies"]:
        return f"no manifest.json under {table['output_dir']}"
    stages = table["stages"]
    rows = [["FILM", "PIPELINE", *stages, "TIME", "NOTE"]]
    for movie in table["movies"]:
        cells = [cell_text(movie["stages"].get(stage), symbols) for stage in stages]
        pipeline = "unreadable" if movie["error"] else movie["pipeline"] or "-"
        rows.append([movie["movie"], pipeline, *cells, duration_text(movie["duration_seconds"]), movie_note(movie)])
    totals = table["totals"]
    films = totals["films"]
    rows.append(
        [
            f"TOTAL {films} film{'s' if films != 1 else ''}",
            "",
            *(count_text(totals["stages"][stage], symbols) for stage in stages),
            duration_text(totals["duration_seconds"]),
            "",
        ]
    )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    note_room = None if width is None else max(width - sum(widths) - 2 * len(widths), 20)
    lines = []
    for row in rows:
        note = row[-1]
        if len(note) > min(NOTE_MAX, note_room or NOTE_MAX):
            note = note[: min(NOTE_MAX, note_room or NOTE_MAX) - 1] + "…"
        lines.append("  ".join([*(cell.ljust(w) for cell, w in zip(row, widths)), note]).rstrip())
    states = ", ".join(f"{count} {state}" for state, count in sorted(totals["pipeline"].items()))
    legend = " ".join(f"{symbols[key]} {text}" for key, text in LEGEND.items())
    lines.append(f"{films} film{'s' if films != 1 else ''}: {states}; TIME: stage time summed; {legend}")
    return "\n".join(lines)


def symbols_for(stream: Any) -> dict[str | None, str]:
    """The status symbols, or ASCII ones where the stream cannot encode them (a C locale, a pipe to latin-1)."""
    try:
        "".join(SYMBOLS.values()).encode(getattr(stream, "encoding", None) or "ascii")
    except (UnicodeEncodeError, LookupError):
        return ASCII_SYMBOLS
    return SYMBOLS
