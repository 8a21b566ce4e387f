"""The report's HTML pages: a film's stage table and subtitle compliance, and the library page.

Each page is self-contained (inline CSS, no script, no external resource), so Snakemake's report embeds it as
is and it opens offline. The library page is ``python -m manifest_lib status`` as HTML: it is built from the
same :func:`manifest_lib.status_table` and writes every cell, note and count as the text view does.
"""

from __future__ import annotations

import csv
import html
from pathlib import Path
from typing import Any

from manifest_lib import LEGEND, SYMBOLS, cell_status, cell_text, count_text, duration_text, movie_note, one_line
from subflow.progress import clock_text
from subflow.report.data import Event

MAX_EVENTS_LISTED = 200
STATUS_COLOURS = {
    "success": "#1a7f37",
    "skipped": "#6e7781",
    "failed": "#cf222e",
    "running": "#0969da",
    "pending": "#9a6700",
    "stale": "#bc4c00",
    None: "#8c959f",
}
PIPELINE_COLOURS = {  # a pipeline status takes the colour of the stage status it resembles
    "completed": STATUS_COLOURS["success"],
    "failed": STATUS_COLOURS["failed"],
    "interrupted": STATUS_COLOURS["failed"],  # its stages are failed: "interrupted (Ctrl-C)"
    "unreadable": STATUS_COLOURS["failed"],
    "running": STATUS_COLOURS["running"],
    "pending": STATUS_COLOURS["pending"],
}

CSS = """
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 16px; color: #1f2328; }
h1 { font-size: 18px; margin: 0 0 4px; } h2 { font-size: 15px; margin: 18px 0 6px; }
.meta { color: #59636e; margin-bottom: 10px; }
table { border-collapse: collapse; } th, td { border-bottom: 1px solid #d0d7de; padding: 4px 8px; text-align: left;
vertical-align: top; } th { background: #f6f8fa; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
.status { font-weight: 600; white-space: nowrap; }
.note { min-width: 30ch; max-width: 70ch; overflow-wrap: break-word; }
.muted { color: #8c959f; } .big { font-size: 22px; font-weight: 600; }
table.library { font-size: 13px; } table.library th, table.library td { padding: 3px 6px; }
tr.film td { border-bottom: none; } tr.noterow td { color: #59636e; padding-top: 0; overflow-wrap: break-word; }
"""


def page(title: str, body: str) -> str:
    """A self-contained HTML page (inline CSS, no script, no external resource)."""
    return (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
        f"<style>{CSS}</style></head><body>\n{body}\n</body></html>\n"
    )


def _coloured(colour: str, label: str) -> str:
    return f'<span class="status" style="color:{colour}">{html.escape(label)}</span>'


def _status_html(status: str | None, text: str | None = None) -> str:
    label = text if text is not None else f"{SYMBOLS.get(status, '')} {status or 'not run'}"
    return _coloured(STATUS_COLOURS.get(status, STATUS_COLOURS[None]), label)


# -- a film's stage table -----------------------------------------------------------------------


def _benchmark(movie_dir: Path, stage: str) -> dict[str, str]:
    """The last row of Snakemake's benchmark of the stage (``benchmarks/<stage>.tsv``), or {}."""
    try:
        with open(movie_dir / "benchmarks" / f"{stage}.tsv", encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle, delimiter="\t"))
    except OSError:
        return {}
    return rows[-1] if rows else {}


def _size(size: float) -> str:
    for unit in ("B", "kB", "MB", "GB"):
        if size < 1000 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000
    return ""


def _stage_note(entry: dict[str, Any]) -> str:
    """Why a stage is not simply done: its error, skip or rerun reason, progress, missing outputs."""
    status = entry.get("status")
    note = ""
    if status == "failed":
        note = (entry.get("error") or {}).get("message") or "failed (no error recorded)"
    elif status == "skipped":
        note = f"skipped: {entry.get('skip_reason') or ''}"
    elif status == "pending":
        note = f"to run again: {(entry.get('pending') or {}).get('reason') or ''}"
    elif status == "running" and entry.get("progress"):
        note = entry["progress"].get("message") or ""
    missing = [key for key, output in (entry.get("outputs") or {}).items() if not output.get("exists")]
    if missing:
        note = (note + "; " if note else "") + f"missing output: {', '.join(missing)}"
    return note


