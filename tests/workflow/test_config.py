"""Config validation and film discovery fail before any job, with a message that names the problem."""

from pathlib import Path

from subflow.io import STAGES
from tests.conftest import job_table, run_workflow


def test_invalid_config_value_is_named(tmp_path: Path):
    result = run_workflow(tmp_path, tmp_path / "out", "-n", check=False, config={"device": "tpu"})
    assert result.returncode != 0
    assert "device" in result.stderr + result.stdout
    assert not (tmp_path / "out").exists()


def test_unknown_config_key_is_named(tmp_path: Path):
    result = run_workflow(tmp_path, tmp_path / "out", "-n", check=False, config={"asr_model": "tiny"})
    assert result.returncode != 0
    assert "asr_model" in result.stderr + result.stdout


def test_two_films_one_folder_fail_before_any_job(tmp_path: Path):
    for name in ["Inception (2010).mkv", "Inception.2010.1080p.mp4"]:
        (tmp_path / name).write_bytes(b"x")
    result = run_workflow(tmp_path, tmp_path / "out", check=False)
    assert result.returncode != 0
    assert "Inception_2010" in result.stderr + result.stdout
    assert not (tmp_path / "out").exists()


def test_dry_run_scales_to_many_films(tmp_path: Path):
    for index in range(50):
        (tmp_path / f"Film {index} (2001).mkv").write_bytes(b"x")
    result = run_workflow(tmp_path, tmp_path / "out", "-n", "--quiet", "rules", check=True)
    assert job_table(result.stdout) == {**{stage: 50 for stage in STAGES}, "all": 1}


def test_dag_renders_for_several_films(tmp_path: Path):
    for index in range(3):
        (tmp_path / f"Film {index} (2001).mkv").write_bytes(b"x")
    result = run_workflow(tmp_path, tmp_path / "out", "--dag", check=True)
    assert result.stdout.lstrip().startswith("digraph")
    assert result.stdout.count("mux") >= 3
