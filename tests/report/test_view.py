"""The report rules' frame and work: a log, one line and exit 1 on failure, the three pieces of a film."""

from __future__ import annotations

import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from manifest_lib import StageManifest
from subflow.report.view import film_views, library_view, run_view


def rule(tmp_path: Path) -> SimpleNamespace:
    return SimpleNamespace(log=[str(tmp_path / "logs" / "view.log")])


def test_a_view_logs_to_its_rule_log(tmp_path: Path, capsys):
    snakemake = rule(tmp_path)
    run_view("library", lambda log: log.info("made"), snakemake)
    text = Path(snakemake.log[0]).read_text()
    assert "INFO subflow.report.library: made" in text and "library done" in text
    assert capsys.readouterr().err == ""


def test_a_failed_view_is_one_line_and_exit_1(tmp_path: Path, capsys):
    snakemake = rule(tmp_path)
    console = sys.stderr

    def work(log):
        raise ValueError("no table")

    with pytest.raises(SystemExit) as exit_:
        run_view("library", work, snakemake)
    assert exit_.value.code == 1 and sys.stderr is console
    err = capsys.readouterr().err
    assert err == f"subflow: library failed: no table (log: {snakemake.log[0]})\n"
    assert "Traceback" in Path(snakemake.log[0]).read_text()


def test_a_films_pieces_from_what_exists(film: dict[str, str], tmp_path: Path):
    movie_dir = Path(film["audio"]).parents[1]
    inputs = SimpleNamespace(
        audio=[film["audio"]], silero=[film["silero"]], srt=[film["srt_path"]], compliance=[film["compliance"]]
    )
    report = movie_dir / "report"
    outputs = SimpleNamespace(
        timeline=report / "timeline.png", stages=report / "stages.html", compliance=report / "compliance.html"
    )
    run_view("timeline", lambda log: film_views(movie_dir, inputs, None, outputs, log), rule(tmp_path))
    assert outputs.timeline.stat().st_size > 500
    assert "no manifest.json" in outputs.stages.read_text()
    assert "66.7%" in outputs.compliance.read_text()
    assert sorted(p.name for p in report.iterdir()) == ["compliance.html", "stages.html", "timeline.png"]


def test_the_library_page_of_the_workflows_films(tmp_path: Path):
    out = tmp_path / "out"
    with StageManifest("demux", out / "Arrival_2016"):
        pass
    target = out / "library" / "library.html"
    run_view("library", lambda log: library_view(str(out), ["Zodiac_2007"], str(target), log), rule(tmp_path))
    page = target.read_text()
    assert "Library: 2 films" in page and "Zodiac_2007" in page
