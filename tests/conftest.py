"""Fixtures shared by every test folder: generated films, realdata, running the workflow."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
REALDATA = ROOT.parent / "shared" / "realdata"
SNAKEMAKE = str(Path(sys.executable).with_name("snakemake"))

# A test run started in the background of a non-interactive shell (`nohup make test &`) inherits SIGINT
# ignored, and so would every child, which then never sees the Ctrl-C the fault tests send. A handler
# here (reset to the default on exec) gives the children the default disposition back.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)


def realdata(*parts: str) -> Path:
    """A file under ../shared/realdata, or a skip saying it is absent."""
    path = REALDATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} is absent (../shared/realdata is not beside the project)")
    return path


def run_workflow(
    input_dir: Path, output_dir: Path, *extra: str, cores: int = 2, check: bool = True, config: dict | None = None
) -> subprocess.CompletedProcess:
    """Run the real workflow in a subprocess from the project root, as a user would."""
    settings = {"input_dir": str(input_dir), "output_dir": str(output_dir), **(config or {})}
    args = [SNAKEMAKE, "--cores", str(cores), "--resources", "gpu=1", "--config"]
    args += [f"{key}={value}" for key, value in settings.items()]
    args += list(extra)
    env = {**os.environ, "PYANNOTE_METRICS_ENABLED": "0", "HF_HUB_OFFLINE": "1"}
    result = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, env=env, check=False)
    if check and result.returncode != 0:
        raise AssertionError(
            f"snakemake failed ({result.returncode}):\n{result.stdout[-3000:]}\n{result.stderr[-6000:]}"
        )
    return result


def read_manifest(movie_dir: Path) -> dict:
    return json.loads((movie_dir / "manifest.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def demo_film(tmp_path_factory) -> Path:
    """The demo film (two espeak voices, ~21 s) in its own input folder, with its script beside it."""
    from bench.synth import make_film

    folder = tmp_path_factory.mktemp("demo_in")
    film = folder / "The Night Train (2024).mkv"
    make_film(film)
    return film
