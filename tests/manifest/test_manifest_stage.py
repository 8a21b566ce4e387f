"""StageManifest and PipelineManifest: statuses, attempts, the pipeline lists, secrets, exit codes."""

from __future__ import annotations

import multiprocessing as mp
import os
import signal
import socket
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from manifest_lib import (
    EXIT_FAILURE,
    EXIT_INTERRUPTED,
    EXIT_SUCCESS,
    EXIT_TERMINATED,
    EXIT_USAGE,
    MissingOutputError,
    PipelineManifest,
    StageManifest,
    Terminated,
    exit_code_for,
    is_stage_completed,
    load_manifest,
    schema_errors,
)
from manifest_lib.store import RECORDS_DIR
from tests.manifest.helpers import make_file, view


def test_a_stage_is_running_from_the_moment_it_starts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("SLURM_JOB_ID", "4242")
    manifest = StageManifest("demux", tmp_path / "M")
    entry = view(tmp_path / "M")["stages"]["demux"]
    assert entry["status"] == "running" and entry["attempt"] == 1 and entry["started_at"].endswith("+00:00")
    assert entry["execution"] == {
        "host": socket.gethostname(),
        "pid": os.getpid(),
        "slurm_job_id": "4242",
        "threads": None,
        "snakemake_rule": None,
    }
    assert view(tmp_path / "M")["pipeline"]["current_stage"] == "demux"
    manifest.save(status="success")
    entry = view(tmp_path / "M")["stages"]["demux"]
    assert entry["completed_at"] >= entry["started_at"] and entry["duration_seconds"] >= 0


def test_missing_declared_output_is_failed_not_success(tmp_path: Path):
    movie = tmp_path / "M"
    with pytest.raises(MissingOutputError, match="transcript.json"):
        with StageManifest("asr", movie) as manifest:
            manifest.add_output("log", make_file(movie / "asr.log"))
            manifest.add_output("transcript", movie / "transcription" / "transcript.json", "WhisperX transcript")
    entry = view(movie)["stages"]["asr"]
    assert entry["status"] == "failed"
    assert entry["error"]["type"] == "MissingOutputError"
    assert (
        entry["error"]["message"]
        == f"declared output 'transcript' does not exist: {movie}/transcription/transcript.json"
    )
    assert entry["outputs"]["transcript"]["exists"] is False and entry["outputs"]["log"]["exists"] is True
    assert view(movie)["pipeline"]["failed_stages"] == ["asr"] and view(movie)["pipeline"]["completed_stages"] == []


def test_an_output_is_measured_when_the_stage_ends(tmp_path: Path):
    movie = tmp_path / "M"
    manifest = StageManifest("demux", movie)
    manifest.add_output("audio", movie / "audio.wav", "16kHz mono audio")  # declared before it is written
    assert view(movie)["stages"]["demux"]["outputs"]["audio"]["exists"] is False
    make_file(movie / "audio.wav", 2000)
    manifest.save(status="success")
    output = view(movie)["stages"]["demux"]["outputs"]["audio"]
    assert output == {
        "path": str(movie / "audio.wav"),
        "exists": True,
        "size_bytes": 2000,
        "description": "16kHz mono audio",
    }


def test_failure_then_success_moves_the_stage_and_keeps_history(tmp_path: Path):
    movie = tmp_path / "M"
    with pytest.raises(RuntimeError):
        with StageManifest("asr", movie) as manifest:
            manifest.add_metadata("model", "tiny")
            raise RuntimeError("CUDA out of memory")
    assert view(movie)["pipeline"]["failed_stages"] == ["asr"]

    rerun = StageManifest("asr", movie)
    pipeline = view(movie)["pipeline"]
    assert pipeline["failed_stages"] == [] and pipeline["running_stages"] == ["asr"]
    rerun.save(status="success")

    doc = view(movie)
    entry = doc["stages"]["asr"]
    assert entry["attempt"] == 2 and entry["status"] == "success" and entry["error"] is None
    assert entry["metadata"] == {}
    (previous,) = entry["history"]
    assert previous["attempt"] == 1 and previous["status"] == "failed"
    assert previous["error"] == {"message": "CUDA out of memory", "type": "RuntimeError"}
    assert doc["pipeline"]["completed_stages"] == ["asr"] and doc["pipeline"]["failed_stages"] == []


def test_rerunning_a_completed_stage_takes_it_out_of_completed_until_it_ends(tmp_path: Path):
    movie = tmp_path / "M"
    for stage in ("demux", "silero_vad"):
        StageManifest(stage, movie).save(status="success")
    rerun = StageManifest("demux", movie)
    assert not is_stage_completed(movie, "demux")
    assert view(movie)["pipeline"]["completed_stages"] == ["silero_vad"]
    rerun.save(status="success")
    assert view(movie)["pipeline"]["completed_stages"] == ["silero_vad", "demux"]
    assert is_stage_completed(movie, "demux")


