"""The report rules (rules/report.smk): a film's picture and pages, the library page, and the frame they run in.

They are views of the run, not pipeline stages: they read manifest.json but never write it, so a failure is
the rule's log and exit 1, not a manifest entry.
"""

from __future__ import annotations

import logging
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from manifest_lib import status_table
from subflow.io import atomic_write, file_logger
from subflow.report.data import film_data, optional_json, read_manifest, subtitle_events
from subflow.report.pages import compliance_html, library_html, stages_html
from subflow.report.picture import draw_timeline


def run_view(name: str, work: Callable[[logging.Logger], None], snakemake: Any) -> None:
    """Run a report rule's ``work`` with its log: Python's stderr and a logger go to ``snakemake.log[0]``;
    a failure is one line on the console (the traceback in the log) and exit 1. No manifest entry."""
    log_path = Path(snakemake.log[0])
    log_path.parent.mkdir(parents=True, exist_ok=True)
    console = sys.stderr
    with open(log_path, "a", encoding="utf-8") as log_file:
        sys.stderr = log_file
        logger = file_logger(f"subflow.report.{name}", log_file)
        try:
            work(logger)
        except Exception as exc:  # noqa: BLE001 — one line on the console, the rest in the log
            logger.error("failed:\n%s", traceback.format_exc())
            console.write(f"subflow: {name} failed: {exc} (log: {log_path})\n")
            sys.exit(1)
        finally:
            sys.stderr = console
        logger.info("%s done", name)


def _first(files: Any, name: str) -> str | None:
    """The one file of a named input, or None when the workflow gave none (stage not built or failed)."""
    found = list(getattr(files, name, None) or [])
    return found[0] if found else None


def film_views(movie_dir: Path, inputs: Any, speech_used: str | None, outputs: Any, logger: logging.Logger) -> None:
    """A film's ``timeline.png``, ``stages.html`` and ``compliance.html`` from the files it has.

    A failed run is drawn from what exists; the picture and the compliance page say where it stopped.
    """
    doc, problem = read_manifest(movie_dir)
    found = (doc or {}).get("input") or {}
    title = f"{found['title']} ({found['year']})" if found.get("title") and found.get("year") else movie_dir.name
    srt_path, compliance = _first(inputs, "srt"), _first(inputs, "compliance")
    data = film_data(
        movie_dir.name,
        audio=_first(inputs, "audio"),
        audio_metadata=_first(inputs, "audio_metadata"),
        silero=_first(inputs, "silero"),
        pyannote=_first(inputs, "pyannote"),
        speakers=_first(inputs, "speakers"),
        srt_path=srt_path,
        compliance=compliance,
        speech_used=speech_used,
    )
    failed = ", ".join(((doc or {}).get("pipeline") or {}).get("failed_stages") or [])
    if failed:
        data.notes.append(f"the run failed at {failed}: later tracks are missing")
    draw_timeline(data, outputs.timeline, title)
    logger.info("timeline: %.1f s, %d tracks, %s subtitle events", data.duration, len(data.tracks), data.subtitle_count)
    atomic_write(outputs.stages, stages_html(doc, movie_dir, problem))
    why = f"No subtitles: the run failed at {failed}." if failed else "No subtitles: the subtitles stage is not built."
    report = compliance_html(title, optional_json(compliance), subtitle_events(srt_path), why)
    atomic_write(outputs.compliance, report)


def library_view(output_dir: str, films: list[str], target: str, logger: logging.Logger) -> None:
    """``library.html``: every film under ``output_dir``, and those of the workflow that have no manifest yet."""
    table = status_table(output_dir, expected=films)
    atomic_write(target, library_html(table))
    logger.info("library: %d films, %s", table["totals"]["films"], table["totals"]["pipeline"])
