"""The report end to end on the real workflow: two films (one speaks, one is silent and fails at asr),
``snakemake reports`` then ``snakemake --report report.html``, opened in headless Chromium."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from subflow.report.data import WIDTH_PX
from tests.conftest import read_manifest, run_workflow
from tests.report.chromium import Chromium, chromium_path

pytestmark = pytest.mark.slow

SPEAKS, SILENT = "The_Night_Train_2024", "Silence_2023"
PIECES = ("timeline.png", "stages.html", "compliance.html")


def silent_film(path: Path) -> Path:
    subprocess.run(
        [
            "ffmpeg",
            "-v",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            "color=c=black:s=320x240:d=6",
            "-f",
            "lavfi",
            "-i",
            "anullsrc=r=48000:cl=stereo",
            "-t",
            "6",
            "-c:v",
            "mpeg4",
            "-c:a",
            "aac",
            str(path),
        ],
        check=True,
    )
    return path


@pytest.fixture(scope="module")
def reported(demo_film: Path, tmp_path_factory) -> dict[str, Path]:
    """The run (--keep-going: the silent film fails), then ``reports``, then ``--report``."""
    input_dir = tmp_path_factory.mktemp("report_in")
    shutil.copy(demo_film, input_dir / demo_film.name)
    silent_film(input_dir / "Silence (2023).mkv")
    out = tmp_path_factory.mktemp("report_out")
    run = run_workflow(input_dir, out, "--keep-going", check=False)
    assert run.returncode == 1, run.stderr[-3000:]  # the silent film: no speech, asr fails
    before = {movie: read_manifest(out / movie) for movie in (SPEAKS, SILENT)}
    pieces = run_workflow(input_dir, out, "--keep-going", "--", "reports")
    html = out.parent / f"{out.name}-report.html"
    report = run_workflow(input_dir, out, "--report", str(html))
    return {"input": input_dir, "out": out, "html": html, "before": before, "pieces": pieces, "report": report}


def test_reports_make_every_films_pieces_and_the_library(reported):
    out = reported["out"]
    for movie in (SPEAKS, SILENT):
        for name in PIECES:
            assert (out / movie / "report" / name).stat().st_size > 500, (movie, name)
        assert (out / movie / "logs" / "timeline.log").exists() and (
            out / movie / "benchmarks" / "timeline.tsv"
        ).exists()
    library = (out / "library" / "library.html").read_text()
    assert "Library: 2 films" in library and "1 completed, 1 failed" in library
    assert "asr: " in library and "no speech found" in library
    silent = (out / SILENT / "report" / "compliance.html").read_text()
    assert "No subtitles: the run failed at asr." in silent
    stages = (out / SPEAKS / "report" / "stages.html").read_text()
    assert all(stage in stages for stage in ("demux", "asr", "subtitles", "mux"))
    assert re.search(r"<div class=big>\d+\.\d%</div>", (out / SPEAKS / "report" / "compliance.html").read_text())


def test_reports_leave_the_run_record_alone(reported):
    """Views, not stages: no manifest entry, the failed film is drawn from what exists (no retry)."""
    out = reported["out"]
    for movie, before in reported["before"].items():
        after = read_manifest(out / movie)
        assert after["stages"] == before["stages"] and after["pipeline"] == before["pipeline"], movie
        assert "timeline" not in after["stages"]
    assert "rule asr" not in reported["pieces"].stderr  # the silent film's failed asr is not retried
    plan = run_workflow(reported["input"], out, "-n", "--quiet", "rules")
    assert "timeline" not in plan.stdout and "library" not in plan.stdout  # a plain run: the ten stages
    try:
        from subflow.agreement import check_agreement
    except ImportError:
        return
    config = ["--config", f"input_dir={reported['input']}", f"output_dir={out}"]
    report = check_agreement(out, config)
    assert all(movie.ok for movie in report), [line for movie in report for line in movie.lines()]


def pixels(path: Path) -> np.ndarray:
    with Image.open(path) as image:
        return np.asarray(image.convert("RGB")).astype(float)


def test_timeline_pictures_render(reported):
    out = reported["out"]
    speaks = pixels(out / SPEAKS / "report" / "timeline.png")
    assert speaks.shape[1] == WIDTH_PX and speaks.shape[0] >= 400 and speaks.std() > 20
    red, green = np.array([0xCF, 0x22, 0x2E]), np.array([0x1A, 0x7F, 0x37])
    assert (np.abs(speaks - green).sum(axis=2) < 30).sum() > 500  # subtitle events drawn
    silent = pixels(out / SILENT / "report" / "timeline.png")
    assert silent.shape[1] == WIDTH_PX and silent.std() > 5  # a flat waveform and empty tracks: still a picture
    assert (np.abs(silent - red).sum(axis=2) < 30).sum() > 20  # the note that the run failed at asr


def test_snakemake_report_is_self_contained(reported):
    html = reported["html"]
    assert html.stat().st_size > 100_000
    text = html.read_text(errors="replace")
    assert not re.search(r"""<(script|link|img)[^>]+(src|href)=["']https?://""", text)
    for name in ("The_Night_Train_2024", "Silence_2023", "Library", "Films"):
        assert name in text


CLICK = """((text) => { const els = [...document.querySelectorAll('a,button')]
  .filter(e => e.textContent.trim() === text); if (!els.length) return false; els[0].click(); return true; })(%s)"""
SHOW = """((cells) => { const row = [...document.querySelectorAll('tr')].find(r => cells.every(c =>
  [...r.querySelectorAll('td')].some(td => td.textContent.trim() === c)));
  if (!row) return false; row.querySelector('a[iconname=eye]').click(); return true; })(%s)"""


def show(browser: Chromium, *path: str, row: list[str]) -> None:
    browser.evaluate("location.reload()")
    time.sleep(2.5)
    for step in path:
        assert browser.evaluate(CLICK % json.dumps(step)), f"no {step!r} in the report's menu"
        time.sleep(1.0)
    assert browser.evaluate(SHOW % json.dumps(row)), f"no row {row} in the report"
    time.sleep(2.0)


@pytest.mark.skipif(chromium_path() is None, reason="chromium is not installed (Debian: apt-get install chromium)")
def test_report_opens_in_headless_chromium_without_console_errors(reported, tmp_path: Path):
    shots = Path(os.environ.get("SUBFLOW_SCREENSHOTS", tmp_path))
    shots.mkdir(parents=True, exist_ok=True)
    with Chromium() as browser:
        log = browser.open(reported["html"].as_uri(), settle=3.0)
        assert "Films" in browser.evaluate("document.body.innerText")
        show(browser, "Films", SPEAKS, row=[SPEAKS, "timeline"])
        timeline = browser.screenshot(shots / "report-timeline.png")
        show(browser, "Films", SILENT, row=[SILENT, "stages"])
        stages = browser.screenshot(shots / "report-stages.png")
        show(browser, "Library", row=["every film's status"])
        library = browser.screenshot(shots / "report-library.png")
        layout = browser.evaluate_in_frame(
            "[innerWidth, document.querySelectorAll('tr.film').length,"
            " ...[...document.querySelectorAll('tr')].map(r => r.getBoundingClientRect().bottom)]"
        )
    width, films, *bottoms = layout
    assert films == 2 and bottoms[-1] < 400, layout  # both films, the failure's note and the total: in view
    print(f"\nscreenshots: {timeline} {stages} {library}")
    assert log.errors() == [], log.errors()
    assert log.external_requests() == [], log.external_requests()
    assert not log.exceptions
    for shot in (timeline, stages, library):
        image = pixels(shot)
        assert image.shape[:2] == (1000, 1400) and image.std() > 20
