"""Run a stage script's ``work`` in this process with a real StageManifest (no Snakemake, no fd redirect).

The scripts are what Snakemake's ``script:`` directive runs, so this is the one place that loads one by its
path (as Snakemake does); everything a script calls is tested through its subflow module."""

from __future__ import annotations

import json
import logging
import runpy
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from manifest_lib import StageManifest
from subflow.io import file_logger
from subflow.stage import StageContext

ROOT = Path(__file__).resolve().parents[1]


def script_work(stage: str) -> Any:
    """The ``work`` function of scripts/<stage>.py (its ``run_stage`` call is not run)."""
    return runpy.run_path(str(ROOT / "scripts" / f"{stage}.py"), run_name=f"subflow_script_{stage}")["work"]


def run_script(stage: str, movie_dir: Path, inputs: dict, outputs: dict, params: dict) -> dict:
    """Run scripts/<stage>.py's work(); return the stage's manifest entry. The log is movie_dir/logs/<stage>.log."""
    log_path = movie_dir / "logs" / f"{stage}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    handler = open(log_path, "a", encoding="utf-8")  # closed in the finally below
    logger = file_logger(f"subflow.{stage}", handler)
    logger.setLevel(logging.DEBUG)
    job = SimpleNamespace(
        input=SimpleNamespace(**inputs),
        output=SimpleNamespace(**outputs),
        params=SimpleNamespace(**params),
        wildcards=SimpleNamespace(movie=movie_dir.name),
        config={"output_dir": str(movie_dir.parent)},
        threads=1,
        log=[str(log_path)],
    )
    try:
        with StageManifest(stage, movie_dir, logger) as manifest:
            script_work(stage)(StageContext(job, stage, movie_dir, manifest, logger))
    finally:
        handler.close()
        logger.handlers.clear()
    return json.loads((movie_dir / "manifest.json").read_text(encoding="utf-8"))["stages"][stage]
