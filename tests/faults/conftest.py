"""The fault tests' workflow handle: run, start and kill real Snakemake runs, and check that every
manifest agrees with Snakemake (``assert_agreement``, the reusable helper of issue 7)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from manifest_lib import verify_movie
from subflow.agreement import MovieAgreement, check_agreement
from subflow.io import offline_env
from tests.conftest import ROOT, SNAKEMAKE

TRACEBACK = "Traceback (most recent call last)"


@dataclass
class Run:
    """A finished snakemake run: exit code and console (stdout and stderr together, as a terminal shows)."""

    returncode: int
    console: str


@dataclass
class Workflow:
    """The real workflow on one input folder and one output folder, run from the project root."""

    input_dir: Path
    output_dir: Path
    configfile: Path | None = None
    env: dict[str, str] = field(default_factory=dict)
    cores: int = 2
    config: dict[str, str] = field(default_factory=dict)

    def config_args(self) -> list[str]:
        settings = {"input_dir": self.input_dir, "output_dir": self.output_dir, **self.config}
        args = ["--config", *(f"{key}={value}" for key, value in settings.items())]
        return args + (["--configfile", str(self.configfile)] if self.configfile else [])

    def args(self, *extra: str) -> list[str]:
        return [SNAKEMAKE, "--cores", str(self.cores), "--resources", "gpu=1", *self.config_args(), *extra]

    def environ(self) -> dict[str, str]:
        return offline_env(**self.env)

    def run(self, *extra: str, timeout: float = 400) -> Run:
        result = subprocess.run(
            self.args(*extra),
            cwd=ROOT,
            env=self.environ(),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=timeout,
            check=False,
        )
        return Run(result.returncode, result.stdout)

    def start(self, *extra: str) -> subprocess.Popen:
        """Start a run in its own process group, as a shell starts a foreground job."""
        return subprocess.Popen(
            self.args(*extra),
            cwd=ROOT,
            env=self.environ(),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )

    def movie(self, name: str) -> Path:
        return self.output_dir / name

    def agreement(self) -> list[MovieAgreement]:
        return check_agreement(self.output_dir, self.config_args())


def remove_stale_locks(workflow: Workflow) -> list[Path]:
    """What ``snakemake --unlock`` does after a killed run, for this run's lock files only.

    A Snakemake killed by SIGKILL leaves its lock files in ``.snakemake/locks``; the next run refuses
    to start until ``--unlock``. ``--unlock`` removes every lock of the folder, other people's
    running workflows' too, so the tests remove only the files that lock this run's folders.
    """
    ours = (str(workflow.input_dir), str(workflow.output_dir))
    removed = []
    for lock in (ROOT / ".snakemake" / "locks").glob("*.lock"):
        lines = lock.read_text(encoding="utf-8", errors="replace").splitlines()
        if any(line.startswith(ours) for line in lines):
            lock.unlink()
            removed.append(lock)
    return removed


def manifest(movie_dir: Path) -> dict:
    return json.loads((movie_dir / "manifest.json").read_text(encoding="utf-8"))


def statuses(movie_dir: Path) -> dict[str, str]:
    return {stage: entry["status"] for stage, entry in manifest(movie_dir)["stages"].items()}


def assert_agreement(workflow: Workflow, *, verify: bool = True) -> list[MovieAgreement]:
    """For every movie × stage: manifest complete ⟺ Snakemake would not rerun it; and ``verify`` passes."""
    report = workflow.agreement()
    problems = [f"{movie.movie}: {line}" for movie in report for line in movie.lines()]
    if verify:
        for movie in report:
            if (movie.movie_dir / "manifest.json").exists():
                problems += [f"{movie.movie}: verify: {p}" for p in verify_movie(movie.movie_dir)]
    assert not problems, "manifest and Snakemake disagree:\n" + "\n".join(problems)
    assert report, f"Snakemake plans nothing under {workflow.output_dir}"
    return report


def wait_for_stage(movie_dir: Path, stage: str, status: str, min_attempt: int = 1, timeout: float = 240) -> dict:
    """Poll manifest.json until ``stage`` has ``status`` in attempt ``min_attempt`` or later."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            entry = manifest(movie_dir)["stages"].get(stage)
        except (OSError, ValueError):
            entry = None
        if entry and entry["status"] == status and entry["attempt"] >= min_attempt:
            return entry
        time.sleep(0.02)
    raise AssertionError(f"{stage} never became {status} (attempt ≥ {min_attempt}) in {movie_dir}")


def finish(process: subprocess.Popen, timeout: float = 120) -> Run:
    try:
        out, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        out, _ = process.communicate()
        raise AssertionError(f"snakemake did not end within {timeout} s:\n{out[-3000:]}") from None
    return Run(process.returncode, out)


def attempt(movie_dir: Path, stage: str) -> int:
    return manifest(movie_dir)["stages"][stage]["attempt"]


def assert_one_line_failure(run: Run, stage: str, movie: str, *needles: str) -> str:
    """The console names the stage, the movie and the problem on one ``subflow:`` line, no traceback."""
    lines = [line for line in run.console.splitlines() if line.startswith(f"subflow: {stage} failed for {movie}: ")]
    assert len(lines) == 1, f"expected one 'subflow: {stage} failed for {movie}' line:\n{run.console[-4000:]}"
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])
    assert TRACEBACK not in run.console, run.console[-4000:]
    return lines[0]


def assert_stage_failed(movie_dir: Path, stage: str, *needles: str) -> dict:
    """``failed`` in the manifest with the error, the traceback in the stage log."""
    entry = manifest(movie_dir)["stages"][stage]
    assert entry["status"] == "failed", entry
    for needle in needles:
        assert needle in entry["error"]["message"], (needle, entry["error"])
    log = (movie_dir / "logs" / f"{stage}.log").read_text(encoding="utf-8")
    assert TRACEBACK in log and entry["error"]["message"].splitlines()[0][:60] in log
    return entry


def can_mount() -> bool:
    return os.geteuid() == 0 and subprocess.run(["which", "mount"], capture_output=True).returncode == 0


@pytest.fixture
def tmpfs(tmp_path: Path):
    """Mount small tmpfs file systems (root only): ``mount(size, read_only=False) -> Path``."""
    if not can_mount():
        pytest.skip("mounting a tmpfs needs root")
    mounted: list[Path] = []

    def mount(size: str, read_only: bool = False) -> Path:
        target = tmp_path / f"mnt{len(mounted)}"
        target.mkdir()
        options = f"size={size}" + (",ro" if read_only else "")
        result = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(target)], capture_output=True, text=True
        )
        if result.returncode != 0:
            pytest.skip(f"cannot mount a tmpfs here: {result.stderr.strip()}")
        mounted.append(target)
        return target

    yield mount
    for target in reversed(mounted):
        subprocess.run(["umount", "-l", str(target)], check=False)
