"""The per-film picture and pages of the Snakemake report, and its library page (rules/report.smk).

* ``timeline.png``: waveform, Silero and pyannote speech, speakers and subtitle events on one time
  axis (non-compliant subtitle events in red). Whatever exists is drawn: a silent film, or one whose
  later stages failed, is still a picture (a flat waveform, empty tracks that say so).
* ``stages.html``: the manifest's stage table (status, attempt, duration, Snakemake benchmark, outputs,
  error / skip reason), as the manifest was when the page was made.
* ``compliance.html``: the subtitle compliance summary from ``subtitles/report.json``.
* ``library.html``: every film's status (``manifest_lib.report.status_table``), one row a film.

These are views of the run, not pipeline stages: they read manifest.json but never write it.
"""

from __future__ import annotations

import csv
import html
import json
import logging
import math
import sys
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from manifest_lib import ManifestError
from manifest_lib.report import SYMBOLS, cell_status, duration_text, one_line
from subflow.progress import clock_text

WIDTH_PX = 1600
DPI = 100
MAX_SPEAKER_ROWS = 12
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

# -- reading what the stages wrote --------------------------------------------------------------


@dataclass
class Track:
    """One row of the picture: intervals in seconds, a label, a colour per interval."""

    label: str
    intervals: list[tuple[float, float]] = field(default_factory=list)
    colours: list[str] | str = "#0969da"
    empty_text: str = "none"


@dataclass
class FilmData:
    movie: str
    duration: float = 0.0
    envelope: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None  # times, low, high (-1..1)
    peak_dbfs: float | None = None
    tracks: list[Track] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what is missing and why
    subtitle_count: int | None = None  # None: no subtitles track (the stage is not built or has not run)
    speaker_count: int = 0
    compliance: float | None = None


