"""The demo film on the test SLURM cluster against a local run: wall times and, per job, sacct's overhead.

    .venv/bin/python -m bench.slurm_timings [--output FILE]   # needs the cluster of ci/slurm_up.sh

Figures, not checks (tests/slurm/test_slurm_demo.py checks the same runs); printed, and written to FILE.
"""

import argparse
import tempfile
import time
from datetime import datetime
from pathlib import Path

from bench.synth import make_film
from tests.conftest import read_manifest, run_workflow
from tests.slurm.conftest import Cluster, find_cluster, run_snakemake, sacct_lines, submitted_jobs, wait_for_sacct
from tests.slurm.test_slurm_demo import Run, slurm_command


def timings_report(slurm_run: Run, local_run: Run, slurm_cluster: Cluster) -> str:
    """The local and SLURM wall times of one film, and per job the SLURM overhead sacct shows."""
    lines: list[str] = []
    report = lines.append
    stages = read_manifest(slurm_run.movie_dir)["stages"]
    jobs = len(slurm_run.job_ids)
    report(
        f"cluster: partition {slurm_cluster.partition}, node {slurm_cluster.node}, {slurm_cluster.cpus} CPUs, "
        f"{slurm_cluster.mem_mb} MB, accounting {'yes' if slurm_cluster.accounting else 'no'}"
    )
    report(
        f"demo film wall: local {local_run.wall_s:.1f} s (--cores 2), SLURM {slurm_run.wall_s:.1f} s ({jobs} jobs, "
        f"profiles/slurm-test); difference per job {(slurm_run.wall_s - local_run.wall_s) / max(jobs, 1):.1f} s"
    )
    if slurm_cluster.accounting:
        ids = list(slurm_run.job_ids)
        records = wait_for_sacct(ids)
        report(
            "per job: SLURM elapsed (sacct End-Start) - stage duration (manifest) = snakemake start-up in the job + srun"
        )
        overheads = []
        for job_id, rule in slurm_run.job_ids.items():
            record = records.get(job_id, {})
            try:
                elapsed = (
                    datetime.fromisoformat(record["End"]) - datetime.fromisoformat(record["Start"])
                ).total_seconds()
            except (KeyError, ValueError):
                continue
            duration = stages[rule]["duration_seconds"] or 0.0
            overheads.append(elapsed - duration)
            report(
                f"  {rule:<13} job {job_id:>5}: elapsed {elapsed:5.0f} s, stage {duration:6.2f} s, in-job overhead {elapsed - duration:5.1f} s"
            )
        if overheads:
            report(f"  mean in-job overhead {sum(overheads) / len(overheads):.1f} s (sacct times are whole seconds)")
        report("sacct:")
        lines.extend("  " + line for line in sacct_lines(ids))
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, help="also write the report here")
    args = parser.parse_args()
    cluster = find_cluster()
    if isinstance(cluster, str):
        raise SystemExit(f"no SLURM cluster: {cluster}")
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        film = base / "in" / "The Night Train (2024).mkv"
        film.parent.mkdir()
        make_film(film)
        start = time.monotonic()
        run_workflow(film.parent, base / "local_out")
        local = Run(base / "local_out", time.monotonic() - start)
        result, wall = run_snakemake(slurm_command(film, base / "slurm_out", base / "slurm_logs"))
        if result.returncode != 0:
            raise SystemExit(f"the SLURM run failed:\n{(result.stdout + result.stderr)[-4000:]}")
        slurm = Run(
            base / "slurm_out", wall, result.stdout + result.stderr, submitted_jobs(result.stdout + result.stderr)
        )
        text = timings_report(slurm, local, cluster)
    print(text)
    if args.output:
        args.output.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
