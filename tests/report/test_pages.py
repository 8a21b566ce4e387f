"""The report's pages: self-contained, escaped, and the library page says what ``manifest_lib status`` says."""

from __future__ import annotations

import json
import re
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from manifest_lib import LEGEND, SYMBOLS, PipelineManifest, StageManifest, render_table, status_table
from subflow.report.data import read_manifest, subtitle_events
from subflow.report.pages import compliance_html, library_html, stages_html


def self_contained(page: str) -> None:
    assert page.startswith("<!DOCTYPE html>") and "<script" not in page
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)


def test_stage_table_page(tmp_path: Path):
    movie = tmp_path / "out" / "Heat_1995"
    PipelineManifest(movie).set_input("/films/Heat (1995).mkv", "Heat", 1995)
    PipelineManifest(movie).start()
    with StageManifest("demux", movie):
        pass
    with pytest.raises(RuntimeError):
        with StageManifest("asr", movie):
            raise RuntimeError("model <tiny.en> not found")
    (movie / "benchmarks").mkdir()
    (movie / "benchmarks" / "demux.tsv").write_text("s\th:m:s\tmax_rss\n1.25\t0:00:01\t87.5\n")
    doc, problem = read_manifest(movie)
    page = stages_html(doc, movie, problem)
    self_contained(page)
    assert "Heat (1995)" in page and "/films/Heat (1995).mkv" in page
    assert "demux" in page and "87.5" in page and "1.25" in page
    assert "model &lt;tiny.en&gt; not found" in page and "✗ failed" in page  # escaped
    assert "no manifest.json" in stages_html(None, tmp_path / "Nope")


def test_compliance_page(film: dict[str, str]):
    report = json.loads(Path(film["compliance"]).read_text())
    page = compliance_html("The Night Train", report, subtitle_events(film["srt_path"]), "-")
    self_contained(page)
    assert "66.7%" in page and "of 3 subtitle events" in page and "min_duration" in page and "Yes." in page
    missing = compliance_html("Silence", None, [], "No subtitles: the run failed at asr.")
    assert "No subtitles: the run failed at asr." in missing


def test_library_page(tmp_path: Path):
    out = tmp_path / "out"
    with StageManifest("demux", out / "Arrival_2016"):
        pass
    with pytest.raises(ValueError):
        with StageManifest("demux", out / "Heat_1995"):
            raise ValueError("no audio stream")
    page = library_html(status_table(out, expected=["Zodiac_2007"]))
    self_contained(page)
    assert "Library: 3 films" in page and "Arrival_2016" in page and "✓ 0.0s" in page
    assert "demux: no audio stream" in page and "not started" in page


# -- the library page and the text view agree -------------------------------------------------------


class Rows(HTMLParser):
    """The text of every table cell, row by row, with the row's class."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[tuple[str, list[str]]] = []
        self.cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "tr":
            self.rows.append((dict(attrs).get("class") or "", []))
        elif tag == "td":
            self.cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "td" and self.cell is not None:
            self.rows[-1][1].append("".join(self.cell).strip())
            self.cell = None

    def handle_data(self, data: str) -> None:
        if self.cell is not None:
            self.cell.append(data)


def page_rows(page: str) -> tuple[dict[str, list[str]], list[str]]:
    """Per film [film, pipeline, *stages, time, note] as the page shows them, and the total row."""
    parser = Rows()
    parser.feed(page)
    films: dict[str, list[str]] = {}
    total: list[str] = []
    for kind, cells in parser.rows:
        if kind == "film":
            films[cells[0]] = [*cells, ""]
        elif kind == "noterow":
            films[list(films)[-1]][-1] = cells[1]
        elif cells and cells[0] == "total":
            total = cells
    return films, total


def text_rows(text: str) -> dict[str, list[str]]:
    """Per row of ``render_table`` (the films and TOTAL) its cells, cut at the header's column starts."""
    header, *rows, _summary = text.splitlines()
    starts, at = [], 0
    for name in header.split():
        at = header.index(name, at)
        starts.append(at)
        at += len(name)
    found = {}
    for line in rows:
        cells = [line[start:end].strip() for start, end in zip(starts, [*starts[1:], None])]
        found[cells[0].split()[0]] = cells
    return found


