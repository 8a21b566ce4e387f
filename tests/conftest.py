"""Fixtures shared by every test folder: generated films, realdata, running the workflow."""

from __future__ import annotations

import json
import re
import signal
import subprocess
from pathlib import Path

import numpy as np
import pytest
import yaml

from subflow.io import SAMPLE_RATE
from subflow.runner import PROJECT_ROOT, run_snakemake, snakemake_executable

ROOT = PROJECT_ROOT
REALDATA = ROOT.parent / "shared" / "realdata"
SNAKEMAKE = snakemake_executable()
JOB_ROW = re.compile(r"^(\w+)\s+(\d+)$")

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
    args = ["--cores", str(cores), "--resources", "gpu=1", "--config"]
    args += [f"{key}={value}" for key, value in settings.items()]
    result = run_snakemake([*args, *extra])
    if check and result.returncode != 0:
        raise AssertionError(
            f"snakemake failed ({result.returncode}):\n{result.stdout[-3000:]}\n{result.stderr[-6000:]}"
        )
    return result


def job_table(snakemake_output: str) -> dict[str, int]:
    """The "Job stats" table a (dry) run prints: rule → number of jobs, without the total."""
    lines = snakemake_output.split("Job stats:", 1)[1].splitlines() if "Job stats:" in snakemake_output else []
    rows = dict(JOB_ROW.match(line.strip()).groups() for line in lines if JOB_ROW.match(line.strip()))
    counts = {rule: int(count) for rule, count in rows.items()}
    total = counts.pop("total", None)
    assert total == sum(counts.values()), f"the job table does not add up: {counts}, total {total}"
    return counts


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


@pytest.fixture(scope="session")
def config() -> dict:
    """config.yaml as written (every key has its default there)."""
    return yaml.safe_load((ROOT / "config.yaml").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def models(config) -> dict:
    """The packaged segmentation model and voice encoder, loaded once for the session."""
    import torch

    torch.set_num_threads(2)
    from subflow.diarization.embedding import VoiceEmbedder
    from subflow.models import load_segmentation_model

    return {
        "segmentation": load_segmentation_model(config["pyannote_vad"]["model"]),
        "embedder": VoiceEmbedder("cpu", rate=config["diarization"]["embedding_rate"]),
    }


@pytest.fixture(scope="session")
def silence() -> np.ndarray:
    return np.zeros(10 * SAMPLE_RATE, dtype=np.float32)
