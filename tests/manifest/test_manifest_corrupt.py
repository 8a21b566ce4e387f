"""Bad input: a manifest.json truncated or replaced by another tool, or unreadable.

The error names the file; a corrupt file is moved aside (``manifest.json.corrupt-<timestamp>``),
never silently overwritten; the view is rebuilt from the stage records when they exist.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from manifest_lib import ManifestCorruptError, ManifestUnreadableError, StageManifest, load_manifest
from manifest_lib.store import RECORDS_DIR
from tests.manifest.helpers import cli, view


def _movie(tmp_path: Path) -> Path:
    movie = tmp_path / "Inception_2010"
    for stage in ("demux", "silero_vad"):
        with StageManifest(stage, movie) as manifest:
            manifest.add_metadata("ok", True)
    return movie


def _aside(movie: Path) -> list[Path]:
    return sorted(movie.glob("manifest.json.corrupt-*"))


@pytest.mark.parametrize(
    ("damage", "reason"),
    [
        (lambda data: data[: len(data) // 2], "not valid JSON"),
        (lambda data: data.replace(b"demux", b"dem\xffx"), "not UTF-8"),
        (lambda data: b"[1, 2, 3]\n", "not a manifest"),
        (lambda data: b"", "not valid JSON"),
    ],
)
def test_corrupt_manifest_is_kept_aside_and_named(tmp_path: Path, damage, reason: str):
    movie = _movie(tmp_path)
    before = view(movie)
    bad = damage((movie / "manifest.json").read_bytes())
    (movie / "manifest.json").write_bytes(bad)

    with pytest.raises(ManifestCorruptError, match=reason) as caught:
        load_manifest(movie)
    assert isinstance(caught.value, ValueError)
    message = str(caught.value)
    (aside,) = _aside(movie)
    assert str(movie / "manifest.json") in message and str(aside) in message
    assert aside.read_bytes() == bad  # kept byte for byte
    after = load_manifest(movie)  # rebuilt from the stage records
    assert after["stages"] == before["stages"]


@pytest.mark.corrupt_ok
def test_the_cli_reports_a_corrupt_manifest_and_leaves_it(tmp_path: Path):
    movie = _movie(tmp_path)
    (movie / "manifest.json").write_bytes(b'{"version": "1.0.0", "stag')
    for command in (["verify", movie], ["show", movie], ["is-complete", movie, "demux"]):
        result = cli(*command)
        assert result.returncode == 1, command
        assert f"corrupt manifest {movie / 'manifest.json'}" in result.stdout + result.stderr
    assert "unreadable: corrupt manifest" in cli("status", tmp_path).stdout
    assert _aside(movie) == []  # the read-only commands move nothing


def test_a_stage_starting_on_a_corrupt_manifest_keeps_it_and_says_so(tmp_path: Path, caplog: pytest.LogCaptureFixture):
    movie = tmp_path / "M"
    movie.mkdir()
    (movie / "manifest.json").write_text('{"stages": {"demux": {"status": "succ')  # written by another tool
    with caplog.at_level(logging.WARNING, logger="manifest_lib"):
        with StageManifest("demux", movie) as manifest:
            manifest.add_metadata("ok", True)
    (aside,) = _aside(movie)
    assert aside.read_text().startswith('{"stages"')
    assert f"corrupt manifest {movie / 'manifest.json'}" in caplog.text and str(aside) in caplog.text
    assert view(movie)["stages"]["demux"]["status"] == "success"


def test_corrupt_manifest_without_records_is_absent_after_the_error(tmp_path: Path):
    movie = tmp_path / "M"
    movie.mkdir()
    (movie / "manifest.json").write_text("{")
    with pytest.raises(ManifestCorruptError):
        load_manifest(movie)
    assert load_manifest(movie) is None and len(_aside(movie)) == 1


def test_a_corrupt_stage_record_is_kept_aside(tmp_path: Path, caplog: pytest.LogCaptureFixture):
    movie = _movie(tmp_path)
    record = movie / RECORDS_DIR / "stage.demux.json"
    record.write_text('{"status": "succ')
    with caplog.at_level(logging.WARNING, logger="manifest_lib"):
        StageManifest("asr", movie).save(status="success")
    assert f"corrupt manifest record {record}" in caplog.text
    assert list(record.parent.glob("stage.demux.json.corrupt-*"))
    assert set(view(movie)["stages"]) == {"silero_vad", "asr"}  # demux runs again


def test_unreadable_manifest_is_named_and_left_alone(tmp_path: Path):
    movie = tmp_path / "M"
    (movie / "manifest.json").mkdir(parents=True)  # not readable as a file (root reads any mode)
    with pytest.raises(ManifestUnreadableError, match=f"cannot read manifest {movie / 'manifest.json'}"):
        load_manifest(movie)
    assert (movie / "manifest.json").is_dir() and _aside(movie) == []


def test_a_lost_pipeline_record_loses_no_stage(tmp_path: Path):
    movie = _movie(tmp_path)
    manifest = StageManifest("asr", movie)
    (movie / RECORDS_DIR / "pipeline.json").write_text("{")  # truncated by another tool
    manifest.save(status="success")
    assert set(view(movie)["stages"]) == {"demux", "silero_vad", "asr"}
    assert list((movie / RECORDS_DIR).glob("pipeline.json.corrupt-*"))
