"""Does manifest.json agree with Snakemake about what is done?

For every movie and stage: the manifest must count the stage complete (``success``, or ``skipped``
for an optional stage) exactly when Snakemake would not run it again.

Snakemake's view is ``snakemake --summary``: one row per output file with its rule and the plan,
``update pending`` exactly when the job would run (``dag.reason(job)`` is not empty: the same DAG
code that decides a real run — missing or incomplete output, newer input, changed params, code or
input set, a job upstream that reruns). It is a read-only planning pass like ``-n``, but one row per
file names rule and movie without parsing the human-oriented dry-run text. It runs with
``--rerun-incomplete``, as one must after a crash (without it Snakemake refuses to plan while a killed
job's incomplete marker is left), and ``--nolock``, since it writes nothing.

Used by ``python -m subflow verify`` (the workflow's side of ``python -m manifest_lib verify``), by the run
record (:mod:`subflow.run_record`) and by the fault tests.
"""

import os
import shlex
from dataclasses import dataclass, field
from pathlib import Path

from manifest_lib import COMPLETE_STATUSES, MANIFEST_NAME, ManifestError, movie_dirs, read_view
from subflow.runner import PROJECT_ROOT, run_snakemake, snakemake_command

PENDING_PLAN = "update pending"


@dataclass(frozen=True)
class Planned:
    """One job of Snakemake's plan: whether it would run, and the status of each of its outputs."""

    reruns: bool
    file_status: tuple[str, ...]


class SnakemakePlanError(RuntimeError):
    """Snakemake could not plan the workflow (bad config, unreadable Snakefile)."""


def snakemake_plan(
    output_dir: str | os.PathLike[str], snakemake_args: list[str], workflow_dir: str | os.PathLike[str] = PROJECT_ROOT
) -> dict[tuple[str, str], Planned]:
    """Snakemake's plan for every (movie, rule) under ``output_dir``, from ``snakemake --summary``."""
    args = ["--summary", "--rerun-incomplete", "--nolock", *snakemake_args]
    result = run_snakemake(args, workflow_dir)
    lines = result.stdout.splitlines()
    header = next((i for i, line in enumerate(lines) if line.startswith("output_file\t")), None)
    if result.returncode != 0 or header is None:
        tail = "\n".join((result.stderr or result.stdout).strip().splitlines()[-8:])
        raise SnakemakePlanError(f"{shlex.join(snakemake_command(*args))} failed (exit {result.returncode}):\n{tail}")
    columns = lines[header].split("\t")
    root = Path(workflow_dir, output_dir).resolve()
    rows: dict[tuple[str, str], list[tuple[bool, str]]] = {}
    for line in lines[header + 1 :]:
        cells = dict(zip(columns, line.split("\t")))
        if "rule" not in cells:
            continue
        path = Path(workflow_dir, cells["output_file"]).resolve()
        try:
            movie = path.relative_to(root).parts[0]
        except (ValueError, IndexError):
            continue  # not a movie's file
        rows.setdefault((movie, cells["rule"]), []).append((cells["plan"] == PENDING_PLAN, cells["status"]))
    return {key: Planned(any(r for r, _ in files), tuple(s for _, s in files)) for key, files in rows.items()}


@dataclass(frozen=True)
class StageAgreement:
    movie: str
    stage: str
    manifest_status: str | None  # None: the stage is not in the manifest (never started)
    snakemake_reruns: bool
    file_status: tuple[str, ...]

    @property
    def manifest_complete(self) -> bool:
        return self.manifest_status in COMPLETE_STATUSES

    @property
    def agrees(self) -> bool:
        return self.manifest_complete != self.snakemake_reruns

    def describe(self) -> str:
        said = self.manifest_status or "absent"
        files = ", ".join(sorted(set(self.file_status)))
        if not self.snakemake_reruns:
            return f"{self.stage}: manifest says {said}, but Snakemake counts it done (outputs: {files})"
        why = f"outputs: {files}"
        if set(self.file_status) == {"ok"}:
            why = "its outputs exist: an input is newer, its code or params changed, or a stage before it reruns"
        return f"{self.stage}: manifest says {said}, but Snakemake would run it again ({why})"


@dataclass
class MovieAgreement:
    movie: str
    movie_dir: Path
    stages: list[StageAgreement] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # manifest unreadable

    @property
    def disagreements(self) -> list[StageAgreement]:
        return [stage for stage in self.stages if not stage.agrees]

    @property
    def ok(self) -> bool:
        return not self.problems and not self.disagreements

    def lines(self) -> list[str]:
        return self.problems + [stage.describe() for stage in self.disagreements]


def compare(output_dir: str | os.PathLike[str], plan: dict[tuple[str, str], Planned]) -> list[MovieAgreement]:
    """Every movie of the plan (and every movie folder with a manifest) × every stage Snakemake knows."""
    root = Path(output_dir)
    movies = sorted({movie for movie, _ in plan} | {d.name for d in movie_dirs(root) if d.parent == root})
    report = []
    for movie in movies:
        movie_dir = root / movie
        result = MovieAgreement(movie, movie_dir)
        try:
            doc = read_view(movie_dir / MANIFEST_NAME, quarantine=False) or {"stages": {}}
        except ManifestError as exc:
            result.problems.append(str(exc))
            doc = {"stages": {}}
        for (planned_movie, stage), planned in sorted(plan.items()):
            if planned_movie == movie:
                entry = doc["stages"].get(stage) or {}
                result.stages.append(
                    StageAgreement(movie, stage, entry.get("status"), planned.reruns, planned.file_status)
                )
        report.append(result)
    return report


def check_agreement(
    output_dir: str | os.PathLike[str],
    snakemake_args: list[str] | None = None,
    workflow_dir: str | os.PathLike[str] = PROJECT_ROOT,
) -> list[MovieAgreement]:
    """Plan with Snakemake (default args: ``--config output_dir=OUTPUT_DIR``) and compare each manifest."""
    output_dir = os.path.abspath(output_dir)
    args = snakemake_args if snakemake_args is not None else ["--config", f"output_dir={output_dir}"]
    return compare(output_dir, snakemake_plan(output_dir, args, workflow_dir))
