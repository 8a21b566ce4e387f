"""Run a stage script's ``work`` in this process with a real StageManifest (no Snakemake, no fd redirect)."""

from __future__ import annotations

import importlib.util
import json
import logging
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from manifest_lib import StageManifest
from subflow.stage import StageContext

ROOT = Path(__file__).resolve().parents[2]


def load_script(stage: str) -> Any:
    spec = importlib.util.spec_from_file_location(f"subflow_script_{stage}", ROOT / "scripts" / f"{stage}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_script(stage: str, movie_dir: Path, inputs: dict, outputs: dict, params: dict) -> dict:
    """Run scripts/<stage>.py's work(); return the stage's manifest entry. The log is movie_dir/logs/<stage>.log."""
    log_path = movie_dir / "logs" / f"{stage}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    logger = logging.getLogger(f"subflow.{stage}")
    logger.handlers.clear()
    handler = logging.FileHandler(log_path, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
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
            load_script(stage).work(StageContext(job, stage, movie_dir, manifest, logger))
    finally:
        handler.close()
        logger.handlers.clear()
    return json.loads((movie_dir / "manifest.json").read_text(encoding="utf-8"))["stages"][stage]
