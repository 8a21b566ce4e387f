"""Helpers of the manifest tests: run real interpreters and the CLI from the project root."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


def env(**extra: str) -> dict[str, str]:
    """The environment of a child process: the project importable, nothing else changed."""
    paths = [str(ROOT), *extra.pop("PYTHONPATH", "").split(os.pathsep)]
    return {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in paths if p), **extra}


def run_python(script: Path, *args: str, cwd: Path | None = None, **extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(script), *args], cwd=cwd, env=env(**extra), capture_output=True, text=True, timeout=60
    )


def cli(*args: str | Path) -> subprocess.CompletedProcess:
    """``python -m manifest_lib ARGS`` as a user runs it."""
    return subprocess.run(
        [sys.executable, "-m", "manifest_lib", *map(str, args)],
        cwd=ROOT,
        env=env(),
        capture_output=True,
        text=True,
        timeout=60,
    )


def view(movie_dir: Path) -> dict[str, Any]:
    """manifest.json read the way jq reads it: the bytes on disk, no library code."""
    return json.loads((movie_dir / "manifest.json").read_bytes())


def make_file(path: Path, size: int = 16) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"x" * size)
    return path
