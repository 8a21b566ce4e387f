"""The Snakefile's end-of-run hook on real manifests: how each film's pipeline ends (no Snakemake run needed)."""

from pathlib import Path

import pytest

from manifest_lib import PipelineManifest, StageManifest, load_manifest
from subflow.films import Film
from subflow.resources import gpu_units, shared_threads
from subflow.run_record import RunRecord

FILMS = {name: Film(f"/films/{name}.mkv", name, 2020) for name in ("Done", "Broken", "Stopped", "Unfinished")}


def record_stage(movie_dir: Path, stage: str, error: BaseException | None = None) -> None:
    try:
        with StageManifest(stage, movie_dir):
            if error is not None:
                raise error
    except (RuntimeError, KeyboardInterrupt):
        pass


@pytest.fixture
def run(tmp_path: Path) -> RunRecord:
    record = RunRecord(str(tmp_path), FILMS, ["timeline"])
    for movie in FILMS:
        PipelineManifest(tmp_path / movie).start()
        record_stage(tmp_path / movie, "demux")
    record.movies.update(FILMS)
    record.final_output("Done").write_bytes(b"video")  # final_output.mkv: the film is a .mkv
    record_stage(tmp_path / "Broken", "asr", RuntimeError("no speech found"))
    record_stage(tmp_path / "Stopped", "asr", KeyboardInterrupt())
    return record


def statuses(root: Path) -> dict[str, str]:
    return {movie: load_manifest(root / movie)["pipeline"]["status"] for movie in FILMS}


def test_a_failed_run_ends_each_film_by_what_its_stages_did(run: RunRecord, tmp_path: Path):
    run.finish(False, "Snakefile", {})
    assert statuses(tmp_path) == {
        "Done": "completed",
        "Broken": "failed",
        "Stopped": "interrupted",
        "Unfinished": "failed",  # the run failed before its video was made
    }


def test_a_successful_run_leaves_a_film_without_its_video_running(run: RunRecord, tmp_path: Path):
    run.finish(True, "Snakefile", {})
    assert statuses(tmp_path) == {
        "Done": "completed",
        "Broken": "failed",
        "Stopped": "interrupted",
        "Unfinished": "running",
    }


def test_a_film_without_jobs_in_this_run_keeps_its_record(run: RunRecord, tmp_path: Path):
    run.movies.discard("Unfinished")
    run.finish(False, "Snakefile", {})
    assert statuses(tmp_path)["Unfinished"] == "running"


def test_threads_and_gpu_units():
    assert shared_threads(4, cores=2) == 4  # a one-film run: stage after stage on all the cores (capped by snakemake)
    assert shared_threads(4, cores=2, films=3) == 1 and shared_threads(4, cores=16, films=3) == 4
    assert shared_threads(2, cores=4, films=2) == 2
    assert shared_threads(3, cores=None) == 3  # a cluster job: the rule's own figure
    assert gpu_units("cuda") == 1 and gpu_units("cpu") == 0
