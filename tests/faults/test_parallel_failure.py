"""Scenarios 2 and 6: two films in parallel, one of them truncated; then the user fixes it.

The good film has two audio streams, a French one first and the English one second (the English
one must be subtitled); the fixed film is a 1-second film (one word), the shortest a film gets.
The run uses ``--keep-going``, as profiles/local does ("one film failing never stops the others");
without it Snakemake starts no new job after a failure, by design.
"""

from __future__ import annotations

import shutil

import pytest

from subflow.io import STAGES
from tests.faults import media
from tests.faults.conftest import (
    Run,
    Workflow,
    assert_agreement,
    assert_one_line_failure,
    assert_stage_failed,
    manifest,
    statuses,
)

pytestmark = pytest.mark.slow

GOOD, BROKEN = "Two_Tracks_2020", "Broken_Reel_2021"


@pytest.fixture(scope="module")
def parallel(tmp_path_factory) -> tuple[Workflow, Run]:
    root = tmp_path_factory.mktemp("parallel")
    media.multi_stream_film(root / "in" / "Two Tracks (2020).mkv")
    media.truncated_film(root / "in" / "Broken Reel (2021).mkv")
    workflow = Workflow(root / "in", root / "out")
    return workflow, workflow.run("--keep-going")


def test_2_6_the_failing_film_is_reported_and_the_other_completes(parallel):
    workflow, run = parallel
    broken_film = str(workflow.input_dir / "Broken Reel (2021).mkv")
    assert run.returncode == 1
    assert_one_line_failure(run, "demux", BROKEN, broken_film, "truncated or corrupt")
    broken = workflow.movie(BROKEN)
    assert_stage_failed(broken, "demux", broken_film, "truncated or corrupt")
    assert not (broken / "audio" / "audio.wav").exists() and not list(broken.rglob("*.partial"))
    assert set(statuses(broken)) == {"demux", "tmdb", "pre_ner"}, "a stage after demux started"

    good = workflow.movie(GOOD)
    data = manifest(good)
    assert data["pipeline"]["status"] == "completed" and not data["pipeline"]["failed_stages"]
    assert all(statuses(good)[s] == "success" for s in STAGES if s != "tmdb")
    assert "Broken" not in (good / "manifest.json").read_text(encoding="utf-8")
    demux = data["stages"]["demux"]["metadata"]
    assert demux["language"] == "eng" and demux["stream_index"] == 2, "the English stream, second of two"
    assert "friend" in (good / "subtitles" / "subtitles.srt").read_text(encoding="utf-8").lower()
    assert_agreement(workflow)


def test_2_rerun_after_fixing_the_input_resumes_from_the_failed_stage(parallel):
    workflow, _ = parallel
    good, broken = workflow.movie(GOOD), workflow.movie(BROKEN)
    untouched = media.tree_snapshot(good)
    before = manifest(broken)["stages"]
    fixed = media.one_second_film(workflow.input_dir / "fixed.mkv")
    shutil.move(fixed, workflow.input_dir / "Broken Reel (2021).mkv")  # the user replaces the file

    run = workflow.run()
    assert run.returncode == 0, run.console[-4000:]
    stages = manifest(broken)["stages"]
    assert stages["demux"]["attempt"] == 2 and stages["demux"]["history"][0]["status"] == "failed"
    assert "truncated or corrupt" in stages["demux"]["history"][0]["error"]["message"]
    assert stages["tmdb"] == before["tmdb"] and stages["pre_ner"] == before["pre_ner"], "resumed from demux only"
    assert all(stages[s]["status"] == "success" for s in STAGES if s != "tmdb")
    assert "rule tmdb:" not in run.console and "rule pre_ner:" not in run.console
    assert media.tree_snapshot(good) == untouched, "the other film's folder changed"
    assert stages["demux"]["metadata"]["duration_seconds"] == pytest.approx(1.0, abs=0.05)
    assert "hello" in (broken / "subtitles" / "subtitles.srt").read_text(encoding="utf-8").lower()
    assert_agreement(workflow)
