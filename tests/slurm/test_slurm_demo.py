"""The demo film through `snakemake --profile profiles/slurm-test` on a real SLURM cluster.

Proves, on whatever cluster answers (CI: ci/slurm_up.sh's single node): every stage ran as a SLURM job
(the plugin's job ids = the ids each stage recorded in the manifest = sacct's, on the host sacct names),
the manifest is complete and `manifest_lib verify` passes, the subtitled video is the same as a local
run's, and a job cancelled with scancel in the middle of asr leaves asr `failed` and resumes cleanly.
The timings and sacct lines of such a run: bench/slurm_timings.py.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.conftest import ROOT, read_manifest, run_workflow
from tests.slurm.conftest import (
    Cluster,
    clean_env,
    local_rules,
    run_snakemake,
    snakemake_args,
    submitted_jobs,
    wait_for_sacct,
)

pytestmark = [pytest.mark.slurm, pytest.mark.slow]

MOVIE = "The_Night_Train_2024"
GPU_STAGES = ("pyannote_vad", "diarization", "asr")


@dataclass
class Run:
    output_dir: Path
    wall_s: float
    output: str = ""
    job_ids: dict[str, str] = field(default_factory=dict)  # SLURM job id → rule

    @property
    def movie_dir(self) -> Path:
        return self.output_dir / MOVIE


def slurm_command(demo_film: Path, output_dir: Path, logs: Path) -> list[str]:
    return snakemake_args(
        "--slurm-logdir",
        str(logs),
        "--slurm-keep-successful-logs",
        "--config",
        f"input_dir={demo_film.parent}",
        f"output_dir={output_dir}",
    )


@pytest.fixture(scope="module")
def local_run(demo_film: Path, tmp_path_factory) -> Run:
    output_dir = tmp_path_factory.mktemp("local_out")
    start = time.monotonic()
    # the SLURM profile's threads: on some CPUs (this one with AVX-512) CTranslate2's word times move by
    # 20-80 ms between one asr thread and two, which is not the executor's doing
    run_workflow(demo_film.parent, output_dir, "--set-threads", "asr=2", "diarization=2")
    return Run(output_dir, time.monotonic() - start)


@pytest.fixture(scope="module")
def slurm_run(slurm_cluster: Cluster, demo_film: Path, tmp_path_factory) -> Run:
    base = tmp_path_factory.mktemp("slurm")
    output_dir = base / "out"
    result, wall = run_snakemake(slurm_command(demo_film, output_dir, base / "slurm_logs"))
    output = result.stdout + result.stderr
    assert result.returncode == 0, f"snakemake --profile profiles/slurm-test failed:\n{output[-6000:]}"
    return Run(output_dir, wall, output, submitted_jobs(output))


def stream_digests(video: Path) -> dict[str, str]:
    """What must not differ between two runs: the stream list, the copied streams' packets, the subtitle text."""

    def run(*args: str) -> str:
        return subprocess.run(
            ["ffmpeg", "-nostdin", "-v", "error", "-i", str(video), *args], capture_output=True, text=True, check=True
        ).stdout

    streams = subprocess.run(
        [
            "ffprobe",
            "-v",
            "error",
            "-show_entries",
            "stream=index,codec_type,codec_name:stream_tags=language",
            "-of",
            "csv=p=0",
            str(video),
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return {
        "streams": streams.strip(),
        "video_md5": run("-map", "0:v", "-c", "copy", "-f", "md5", "-").strip(),
        "audio_md5": run("-map", "0:a", "-c", "copy", "-f", "md5", "-").strip(),
        "subtitle_srt": run("-map", "0:s", "-f", "srt", "-"),
    }


def assert_same_video(slurm: Run, local: Run) -> None:
    ours = stream_digests(slurm.movie_dir / "final_output.mkv")
    theirs = stream_digests(local.movie_dir / "final_output.mkv")
    for key in ours:
        assert ours[key] == theirs[key], f"{key} differs between the SLURM and the local run"
    assert "subrip,subtitle,eng" in ours["streams"]
    srt = (slurm.movie_dir / "subtitles" / "subtitles.srt").read_text(encoding="utf-8")
    assert srt == (local.movie_dir / "subtitles" / "subtitles.srt").read_text(encoding="utf-8")


def test_every_stage_ran_as_a_slurm_job(slurm_run: Run, slurm_cluster: Cluster):
    stages = read_manifest(slurm_run.movie_dir)["stages"]
    on_submit_host = local_rules(slurm_run.output)
    assert stages, "no stage recorded"
    assert set(slurm_run.job_ids.values()) == set(stages) - on_submit_host, "submitted rules ≠ recorded stages"
    for stage, entry in stages.items():
        execution = entry["execution"]
        assert execution["snakemake_rule"] == stage
        if stage in on_submit_host:  # a localrule: ran inside the main snakemake's host, no job
            assert execution["slurm_job_id"] is None, stage
            continue
        job_id = execution["slurm_job_id"]
        assert job_id is not None, f"{stage} has no SLURM job id: it did not run as a SLURM job"
        assert slurm_run.job_ids.get(job_id) == stage, (
            f"{stage} recorded job {job_id}, the plugin submitted it for {slurm_run.job_ids.get(job_id)}"
        )
        assert execution["threads"] is not None and 1 <= execution["threads"] <= 2, stage
    ids = [entry["execution"]["slurm_job_id"] for entry in stages.values() if entry["execution"]["slurm_job_id"]]
    assert len(set(ids)) == len(ids), "two stages share a SLURM job"
    if not slurm_cluster.accounting:
        pytest.skip("sacct does not answer (cluster without slurmdbd): checked against the plugin's job ids only")
    records = wait_for_sacct(ids)
    for stage, entry in stages.items():
        job_id = entry["execution"]["slurm_job_id"]
        if job_id is None:
            continue
        record = records.get(job_id)
        assert record is not None, f"sacct knows no job {job_id} ({stage})"
        assert record["State"] == "COMPLETED", f"{stage}: job {job_id} {record['State']}"
        assert record["NodeList"].split(".")[0] == entry["execution"]["host"].split(".")[0], stage
        assert int(record["AllocCPUS"]) == entry["execution"]["threads"], (
            f"{stage}: SLURM gave {record['AllocCPUS']} CPUs"
        )


def test_gpu_stages_record_device_and_run_without_a_gpu_request(slurm_run: Run):
    """The test profile asks no GRES (gpu: 0); each GPU stage still records the device it used (the test
    node has no CUDA, so cpu there)."""
    stages = read_manifest(slurm_run.movie_dir)["stages"]
    assert "asr" in stages
    for stage in GPU_STAGES:
        if stage in stages:
            assert stages[stage]["metadata"].get("device") in ("cpu", "cuda"), stage


def test_manifest_complete_and_verified(slurm_run: Run):
    manifest = read_manifest(slurm_run.movie_dir)
    pipeline = manifest["pipeline"]
    assert pipeline["status"] == "completed"
    assert not pipeline["failed_stages"] and not pipeline["running_stages"]
    assert set(pipeline["completed_stages"]) | set(pipeline["skipped_stages"]) == set(manifest["stages"])
    verify = subprocess.run(
        [sys.executable, "-m", "manifest_lib", "verify", str(slurm_run.output_dir)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert verify.returncode == 0, verify.stdout + verify.stderr


def test_mux_output_same_as_local_run(slurm_run: Run, local_run: Run):
    assert_same_video(slurm_run, local_run)


def _asr_job(manifest_path: Path, not_in: set[str]) -> str | None:
    """The SLURM job id asr recorded while running, once a new attempt has started."""
    try:
        entry = json.loads(manifest_path.read_text(encoding="utf-8"))["stages"].get("asr") or {}
    except (OSError, ValueError):
        return None
    job_id = (entry.get("execution") or {}).get("slurm_job_id")
    return job_id if entry.get("status") == "running" and job_id and job_id not in not_in else None


def test_scancel_mid_asr_fails_the_stage_and_resume_is_clean(slurm_run: Run, local_run: Run, demo_film: Path):
    """Runs last: it reruns asr and what follows in the SLURM run's output folder."""
    before = read_manifest(slurm_run.movie_dir)
    earlier_ids = {e["execution"]["slurm_job_id"] for e in before["stages"].values()} - {None}
    (slurm_run.movie_dir / "transcription" / "transcript.json").unlink()
    logs = slurm_run.output_dir.parent / "slurm_logs_kill"
    start = time.monotonic()
    process = subprocess.Popen(
        slurm_command(demo_film, slurm_run.output_dir, logs),
        cwd=ROOT,
        env=clean_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    killed = None
    try:
        deadline = time.monotonic() + 300
        while killed is None and process.poll() is None and time.monotonic() < deadline:
            killed = _asr_job(slurm_run.movie_dir / "manifest.json", earlier_ids)
            if killed is None:
                time.sleep(0.1)
        if killed is not None:
            subprocess.run(["scancel", killed], check=True, timeout=30)
        output, _ = process.communicate(timeout=300)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    kill_wall = time.monotonic() - start
    assert killed is not None, f"asr never ran as a new SLURM job:\n{output[-4000:]}"
    assert process.returncode != 0, f"snakemake succeeded although asr's job {killed} was cancelled"

    failed = read_manifest(slurm_run.movie_dir)
    asr = failed["stages"]["asr"]
    assert asr["status"] == "failed", f"asr is {asr['status']} after scancel"
    assert asr["execution"]["slurm_job_id"] == killed
    assert asr["error"] and asr["error"]["message"], "the failed asr attempt records no error"
    assert "asr" in failed["pipeline"]["failed_stages"]
    # a stage ended by a signal (scancel sends SIGTERM) may mark the run `interrupted` rather than `failed`
    assert failed["pipeline"]["status"] in ("failed", "interrupted"), failed["pipeline"]["status"]
    assert not (slurm_run.movie_dir / "transcription" / "transcript.json").exists()
    state = subprocess.run(
        ["squeue", "--states=all", "-h", "-j", killed, "-o", "%T"], capture_output=True, text=True, check=False
    ).stdout.strip()
    if state:  # still in slurmctld's memory (MinJobAge)
        assert state == "CANCELLED", state

    result, resume_wall = run_snakemake(slurm_command(demo_film, slurm_run.output_dir, logs))
    assert result.returncode == 0, f"resume failed:\n{(result.stdout + result.stderr)[-6000:]}"
    after = read_manifest(slurm_run.movie_dir)
    resumed = after["stages"]["asr"]
    assert resumed["status"] == "success"
    assert resumed["attempt"] == asr["attempt"] + 1
    assert resumed["history"][-1]["status"] == "failed"
    assert resumed["execution"]["slurm_job_id"] not in (None, killed)
    rerun = set(submitted_jobs(result.stdout + result.stderr).values())
    assert "asr" in rerun and "demux" not in rerun, f"resume reran {sorted(rerun)}"
    for stage in ("demux", "silero_vad", "pyannote_vad", "diarization"):  # upstream of, or beside, asr
        if stage in before["stages"]:
            assert after["stages"][stage]["started_at"] == before["stages"][stage]["started_at"], stage
    assert after["pipeline"]["status"] == "completed" and not after["pipeline"]["failed_stages"]
    verify = subprocess.run(
        [sys.executable, "-m", "manifest_lib", "verify", str(slurm_run.output_dir)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert verify.returncode == 0, verify.stdout + verify.stderr
    assert_same_video(slurm_run, local_run)
    print(
        f"\nscancel of asr job {killed}: snakemake exited {process.returncode} after {kill_wall:.1f} s, asr failed "
        f"({asr['error']['message']}); resume {resume_wall:.1f} s reran {sorted(rerun)}"
    )