def _stage_row(movie_dir: Path, stage: str, entry: dict[str, Any]) -> str:
    bench = _benchmark(movie_dir, stage)
    outputs = entry.get("outputs") or {}
    size = sum(output.get("size_bytes") or 0 for output in outputs.values())
    rss = bench.get("max_rss")
    return (
        "<tr>"
        f"<td>{html.escape(stage)}</td><td>{_status_html(entry.get('status'))}</td>"
        f"<td class=num>{entry.get('attempt') or ''}</td>"
        f"<td>{html.escape((entry.get('started_at') or '')[:19].replace('T', ' '))}</td>"
        f"<td class=num>{html.escape(duration_text(entry.get('duration_seconds')))}</td>"
        f"<td class=num>{html.escape(bench.get('s', ''))}</td>"
        f"<td class=num>{html.escape(rss if rss and rss != 'NA' else '')}</td>"
        f"<td class=num>{len(outputs)} ({_size(size)})</td>"
        f"<td class=note>{html.escape(one_line(_stage_note(entry)))}</td>"
        "</tr>"
    )


def stages_html(doc: dict[str, Any] | None, movie_dir: Path, problem: str | None = None) -> str:
    """The manifest's stage table of one film as a page (``problem``: why there is no manifest)."""
    name = movie_dir.name
    if doc is None:
        return page(
            f"{name}: stages", f"<h1>{html.escape(name)}</h1><p>{html.escape(problem or 'no manifest.json')}</p>"
        )
    found = doc.get("input") or {}
    pipeline = doc.get("pipeline") or {}
    title = f"{found.get('title') or name}" + (f" ({found['year']})" if found.get("year") else "")
    meta = [
        f"pipeline {_status_html(pipeline.get('status'), pipeline.get('status') or '-')}",
        f"input <code>{html.escape(str(found.get('file') or '-'))}</code>",
        f"manifest updated {html.escape(str(doc.get('updated_at') or '-'))}",
    ]
    rows = [_stage_row(movie_dir, stage, entry) for stage, entry in (doc.get("stages") or {}).items()]
    body = (
        f"<h1>{html.escape(title)}</h1><div class=meta>{' · '.join(meta)}</div>"
        "<table><tr><th>stage</th><th>status</th><th>attempt</th><th>started (UTC)</th><th>duration</th>"
        "<th>benchmark s</th><th>max RSS MB</th><th>outputs</th><th>note</th></tr>"
        + "".join(rows)
        + "</table>"
        + ("" if rows else "<p class=muted>no stage has run yet</p>")
    )
    return page(f"{name}: stages", body)


# -- a film's subtitle compliance ---------------------------------------------------------------


def compliance_html(name: str, report: dict[str, Any] | None, events: list[Event], why: str) -> str:
    """The subtitle compliance summary of one film as a page (``why``: what to say without a report)."""
    if report is None:
        return page(f"{name}: subtitle compliance", f"<h1>{html.escape(name)}</h1><p>{html.escape(why)}</p>")
    compliance = report.get("compliance")
    violations = report.get("violations") or {}
    bad = report.get("events") or []
    head = (
        f"<h1>{html.escape(name)}: subtitle compliance</h1>"
        f"<div class=big>{'-' if compliance is None else f'{100 * compliance:.1f}%'}</div>"
        f"<div class=meta>of {len(events)} subtitle events follow every rule · {len(bad)} do not · "
        f"{report.get('dropped_words', 0)} words dropped outside speech · "
        f"{report.get('collapsed_repeats', 0)} repeats collapsed · {report.get('fps') or '-'} fps</div>"
    )
    rule_rows = "".join(
        f"<tr><td>{html.escape(rule)}</td><td class=num{'' if count else ' style=color:#8c959f'}>{count}</td></tr>"
        for rule, count in sorted(violations.items(), key=lambda item: (-item[1], item[0]))
    )
    event_rows = "".join(
        f"<tr><td class=num>{html.escape(str(e.get('index', '')))}</td>"
        f"<td>{html.escape(clock_text(e.get('start', 0)))}</td>"
        f"<td class=note>{html.escape(one_line(e.get('text', '')))}</td>"
        f"<td class=note>{html.escape(', '.join(map(str, e.get('reasons') or [])))}</td></tr>"
        for e in bad[:MAX_EVENTS_LISTED]
    )
    more = f"<p class=muted>… and {len(bad) - MAX_EVENTS_LISTED} more</p>" if len(bad) > MAX_EVENTS_LISTED else ""
    body = (
        head
        + "<h2>violations by rule</h2><table><tr><th>rule</th><th>events</th></tr>"
        + (rule_rows or "<tr><td colspan=2 class=muted>none</td></tr>")
        + "</table>"
        + (
            "<h2>non-compliant events</h2><table><tr><th>#</th><th>at</th><th>text</th><th>rules broken</th></tr>"
            + event_rows
            + "</table>"
            + more
            if bad
            else ""
        )
    )
    return page(f"{name}: subtitle compliance", body)


