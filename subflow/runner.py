"""Running this workflow's Snakemake as a child process, offline: what the run record, tests and bench share."""

import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from subflow.io import offline_env

PROJECT_ROOT = Path(__file__).resolve().parents[1]


def snakemake_executable() -> str:
    """The ``snakemake`` of this Python's environment (a venv's bin/), else the one on PATH."""
    beside = Path(sys.executable).with_name("snakemake")
    return str(beside) if beside.exists() else "snakemake"


def snakemake_command(*args: str) -> list[str]:
    return [snakemake_executable(), *args]


def run_snakemake(
    args: Sequence[str],
    cwd: str | os.PathLike[str] = PROJECT_ROOT,
    env: dict[str, str] | None = None,
    **kwargs: Any,
) -> subprocess.CompletedProcess:
    """``snakemake ARGS`` in ``cwd`` with the offline environment (plus ``env``); output captured as text."""
    kwargs.setdefault("capture_output", "stdout" not in kwargs)
    return subprocess.run(
        snakemake_command(*args), cwd=cwd, env=offline_env(**(env or {})), text=True, check=False, **kwargs
    )