def test_current_stage_is_the_latest_started_of_the_running_ones(tmp_path: Path):
    movie = tmp_path / "M"
    vad, diarization = StageManifest("silero_vad", movie), StageManifest("diarization", movie)
    assert view(movie)["pipeline"]["running_stages"] == ["silero_vad", "diarization"]
    assert view(movie)["pipeline"]["current_stage"] == "diarization"
    diarization.save(status="success")
    assert view(movie)["pipeline"]["current_stage"] == "silero_vad"
    vad.save(status="failed")
    assert view(movie)["pipeline"]["current_stage"] is None
    assert view(movie)["stages"]["silero_vad"]["error"] == {"message": "stage failed (no error recorded)", "type": None}


def test_skip_is_complete_but_not_completed(tmp_path: Path):
    movie = tmp_path / "M"
    with StageManifest("tmdb", movie) as manifest:
        manifest.skip("no TMDB_API_KEY set")
    doc = view(movie)
    assert (
        doc["stages"]["tmdb"]["status"] == "skipped" and doc["stages"]["tmdb"]["skip_reason"] == "no TMDB_API_KEY set"
    )
    assert doc["pipeline"]["skipped_stages"] == ["tmdb"] and doc["pipeline"]["completed_stages"] == []
    assert is_stage_completed(movie, "tmdb") and PipelineManifest(movie).is_stage_completed("tmdb")


def test_progress_is_rate_limited_and_removed_at_the_end(tmp_path: Path):
    movie = tmp_path / "M"
    with StageManifest("asr", movie) as manifest:
        assert manifest.set_progress(0.25, "segment 1/4") is True
        assert manifest.set_progress(0.5, "segment 2/4") is False  # within 2 s of the last write
        progress = view(movie)["stages"]["asr"]["progress"]
        assert progress["fraction"] == 0.25 and progress["message"] == "segment 1/4"
        with pytest.raises(ValueError):
            manifest.set_progress(1.5)
    assert "progress" not in view(movie)["stages"]["asr"]


def test_set_error_and_handled_exceptions(tmp_path: Path):
    movie = tmp_path / "M"
    manifest = StageManifest("mux", movie)
    try:
        raise OSError("disk full")
    except OSError:
        manifest.save(status="failed")  # no set_error: the exception being handled is recorded
    assert view(movie)["stages"]["mux"]["error"] == {"message": "disk full", "type": "OSError"}
    manifest = StageManifest("mux", movie)
    manifest.set_error("ffmpeg exited with 1")
    manifest.save(status="failed")
    assert view(movie)["stages"]["mux"]["error"] == {"message": "ffmpeg exited with 1", "type": None}


@pytest.mark.parametrize(
    ("raised", "status", "error"),
    [
        (SystemExit(0), "success", None),
        (SystemExit(3), "failed", {"message": "exit code 3", "type": "SystemExit"}),
        (KeyboardInterrupt(), "failed", {"message": "interrupted (Ctrl-C)", "type": "KeyboardInterrupt"}),
    ],
)
def test_context_manager_on_exit_paths(tmp_path: Path, raised: BaseException, status: str, error: dict | None):
    with pytest.raises(type(raised)):
        with StageManifest("demux", tmp_path / "M"):
            raise raised
    entry = view(tmp_path / "M")["stages"]["demux"]
    assert entry["status"] == status and entry["error"] == error


def test_exit_codes():
    assert (EXIT_SUCCESS, EXIT_FAILURE, EXIT_USAGE, EXIT_INTERRUPTED, EXIT_TERMINATED) == (0, 1, 2, 130, 143)
    assert exit_code_for(None) == 0
    assert exit_code_for(ValueError("x")) == 1
    assert exit_code_for(KeyboardInterrupt()) == 130
    assert exit_code_for(Terminated()) == 143
    assert (
        exit_code_for(SystemExit(2)) == 2 and exit_code_for(SystemExit()) == 0 and exit_code_for(SystemExit("bad")) == 1
    )


def test_secrets_are_never_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    secret = "hf_SuperSecretToken123"
    monkeypatch.setenv("HF_TOKEN", secret)
    monkeypatch.setenv("TMDB_API_KEY", "short")  # under 8 characters: too short to guard
    movie = tmp_path / "M"
    with pytest.raises(RuntimeError):
        with StageManifest("tmdb", movie) as manifest:
            with pytest.raises(ValueError, match="HF_TOKEN"):
                manifest.add_metadata("request", f"Authorization: Bearer {secret}")
            with pytest.raises(ValueError, match="HF_TOKEN"):
                manifest.add_metadata("headers", {"auth": [secret]})
            manifest.add_metadata("note", "a short value is fine")
            raise RuntimeError(f"401 for token {secret}")
    assert view(movie)["stages"]["tmdb"]["error"]["message"] == "401 for token $HF_TOKEN"
    for path in [movie / "manifest.json", *(movie / RECORDS_DIR).iterdir()]:
        assert secret not in path.read_text()