def read_json_file(path: str | Path | None) -> Any:
    if not path:
        return None
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def waveform_envelope(
    path: str | Path, columns: int = WIDTH_PX
) -> tuple[np.ndarray, np.ndarray, np.ndarray, float, int]:
    """Min/max of the samples in ``columns`` bins, read in blocks (a 2-hour film is ~230 MB of PCM).

    Returns times (bin starts, s), low, high (-1..1), duration (s) and the sample rate.
    """
    import soundfile

    with soundfile.SoundFile(str(path)) as audio:
        frames, rate = audio.frames, audio.samplerate
        if frames <= 0:
            return np.zeros(0), np.zeros(0), np.zeros(0), 0.0, rate
        per_bin = max(1, math.ceil(frames / columns))
        low, high = [], []
        block = per_bin * max(1, 2_000_000 // per_bin)
        while True:
            data = audio.read(block, dtype="float32", always_2d=True)
            if data.size == 0:
                break
            mono = data.mean(axis=1)
            pad = (-mono.size) % per_bin
            if pad:  # the last bin: repeat its last sample so min/max are unchanged
                mono = np.concatenate([mono, np.full(pad, mono[-1], dtype=mono.dtype)])
            rows = mono.reshape(-1, per_bin)
            low.append(rows.min(axis=1))
            high.append(rows.max(axis=1))
    lows, highs = np.concatenate(low), np.concatenate(high)
    times = np.arange(lows.size) * per_bin / rate
    return times, lows, highs, frames / rate, rate


def _segments(body: Any) -> list[tuple[float, float]]:
    found = []
    for segment in (body or {}).get("segments", []) or []:
        try:
            start, end = float(segment["start"]), float(segment["end"])
        except (KeyError, TypeError, ValueError):
            continue
        if end > start:
            found.append((start, end))
    return found


def _speech_label(name: str, body: Any, path: str | None, used: str | None) -> str:
    segments = _segments(body)
    share = (body or {}).get("speech_percentage")
    label = f"{name}: {len(segments)} segment{'s' if len(segments) != 1 else ''}"
    if share is not None:
        label += f", {share:.0f}% speech"
    if path and used and Path(path).resolve() == Path(used).resolve():
        label += " (ASR input)"
    return label


def subtitle_events(srt_path: str | None) -> list[tuple[int, float, float, str]]:
    """(index, start, end, text) of every event of an SRT file; [] when absent or empty."""
    if not srt_path or not Path(srt_path).exists():
        return []
    import srt

    text = Path(srt_path).read_text(encoding="utf-8-sig", errors="replace")
    try:
        return [
            (event.index, event.start.total_seconds(), event.end.total_seconds(), event.content)
            for event in srt.parse(text)
        ]
    except srt.SRTParseError:
        return []


def film_data(
    movie: str,
    audio: str | None = None,
    audio_metadata: str | None = None,
    silero: str | None = None,
    pyannote: str | None = None,
    speakers: str | None = None,
    srt_path: str | None = None,
    compliance: str | None = None,
    speech_used: str | None = None,
    columns: int = WIDTH_PX,
) -> FilmData:
    """Everything the picture shows, from the files that exist (any of them may be None)."""
    data = FilmData(movie)
    meta = read_json_file(audio_metadata) or {}
    data.duration = float(meta.get("duration_seconds") or 0.0)
    if audio and Path(audio).exists():
        times, low, high, duration, _ = waveform_envelope(audio, columns)
        data.envelope = (times, low, high)
        data.duration = data.duration or duration
        peak = float(max(np.abs(low).max(initial=0.0), np.abs(high).max(initial=0.0)))
        data.peak_dbfs = 20 * math.log10(peak) if peak > 0 else None
    else:
        data.notes.append("no audio (demux has not produced it)")
    for name, path, colour, stage in (
        ("Silero", silero, "#8250df", "silero_vad"),
        ("pyannote", pyannote, "#0969da", "pyannote_vad"),
    ):
        if path is None:
            continue
        body = read_json_file(path)
        if body is None:
            data.notes.append(f"no {stage} output")
        data.duration = data.duration or float((body or {}).get("duration_seconds") or 0.0)
        data.tracks.append(Track(_speech_label(name, body, path, speech_used), _segments(body), colour, "no speech"))
    if speakers is not None:
        body = read_json_file(speakers) or {}
        by_speaker: dict[str, list[tuple[float, float]]] = {}
        for segment in body.get("segments", []) or []:
            if segment.get("end", 0) > segment.get("start", 0):
                by_speaker.setdefault(str(segment.get("speaker")), []).append((segment["start"], segment["end"]))
        data.speaker_count = len(by_speaker)
        ranked = sorted(by_speaker, key=lambda s: -sum(e - b for b, e in by_speaker[s]))
        shown, rest = ranked[:MAX_SPEAKER_ROWS], ranked[MAX_SPEAKER_ROWS:]
        palette = ["#bf3989", "#1f883d", "#9a6700", "#0550ae", "#cf222e", "#6639ba", "#116329", "#953800"]
        for i, speaker in enumerate(sorted(shown)):
            spans = by_speaker[speaker]
            talk = sum(e - b for b, e in spans)
            data.tracks.append(Track(f"{speaker}: {len(spans)} turns, {talk:.0f} s", spans, palette[i % len(palette)]))
        if rest:
            spans = [span for speaker in rest for span in by_speaker[speaker]]
            data.tracks.append(Track(f"{len(rest)} more speakers", spans, "#57606a"))
        if not by_speaker:
            data.tracks.append(Track("speakers: none", [], empty_text="no speaker found"))
    if srt_path is not None or compliance is not None:
        events = subtitle_events(srt_path)
        report = read_json_file(compliance) or {}
        bad = {int(e["index"]) for e in report.get("events", []) if "index" in e}
        data.subtitle_count = len(events)
        data.compliance = report.get("compliance")
        label = f"subtitles: {len(events)} event{'s' if len(events) != 1 else ''}"
        if bad:
            label += f", {len(bad)} non-compliant"
        colours = ["#cf222e" if index in bad else "#1a7f37" for index, *_ in events]
        data.tracks.append(Track(label, [(start, end) for _, start, end, _ in events], colours, "no subtitle events"))
        data.duration = data.duration or max((end for _, _, end, _ in events), default=0.0)
    return data


# -- the picture --------------------------------------------------------------------------------


def draw_timeline(data: FilmData, target: str | Path, title: str | None = None) -> Path:
    """Draw ``data`` as a PNG ``WIDTH_PX`` wide: the waveform above, one row a track below."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    rows = max(len(data.tracks), 1)
    height_in = 1.9 + 1.7 + 0.34 * rows
    figure, (wave, lanes) = plt.subplots(
        2,
        1,
        figsize=(WIDTH_PX / DPI, height_in),
        dpi=DPI,
        sharex=True,
        gridspec_kw={"height_ratios": [1.7, 0.34 * rows + 0.1], "hspace": 0.06},
    )
    end = data.duration if data.duration > 0 else 1.0
    if data.envelope is not None and data.envelope[0].size:
        times, low, high = data.envelope
        peak = max(float(np.abs(low).max()), float(np.abs(high).max()), 1e-9)
        wave.fill_between(times, low / peak, high / peak, step="post", color="#57606a", linewidth=0)
        level = f"peak {data.peak_dbfs:.1f} dBFS" if data.peak_dbfs is not None else "silent: all samples zero"
        wave.set_ylabel(f"waveform\n{level}", fontsize=9)
    else:
        wave.text(0.5, 0.5, "no audio", transform=wave.transAxes, ha="center", va="center", color="#8c959f")
        wave.set_ylabel("waveform", fontsize=9)
    wave.axhline(0, color="#d0d7de", linewidth=0.6)
    wave.set_ylim(-1.05, 1.05)
    wave.set_yticks([])
    for spine in ("top", "right"):
        wave.spines[spine].set_visible(False)

    labels = []
    for row, track in enumerate(reversed(data.tracks)):
        y = row
        if track.intervals:
            spans = [(start, max(stop - start, end / WIDTH_PX)) for start, stop in track.intervals]  # ≥ 1 px
            lanes.broken_barh(spans, (y - 0.36, 0.72), facecolors=track.colours, linewidth=0)
        else:
            lanes.text(end / 2, y, track.empty_text, ha="center", va="center", fontsize=8, color="#8c959f")
        labels.append(track.label)
    if not data.tracks:
        lanes.text(end / 2, 0, "no speech, speaker or subtitle track yet", ha="center", va="center", color="#8c959f")
        labels = [""]
    lanes.set_yticks(range(len(labels)), labels, fontsize=9)
    lanes.set_ylim(-0.6, len(labels) - 0.4)
    lanes.grid(axis="x", color="#eaeef2", linewidth=0.6)
    lanes.set_axisbelow(True)
    lanes.set_xlim(0, end)
    lanes.xaxis.set_major_locator(MaxNLocator(nbins=16, steps=[1, 2, 2.5, 5, 6, 10]))
    lanes.xaxis.set_major_formatter(FuncFormatter(lambda x, _: clock_text(x) if end >= 120 else f"{x:g}s"))
    lanes.set_xlabel("time in the film", fontsize=9)
    for spine in ("top", "right"):
        lanes.spines[spine].set_visible(False)

    facts = [clock_text(data.duration) if data.duration >= 60 else f"{data.duration:.1f} s"]
    facts.append("no subtitles" if data.subtitle_count is None else f"{data.subtitle_count} subtitle events")
    if data.compliance is not None:
        facts.append(f"compliance {100 * data.compliance:.1f}%")
    if data.speaker_count:
        facts.append(f"{data.speaker_count} speakers")
    figure.suptitle(f"{title or data.movie}: {', '.join(facts)}", x=0.01, ha="left", fontsize=12)
    if data.notes:
        figure.text(0.99, 0.985, "; ".join(data.notes), ha="right", va="top", fontsize=8, color="#cf222e")
    figure.subplots_adjust(left=0.2, right=0.99, top=1 - 0.55 / height_in, bottom=0.55 / height_in)
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.partial.png")
    figure.savefig(partial, dpi=DPI)
    plt.close(figure)
    partial.replace(target)
    return target


# -- the pages ----------------------------------------------------------------------------------

CSS = """
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 16px; color: #1f2328; }
h1 { font-size: 18px; margin: 0 0 4px; } h2 { font-size: 15px; margin: 18px 0 6px; }
.meta { color: #59636e; margin-bottom: 10px; }
table { border-collapse: collapse; } th, td { border-bottom: 1px solid #d0d7de; padding: 4px 8px; text-align: left;
vertical-align: top; } th { background: #f6f8fa; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
.status { font-weight: 600; white-space: nowrap; } .note { min-width: 30ch; max-width: 70ch; overflow-wrap: break-word; }
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


def _status_html(status: str | None, text: str | None = None) -> str:
    colour = STATUS_COLOURS.get(status, STATUS_COLOURS[None])
    label = text if text is not None else f"{SYMBOLS.get(status, '')} {status or 'not run'}"
    return f'<span class="status" style="color:{colour}">{html.escape(label)}</span>'


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


def stages_html(doc: dict[str, Any] | None, movie_dir: Path, problem: str | None = None) -> str:
    """The manifest's stage table of one film as a page."""
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
    rows = []
    for stage, entry in (doc.get("stages") or {}).items():
        status = entry.get("status")
        bench = _benchmark(movie_dir, stage)
        outputs = entry.get("outputs") or {}
        size = sum(o.get("size_bytes") or 0 for o in outputs.values())
        missing = [key for key, o in outputs.items() if not o.get("exists")]
        note = ""
        if status == "failed":
            note = (entry.get("error") or {}).get("message") or "failed (no error recorded)"
        elif status == "skipped":
            note = f"skipped: {entry.get('skip_reason') or ''}"
        elif status == "pending":
            note = f"to run again: {(entry.get('pending') or {}).get('reason') or ''}"
        elif status == "running" and entry.get("progress"):
            note = entry["progress"].get("message") or ""
        if missing:
            note = (note + "; " if note else "") + f"missing output: {', '.join(missing)}"
        rss = bench.get("max_rss")
        rows.append(
            "<tr>"
            f"<td>{html.escape(stage)}</td><td>{_status_html(status)}</td>"
            f"<td class=num>{entry.get('attempt') or ''}</td>"
            f"<td>{html.escape((entry.get('started_at') or '')[:19].replace('T', ' '))}</td>"
            f"<td class=num>{html.escape(duration_text(entry.get('duration_seconds')))}</td>"
            f"<td class=num>{html.escape(bench.get('s', ''))}</td>"
            f"<td class=num>{html.escape(rss if rss and rss != 'NA' else '')}</td>"
            f"<td class=num>{len(outputs)} ({_size(size)})</td>"
            f"<td class=note>{html.escape(one_line(note))}</td>"
            "</tr>"
        )
    body = (
        f"<h1>{html.escape(title)}</h1><div class=meta>{' · '.join(meta)}</div>"
        "<table><tr><th>stage</th><th>status</th><th>attempt</th><th>started (UTC)</th><th>duration</th>"
        "<th>benchmark s</th><th>max RSS MB</th><th>outputs</th><th>note</th></tr>"
        + "".join(rows)
        + "</table>"
        + ("" if rows else "<p class=muted>no stage has run yet</p>")
    )
    return page(f"{name}: stages", body)


def compliance_html(
    name: str, report: dict[str, Any] | None, events: list[tuple[int, float, float, str]], why: str
) -> str:
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


def library_html(table: dict[str, Any]) -> str:
    """Every film's status (``manifest_lib.report.status_table``) as one page."""
    stages = table["stages"]
    totals = table["totals"]
    head_cells = "".join(f"<th>{html.escape(stage).replace('_', '_<wbr>')}</th>" for stage in stages)
    rows = []
    for movie in table["movies"]:
        cells = []
        for stage in stages:
            cell = movie["stages"].get(stage)
            status = cell_status(cell)
            seconds = None
            if cell is not None:
                seconds = cell["elapsed_seconds"] if status in ("running", "stale") else cell["duration_seconds"]
            text = f"{SYMBOLS.get(status, status)} {duration_text(seconds)}".strip()
            if status == "running" and cell and cell.get("progress"):
                text = f"{SYMBOLS['running']} {100 * cell['progress']['fraction']:.0f}%"
            cells.append(f"<td title='{html.escape(status or 'not run')}'>{_status_html(status, text)}</td>")
        pipeline = "unreadable" if movie["error"] else movie["pipeline"]
        note = ""
        if movie["error"]:
            note = f"unreadable: {movie['error']}"
        elif movie["failure"]:
            note = f"{movie['failure']['stage']}: {one_line(movie['failure']['message'])}"
        elif movie["running"]:
            note = ", ".join(f"{stage} running" for stage in movie["running"])
        elif movie["pipeline"] is None:
            note = "not started"
        rows.append(
            f"<tr class=film><td>{html.escape(movie['movie'])}</td>"
            f"<td>{_status_html('failed' if movie['error'] else _pipeline_colour(pipeline), pipeline or 'not started')}</td>"
            + "".join(cells)
            + f"<td class=num>{html.escape(duration_text(movie['duration_seconds']))}</td></tr>"
        )
        if note:  # under the film's row, across the stages: the table stays narrow
            rows.append(f"<tr class=noterow><td></td><td colspan={len(stages) + 2}>{html.escape(note)}</td></tr>")
    count_cells = "".join(
        "<td>" + " ".join(f"{SYMBOLS[s]}{n}" for s, n in totals["stages"][stage].items() if s != "not run") + "</td>"
        for stage in stages
    )
    states = ", ".join(f"{count} {state}" for state, count in sorted(totals["pipeline"].items()))
    films = totals["films"]
    body = (
        f"<h1>Library: {films} film{'s' if films != 1 else ''}</h1>"
        f"<div class=meta>{html.escape(states)} · stage time {html.escape(duration_text(totals['duration_seconds']))}"
        f" · {html.escape(table['output_dir'])} at {html.escape(table['generated_at'])}</div>"
        f"<table class=library><tr><th>film</th><th>pipeline</th>{head_cells}<th>time</th></tr>"
        + "".join(rows)
        + f"<tr><td><b>total</b></td><td></td>{count_cells}"
        f"<td class=num><b>{html.escape(duration_text(totals['duration_seconds']))}</b></td></tr>"
        + "</table><p class=muted>"
        + " ".join(f"{SYMBOLS[k]} {v}" for k, v in _LEGEND.items())
        + "</p>"
    )
    return page("Library", body)


_LEGEND = {
    "success": "success",
    "skipped": "skipped",
    "failed": "failed",
    "running": "running",
    "pending": "to run again",
    "stale": "recorded running, process gone",
    None: "not run",
}


def _pipeline_colour(status: str | None) -> str | None:
    return {"completed": "success", "failed": "failed", "running": "running"}.get(status or "", None)


# -- running as a Snakemake script --------------------------------------------------------------


def run_view(name: str, work: Callable[[logging.Logger], None], snakemake: Any) -> None:
    """Run a report rule's ``work`` with its log: Python's stderr and a logger go to ``snakemake.log[0]``;
    a failure is one line on the console (the traceback in the log) and exit 1. No manifest entry."""
    log_path = Path(snakemake.log[0])
    log_path.parent.mkdir(parents=True, exist_ok=True)
    console = sys.stderr
    with open(log_path, "a", encoding="utf-8") as log_file:
        sys.stderr = log_file
        logger = logging.getLogger(f"subflow.report.{name}")
        logger.handlers.clear()
        handler = logging.StreamHandler(log_file)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False
        try:
            work(logger)
        except Exception as exc:  # noqa: BLE001 — one line on the console, the rest in the log
            logger.error("failed:\n%s", traceback.format_exc())
            console.write(f"subflow: {name} failed: {exc} (log: {log_path})\n")
            sys.exit(1)
        finally:
            sys.stderr = console
        logger.info("%s done", name)


def write_text(path: str | Path, text: str) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(text, encoding="utf-8")
    partial.replace(path)


def read_manifest(movie_dir: Path) -> tuple[dict[str, Any] | None, str | None]:
    """The film's manifest.json (never moved or rebuilt: a view only reads), or why there is none."""
    from manifest_lib import store
    from manifest_lib.document import MANIFEST_NAME

    try:
        return store.read_view(movie_dir / MANIFEST_NAME, quarantine=False), None
    except ManifestError as exc:
        return None, str(exc)
