"""The frame every stage script runs in: its log, its manifest entry, its exit code.

A stage script is a thin ``main(snakemake)`` that hands a work function to :func:`run_stage`.
The frame sends stderr (Python's and the C libraries') to the rule's log before anything else
runs, opens the stage's manifest entry, and turns any failure into one line on the console, the
full traceback in the log, a ``failed`` stage in the manifest and the design document's exit code.
"""

import logging
import os
import sys
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from manifest_lib import (
    ManifestError,
    StageManifest,
    error_record,
    exit_code_for,
    install_handlers,
    load_manifest,
    restore_handlers,
    signals_deferred,
)
from subflow.errors import StageError
from subflow.io import file_logger

__all__ = ["StageContext", "StageError", "run_stage"]


@dataclass
class StageContext:
    """What a stage's work function needs: Snakemake's job, the movie folder, manifest, logger."""

    snakemake: Any
    stage: str
    movie_dir: Path
    manifest: StageManifest
    logger: logging.Logger

    @property
    def threads(self) -> int:
        return int(self.snakemake.threads)

    def report_progress(self, fraction: float, message: str) -> None:
        """How far the work is, every few seconds (subflow.progress): in the log and the running manifest entry."""
        self.logger.info("progress: %s", message)
        self.manifest.set_progress(fraction, message)

    @property
    def film(self) -> str:
        """The input film, as the workflow recorded it in the manifest (for messages that name it)."""
        try:
            return str(((load_manifest(self.movie_dir) or {}).get("input") or {}).get("file") or self.movie_dir.name)
        except ManifestError:
            return self.movie_dir.name


def _redirect_stderr(log_path: Path) -> tuple[Any, Any]:
    """Point fd 2 and sys.stderr at the log; return (log file, a stream on the old stderr)."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log_file = open(log_path, "a", buffering=1, encoding="utf-8")
    console = os.fdopen(os.dup(2), "w", buffering=1, encoding="utf-8", errors="replace")
    os.dup2(log_file.fileno(), 2)
    sys.stderr = log_file
    return log_file, console


def movie_dir_of(snakemake: Any) -> Path:
    """The movie's output folder: ``{output_dir}/{movie}``."""
    return Path(snakemake.config["output_dir"]) / snakemake.wildcards.movie


def peak_rss_mb() -> float:
    """The largest resident size this stage's process, or a tool it ran (ffmpeg), has had: exact, where
    Snakemake's ``benchmark:`` samples only every 30 s after a job's first half minute."""
    import resource

    return round(
        max(resource.getrusage(who).ru_maxrss for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)) / 1024, 1
    )


def run_stage(stage: str, work: Callable[[StageContext], None], snakemake: Any) -> None:
    """Run ``work`` as stage ``stage`` of the movie Snakemake is building; exit on failure."""
    log_path = Path(snakemake.log[0])
    log_file, console = _redirect_stderr(log_path)
    logger = file_logger(f"subflow.{stage}", log_file)
    movie_dir = movie_dir_of(snakemake)
    logger.info("stage %s for %s (threads=%s)", stage, movie_dir.name, snakemake.threads)
    work_error: BaseException | None = None
    # Ctrl-C/SIGTERM are held back from before the stage's "running" record is written until the
    # ``with`` body runs: one arriving in between would otherwise leave "running" behind, unrecorded.
    handlers = install_handlers()
    hold: Any = signals_deferred()
    hold.__enter__()
    try:
        with StageManifest(stage, movie_dir, logger, snakemake=snakemake) as manifest:
            try:
                hold, held = None, hold
                held.__exit__(None, None, None)  # a signal held back is raised here, inside the record
                work(StageContext(snakemake, stage, movie_dir, manifest, logger))
                manifest.add_metadata("peak_rss_mb", peak_rss_mb())
            except BaseException as exc:
                work_error = exc
                raise
    except BaseException as exc:
        if hold is not None:  # the record could not even be opened: report that, not a signal held back
            try:
                hold.__exit__(None, None, None)
            except KeyboardInterrupt:
                pass
        # The stage's own error comes first; a second one raised while recording it (disk full) is added.
        primary = work_error if work_error is not None else exc
        code = exit_code_for(primary)
        if isinstance(primary, SystemExit) and primary.code in (0, None) and primary is exc:
            raise
        logger.error("stage failed:\n%s", traceback.format_exc())
        reason = error_record(primary)["message"]  # as the manifest words it: "interrupted (Ctrl-C)", …
        if exc is not primary:
            reason += f"; the manifest could not record it: {exc}"
        console.write(f"subflow: {stage} failed for {movie_dir.name}: {reason} (log: {log_path})\n")
        console.flush()
        sys.exit(code)
    finally:
        restore_handlers(handlers)
    logger.info("stage %s done", stage)
    exit_at_once(log_file, console)


def exit_at_once(*streams: Any) -> None:
    """End the stage's process as soon as it is recorded: the interpreter's own teardown (torch's takes
    about 0.3 s) is work nobody waits for, paid between every two stages of every film."""
    logging.shutdown()
    for stream in (sys.stdout, *streams):
        stream.flush()
    os._exit(0)
