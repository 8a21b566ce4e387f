"""The pipeline part of each film's run record, kept by the Snakefile's onstart/onsuccess/onerror hooks.

At the start: each film this run has jobs for gets its input recorded and its pipeline marked running, and
every stage Snakemake is about to run again is marked ``pending`` (so the manifest never counts as done what
Snakemake will redo). At the end: pending stages whose job did not run are settled against Snakemake's plan
as it is now, and each film's pipeline ends completed, failed or interrupted. Films without jobs in this run
keep their manifest as it is.
"""

import json
import os
import sys
import tempfile
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Any

from manifest_lib import ManifestError, PipelineManifest, load_manifest, read_view
from subflow.agreement import SnakemakePlanError, snakemake_plan
from subflow.films import Film
from subflow.media.container import final_output_name, output_container

INTERRUPTIONS = ("KeyboardInterrupt", "Terminated")


class RunRecord:
    """The films of one snakemake run and the pipeline status of each."""

    def __init__(
        self, output_dir: str, films: Mapping[str, Film], view_rules: Collection[str], container: str = "auto"
    ) -> None:
        self.output_dir = output_dir
        self.films = films
        self.container = container  # mux.container: which final_output each film ends with
        self.not_stages = {"all", *view_rules}
        self.movies: set[str] = set()  # the films this run has jobs for

    def movie_dir(self, movie: str) -> Path:
        return Path(self.output_dir) / movie

    def final_output(self, movie: str) -> Path:
        """The film's subtitled video: final_output.mp4 or final_output.mkv (subflow.media.container)."""
        return self.movie_dir(movie) / final_output_name(output_container(self.films[movie].path, self.container))

    def planned_jobs(self, dag: Any) -> list[tuple[str, str, str]]:
        """(movie, stage, Snakemake's reason) of every stage job the run will execute."""
        found = []
        for job in dag.needrun_jobs():
            movie = job.wildcards_dict.get("movie")
            if job.rule.name not in self.not_stages and movie in self.films:
                found.append((movie, job.rule.name, ", ".join(dag.reason(job).get_names()) or "scheduled"))
        return found

    def pending_stages(self, movies: Collection[str]) -> list[tuple[str, str]]:
        """(movie, stage) of every stage a manifest shows ``pending``."""
        found = []
        for movie in sorted(movies):
            try:
                data = read_view(self.movie_dir(movie) / "manifest.json", quarantine=False) or {"stages": {}}
            except ManifestError:  # unreadable: the stage that next writes it repairs it
                continue
            found += [(movie, stage) for stage, entry in data["stages"].items() if entry.get("status") == "pending"]
        return found

    def start(self, dag: Any) -> None:
        """onstart. A read-only or full output_dir is one line and exit 1 (Snakemake would add a traceback)."""
        try:
            planned = self.planned_jobs(dag)
            self.movies.update(movie for movie, _, _ in planned)
            for movie in sorted(self.movies):
                film = self.films[movie]
                manifest = PipelineManifest(self.movie_dir(movie))
                manifest.set_input(film.path, film.title, film.year)
                manifest.start()
            for movie, stage, reason in planned:
                PipelineManifest(self.movie_dir(movie)).mark_pending(stage, f"Snakemake reruns it: {reason}")
            rerun = {(movie, stage) for movie, stage, _ in planned}
            for movie, stage in self.pending_stages(self.films):  # left by a run killed before it settled them
                if (movie, stage) not in rerun:
                    PipelineManifest(self.movie_dir(movie)).settle_pending(stage)
        except OSError as error:
            out = os.path.normpath(self.output_dir)
            where = f" ({error.filename})" if error.filename and os.path.normpath(error.filename) != out else ""
            reason = error.strerror or error
            print(f"subflow: cannot write the run record in output_dir {out}: {reason}{where}", file=sys.stderr)
            raise SystemExit(1) from None

    def settle_pending(self, snakefile: str, config_overrides: Mapping[str, Any]) -> None:
        """A stage marked pending whose job did not run (the run failed or stopped first) may no longer need
        to: Snakemake does not rerun a job whose remade input is byte-identical (it checksums small files).
        Snakemake's plan as it is now decides; the stages it counts done get back the status they had."""
        waiting = self.pending_stages(self.movies)
        if not waiting:
            return
        with tempfile.TemporaryDirectory() as tmp:
            settings = Path(tmp) / "config.json"  # this run's --configfile/--config, merged (JSON is YAML)
            settings.write_text(json.dumps(dict(config_overrides), default=str))
            args = ["--snakefile", snakefile, "--configfile", str(settings)]
            try:
                plan = snakemake_plan(self.output_dir, args, os.getcwd())
            except (SnakemakePlanError, OSError) as error:
                print(f"subflow: pending stages stay pending, Snakemake could not plan again: {error}", file=sys.stderr)
                return
        for movie, stage in waiting:
            if (movie, stage) in plan and not plan[(movie, stage)].reruns:
                PipelineManifest(self.movie_dir(movie)).settle_pending(stage)

    def finish(self, success: bool, snakefile: str, config_overrides: Mapping[str, Any]) -> None:
        """onsuccess/onerror: completed where the final video exists, failed where a stage failed,
        interrupted where every failed stage was stopped by Ctrl-C or SIGTERM."""
        try:
            self.settle_pending(snakefile, config_overrides)
        except OSError as error:  # the run's own failure is what the user needs to see
            print(f"subflow: could not settle pending stages: {error}", file=sys.stderr)
        for movie in sorted(self.movies):
            movie_dir = self.movie_dir(movie)
            data = load_manifest(movie_dir)
            if data is None:
                continue
            failed = [data["stages"][stage] for stage in data["pipeline"]["failed_stages"]]
            if failed and all((entry["error"] or {}).get("type") in INTERRUPTIONS for entry in failed):
                PipelineManifest(movie_dir).finalize("interrupted")
            elif failed or (not success and not self.final_output(movie).exists()):
                PipelineManifest(movie_dir).finalize("failed")
            elif self.final_output(movie).exists():
                PipelineManifest(movie_dir).finalize("completed")