def test_metadata_must_be_json(tmp_path: Path):
    numpy = pytest.importorskip("numpy")
    with StageManifest("asr", tmp_path / "M") as manifest:
        manifest.add_metadata("probability", numpy.float32(0.5))
        manifest.add_metadata("path", tmp_path / "x")
        with pytest.raises(TypeError, match="'model'"):
            manifest.add_metadata("model", object())
    metadata = view(tmp_path / "M")["stages"]["asr"]["metadata"]
    assert metadata == {"probability": 0.5, "path": str(tmp_path / "x")}


def test_bad_arguments(tmp_path: Path):
    with pytest.raises(ValueError, match="stage name"):
        StageManifest("../etc", tmp_path / "M")
    manifest = StageManifest("demux", tmp_path / "M")
    with pytest.raises(ValueError, match="stage status"):
        manifest.save(status="done")
    with pytest.raises(ValueError, match="pipeline status"):
        PipelineManifest(tmp_path / "M").finalize("done")
    manifest.save(status="success")


def test_pipeline_manifest(tmp_path: Path):
    movie = tmp_path / "out" / "Inception_2010"
    assert load_manifest(movie) is None and not is_stage_completed(movie, "demux")
    pipeline = PipelineManifest(movie / "manifest.json")
    pipeline.set_input(tmp_path / "Inception (2010).mkv", "Inception", 2010)
    assert view(movie)["pipeline"]["status"] == "pending"
    PipelineManifest(movie).start()  # the movie folder works as well as the file
    assert view(movie)["pipeline"]["status"] == "running" and view(movie)["pipeline"]["completed_at"] is None
    for status in ("failed", "interrupted", "completed"):
        pipeline.finalize(status)
        assert view(movie)["pipeline"]["status"] == status and view(movie)["pipeline"]["completed_at"]
    doc = load_manifest(movie)
    assert doc["input"] == {"file": str(tmp_path / "Inception (2010).mkv"), "title": "Inception", "year": 2010}
    assert doc["movie_dir"] == str(movie) and doc["version"] == "1.0.0"
    assert doc["created_at"] <= doc["updated_at"]


def _killed_mid_stage(movie: Path, ready: mp.Event) -> None:
    StageManifest("asr", movie)
    ready.set()
    signal.pause()


def test_an_attempt_killed_without_a_record_is_history(tmp_path: Path):
    movie = tmp_path / "M"
    fork = mp.get_context("fork")
    ready = fork.Event()
    child = fork.Process(target=_killed_mid_stage, args=(movie, ready))
    child.start()
    assert ready.wait(10)
    os.kill(child.pid, signal.SIGKILL)
    child.join()
    assert view(movie)["stages"]["asr"]["status"] == "running"
    StageManifest("asr", movie).save(status="success")
    (previous,) = view(movie)["stages"]["asr"]["history"]
    assert previous["status"] == "failed" and f"pid {child.pid}" in previous["error"]["message"]


def test_a_manifest_without_records_is_adopted(tmp_path: Path):
    """A manifest.json copied without its hidden record folder keeps its stages on the next write."""
    movie = tmp_path / "M"
    StageManifest("demux", movie).save(status="success")
    PipelineManifest(movie).set_input("film.mkv", "Film", None)
    before = view(movie)
    for record in (movie / RECORDS_DIR).iterdir():
        record.unlink()
    (movie / RECORDS_DIR).rmdir()
    StageManifest("asr", movie).save(status="success")
    after = view(movie)
    assert after["stages"]["demux"] == before["stages"]["demux"] and after["input"] == before["input"]
    assert after["created_at"] == before["created_at"]
    assert after["pipeline"]["completed_stages"] == ["demux", "asr"]


STAGES = ["demux", "asr", "mux"]
ACTIONS = st.lists(
    st.tuples(st.sampled_from(STAGES), st.sampled_from(["start", "success", "failed", "skipped"])), max_size=12
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ACTIONS)
def test_pipeline_lists_always_agree_with_the_stages(actions: list[tuple[str, str]]):
    with tempfile.TemporaryDirectory() as folder:
        movie, running = Path(folder), {}
        for stage, action in actions:
            if action == "start":
                running[stage] = running.get(stage) or StageManifest(stage, movie)
            elif stage in running:
                running.pop(stage).save(status=action)
            doc = view(movie) if (movie / "manifest.json").exists() else None
            if doc is None:
                continue
            assert schema_errors(doc) == []
            pipeline, stages = doc["pipeline"], doc["stages"]
            for status, key in [
                ("success", "completed_stages"),
                ("failed", "failed_stages"),
                ("skipped", "skipped_stages"),
                ("running", "running_stages"),
            ]:
                assert sorted(pipeline[key]) == sorted(s for s in stages if stages[s]["status"] == status)
            assert pipeline["current_stage"] == (pipeline["running_stages"][-1] if pipeline["running_stages"] else None)
            assert set(running) == set(pipeline["running_stages"])
            for stage_name, entry in stages.items():
                assert entry["attempt"] == len(entry["history"]) + 1
                assert is_stage_completed(movie, stage_name) == (entry["status"] in ("success", "skipped"))
        for manifest in running.values():
            manifest.save(status="success")
