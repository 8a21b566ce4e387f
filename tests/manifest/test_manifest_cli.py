"""``python -m manifest_lib``: show, status, verify, is-complete, run as a user runs them."""

from __future__ import annotations

import json
import multiprocessing as mp
import os
import re
import signal
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from manifest_lib import PipelineManifest, StageManifest, load_manifest
from tests.manifest.helpers import cli, make_file


@pytest.fixture
def output_dir(tmp_path: Path) -> Path:
    """Two movies: one through demux and asr (asr with an output), one with a failed demux."""
    out = tmp_path / "out"
    movie = out / "Inception_2010"
    PipelineManifest(movie).start()
    with StageManifest("demux", movie) as manifest:
        manifest.add_output("audio", make_file(movie / "audio" / "audio.wav", 100), "16kHz mono audio")
    with StageManifest("asr", movie) as manifest:
        manifest.add_output("transcript", make_file(movie / "transcript.json", 50))
    with StageManifest("tmdb", movie) as manifest:
        manifest.skip("no key")
    with pytest.raises(RuntimeError):
        with StageManifest("demux", out / "Heat_1995"):
            raise RuntimeError("no audio stream")
    return out


def test_show(output_dir: Path):
    movie = output_dir / "Inception_2010"
    result = cli("show", movie)
    assert result.returncode == 0 and json.loads(result.stdout) == load_manifest(movie)
    result = cli("show", movie, "--stage", "asr")
    assert result.returncode == 0 and json.loads(result.stdout)["status"] == "success"
    assert cli("show", movie, "--stage", "mux").returncode == 1
    missing = cli("show", output_dir / "Nope")
    assert missing.returncode == 1 and "no manifest.json" in missing.stderr


def test_status_table(output_dir: Path):
    result = cli("status", output_dir)
    assert result.returncode == 0
    header, first, second, _total, _summary = result.stdout.splitlines()  # the view itself: tests/report
    assert header.split() == ["FILM", "PIPELINE", "demux", "asr", "tmdb", "TIME", "NOTE"]
    assert first.split()[:3] == ["Heat_1995", "pending", "✗"] and "demux: no audio stream" in first
    film, pipeline, demux, seconds = second.split()[:4]
    assert [film, pipeline, demux] == ["Inception_2010", "running", "✓"] and "↷" in second
    assert re.fullmatch(r"\d+\.\ds", seconds), seconds  # how long demux took (a loaded machine: more than 0.0s)


def test_status_json(output_dir: Path):
    result = cli("status", output_dir, "--json")
    assert result.returncode == 0
    table = json.loads(result.stdout)
    assert table["stages"] == ["demux", "asr", "tmdb"]
    movies = {movie["movie"]: movie for movie in table["movies"]}
    assert movies["Heat_1995"]["stages"]["demux"]["status"] == "failed"
    assert movies["Inception_2010"]["pipeline"] == "running"
    assert movies["Inception_2010"]["stages"]["asr"]["duration_seconds"] >= 0
    assert cli("status", output_dir / "nope").returncode == 2


def test_verify_ok_then_outputs_gone_or_changed(output_dir: Path):
    movie = output_dir / "Inception_2010"
    ok = cli("verify", output_dir)
    assert ok.returncode == 0, ok.stdout
    assert f"{movie}: ok" in ok.stdout
    (movie / "audio" / "audio.wav").unlink()
    make_file(movie / "transcript.json", 144)
    bad = cli("verify", movie)
    assert bad.returncode == 1
    assert f"demux: output 'audio' is gone: {movie}/audio/audio.wav" in bad.stdout
    assert f"asr: output 'transcript' changed size: {movie}/transcript.json (recorded 50 bytes, now 144)" in bad.stdout


def _start_and_hang(movie: Path, ready) -> None:
    StageManifest("asr", movie)
    ready.set()
    signal.pause()


def test_verify_reports_a_stage_left_running_by_a_dead_process(tmp_path: Path):
    movie = tmp_path / "M"
    fork = mp.get_context("fork")
    ready = fork.Event()
    child = fork.Process(target=_start_and_hang, args=(movie, ready))
    child.start()
    assert ready.wait(10)
    assert cli("verify", movie).returncode == 0  # alive: not stale
    os.kill(child.pid, signal.SIGKILL)
    child.join()
    result = cli("verify", movie)
    assert result.returncode == 1
    assert f"asr: stale: recorded as running by pid {child.pid}" in result.stdout


def _as_if_on_another_node(movie: Path, hours_ago: float) -> None:
    """Rewrite the view as a stage running on another SLURM node would have left it."""
    path = movie / "manifest.json"
    doc = json.loads(path.read_text())
    entry = doc["stages"]["asr"]
    entry["execution"]["host"] = "node-17"
    entry["updated_at"] = (datetime.now(UTC) - timedelta(hours=hours_ago)).isoformat(timespec="milliseconds")
    path.write_text(json.dumps(doc))


def test_verify_stale_on_another_host_after_a_threshold(tmp_path: Path):
    movie = tmp_path / "M"
    StageManifest("asr", movie)
    _as_if_on_another_node(movie, hours_ago=7)
    result = cli("verify", movie)
    assert result.returncode == 1 and "running on node-17" in result.stdout and "limit 6 h" in result.stdout
    assert cli("verify", movie, "--stale-after", "8").returncode == 0
    _as_if_on_another_node(movie, hours_ago=1)
    assert cli("verify", movie).returncode == 0


@pytest.mark.corrupt_ok
def test_verify_checks_the_schema(tmp_path: Path):
    movie = tmp_path / "M"
    StageManifest("asr", movie).save(status="success")
    doc = json.loads((movie / "manifest.json").read_text())
    doc["stages"]["asr"]["status"] = "done"
    (movie / "manifest.json").write_text(json.dumps(doc))
    result = cli("verify", movie)
    assert result.returncode == 1 and "schema: stages/asr/status" in result.stdout


def test_is_complete(output_dir: Path):
    movie = output_dir / "Inception_2010"
    assert cli("is-complete", movie, "demux").returncode == 0
    assert cli("is-complete", movie, "tmdb").returncode == 0  # skipped counts as complete
    assert cli("is-complete", movie, "mux").returncode == 1
    assert cli("is-complete", output_dir / "Heat_1995", "demux").returncode == 1
    assert cli("is-complete", output_dir / "Nope", "demux").returncode == 1


@pytest.mark.parametrize("args", [[], ["frobnicate"], ["is-complete", "x"], ["verify", "x", "--stale-after", "soon"]])
def test_invalid_arguments_exit_2(args: list[str]):
    assert cli(*args).returncode == 2