def dead_pid() -> int:
    child = subprocess.Popen(["true"])
    child.wait()
    return child.pid


@pytest.fixture
def library(tmp_path: Path):
    """A film in every state the text view shows: completed with a skip, failed twice, running with progress and
    without, stale, to run again, unreadable, and one of the workflow's films with no manifest yet."""
    out = tmp_path / "out"
    done = out / "Arrival_2016"
    PipelineManifest(done).start()
    for stage in ("demux", "tmdb", "asr"):
        with StageManifest(stage, done) as manifest:
            if stage == "tmdb":
                manifest.skip("no TMDB_API_KEY")
    PipelineManifest(done).finalize("completed")
    failed = out / "Heat_1995"
    PipelineManifest(failed).start()
    with StageManifest("demux", failed):
        pass
    for stage in ("silero_vad", "asr"):
        with pytest.raises(RuntimeError):
            with StageManifest(stage, failed):
                raise RuntimeError(f"{stage} broke\n  (truncated file)")
    PipelineManifest(failed).finalize("failed")
    running = out / "Inception_2010"
    PipelineManifest(running).start()
    with StageManifest("demux", running):
        pass
    asr = StageManifest("asr", running)
    assert asr.set_progress(0.42, "42% of audio (50:24 of 2:00:00)")
    quiet = StageManifest("tmdb", out / "Jaws_1975")  # running, no progress yet
    pending = out / "Memento_2000"
    for stage in ("demux", "silero_vad", "asr"):  # silero_vad: ✗ in an earlier row, still counted ✓ first
        with StageManifest(stage, pending):
            pass
    assert PipelineManifest(pending).mark_pending("asr", "an input is newer")
    stale = out / "Zodiac_2007"
    PipelineManifest(stale).start()
    StageManifest("demux", stale)  # never ended: its process died
    doc = json.loads((stale / "manifest.json").read_text())
    doc["stages"]["demux"]["execution"]["pid"] = dead_pid()
    (stale / "manifest.json").write_text(json.dumps(doc))
    (out / "Broken_1999").mkdir()
    (out / "Broken_1999" / "manifest.json").write_text("{torn")
    yield status_table(out, expected=["Unstarted_2020"])
    asr.save("success")
    quiet.save("success")


def test_the_library_page_and_the_status_table_agree_film_by_film_and_stage_by_stage(library):
    text, page = render_table(library), library_html(library)
    self_contained(page)
    expected = text_rows(text)
    films, total = page_rows(page)
    assert sorted(films) == sorted(movie["movie"] for movie in library["movies"]) and len(films) == 8
    for movie, cells in films.items():
        assert cells == expected[movie], movie  # film, pipeline, every stage, time, note
    assert total[1:] == expected["TOTAL"][1:-1]  # every stage's counts and the time
    states = ", ".join(f"{count} {state}" for state, count in sorted(library["totals"]["pipeline"].items()))
    assert f"{states};" in text.splitlines()[-1] and states in page
    for status, meaning in LEGEND.items():
        assert f"{SYMBOLS[status]} {meaning}" in text and f"{SYMBOLS[status]} {meaning}" in page
    seen = {cell[0] for cells in films.values() for cell in cells[2:-2] if cell}
    assert seen >= {SYMBOLS[status] for status in ("success", "skipped", "failed", "running", "pending", "stale")}
    assert "also failed: asr" in films["Heat_1995"][-1] and "tmdb: running" == films["Jaws_1975"][-1]
    assert films["Zodiac_2007"][-1].startswith("demux: stale: ")