# -- the library page: python -m manifest_lib status as HTML ------------------------------------
def _pipeline_text(movie: dict[str, Any]) -> str:
    """The PIPELINE column: ``-`` for a film of the workflow without a manifest yet (not started)."""
    return "unreadable" if movie["error"] else movie["pipeline"] or "-"


def _film_rows(movie: dict[str, Any], stages: list[str]) -> str:
    """The film's row, and its note on a row of its own across the stages, so the table stays narrow."""
    cells = []
    for stage in stages:
        cell = movie["stages"].get(stage)
        status = cell_status(cell)
        meaning = html.escape(LEGEND.get(status) or str(status))
        cells.append(f"<td title='{meaning}'>{_status_html(status, cell_text(cell))}</td>")
    pipeline = _pipeline_text(movie)
    state = "not started" if pipeline == "-" else pipeline
    colour = PIPELINE_COLOURS.get(pipeline, STATUS_COLOURS[None])
    row = (
        f"<tr class=film><td>{html.escape(movie['movie'])}</td>"
        f"<td title='{html.escape(state)}'>{_coloured(colour, pipeline)}</td>"
        + "".join(cells)
        + f"<td class=num>{html.escape(duration_text(movie['duration_seconds']))}</td></tr>"
    )
    note = movie_note(movie)
    if note:
        row += f"<tr class=noterow><td></td><td colspan={len(stages) + 2}>{html.escape(note)}</td></tr>"
    return row


def library_html(table: dict[str, Any]) -> str:
    """Every film's status (:func:`manifest_lib.status_table`) as one page."""
    stages = table["stages"]
    totals = table["totals"]
    films = totals["films"]
    head_cells = "".join(f"<th>{html.escape(stage).replace('_', '_<wbr>')}</th>" for stage in stages)
    count_cells = "".join(f"<td>{html.escape(count_text(totals['stages'][stage]))}</td>" for stage in stages)
    states = ", ".join(f"{count} {state}" for state, count in sorted(totals["pipeline"].items()))
    legend = " ".join(f"{SYMBOLS[key]} {text}" for key, text in LEGEND.items())
    body = (
        f"<h1>Library: {films} film{'s' if films != 1 else ''}</h1>"
        f"<div class=meta>{html.escape(states)} · stage time {html.escape(duration_text(totals['duration_seconds']))}"
        f" · {html.escape(table['output_dir'])} at {html.escape(table['generated_at'])}</div>"
        f"<table class=library><tr><th>film</th><th>pipeline</th>{head_cells}<th>time</th></tr>"
        + "".join(_film_rows(movie, stages) for movie in table["movies"])
        + f"<tr><td><b>total</b></td><td></td>{count_cells}"
        f"<td class=num><b>{html.escape(duration_text(totals['duration_seconds']))}</b></td></tr>"
        + f"</table><p class=muted>time: stage time summed; {html.escape(legend)}</p>"
    )
    return page("Library", body)
