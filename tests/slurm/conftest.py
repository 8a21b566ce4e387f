"""A SLURM cluster for the `slurm` tests, or a skip that says why there is none.

CI starts a single-node cluster first (.ci/run → ci/slurm_up.sh); by hand: `sudo ci/slurm_up.sh`, then
`.venv/bin/python -m pytest -m slurm tests/slurm -s` (-s prints the timings and sacct lines), then
`sudo ci/slurm_down.sh`.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from subflow.io import offline_env
from tests.conftest import ROOT, SNAKEMAKE

TEST_PROFILE = ROOT / "profiles" / "slurm-test"
NEED_CPUS = 2  # the test profile's largest job (max-threads 2)
NEED_MEM_MB = 2048  # the test profile's largest job
SLURM_JOB_ENV = ("SLURM_JOB_ID", "SLURM_JOBID", "SLURM_CPUS_ON_NODE", "SLURM_NTASKS")


@dataclass
class Cluster:
    partition: str
    node: str
    cpus: int
    mem_mb: int
    gres: str
    accounting: bool  # sacct answers (slurmdbd)


def _run(args: list[str], timeout: float = 15) -> subprocess.CompletedProcess:
    return subprocess.run(args, capture_output=True, text=True, timeout=timeout, check=False)


def find_cluster() -> Cluster | str:
    """The cluster's default partition and a usable node, or why there is none."""
    if shutil.which("sinfo") is None or shutil.which("sbatch") is None:
        return "no SLURM client here (sinfo/sbatch not found); CI starts a cluster with ci/slurm_up.sh"
    try:
        result = _run(["sinfo", "-h", "-o", "%P|%n|%T|%c|%m|%G"])
    except subprocess.TimeoutExpired:
        return "sinfo did not answer within 15 s: no SLURM controller responding"
    if result.returncode != 0:
        return f"sinfo failed, no SLURM controller responding: {result.stderr.strip() or result.returncode}"
    rows = [line.split("|") for line in result.stdout.splitlines() if line.count("|") == 5]
    usable = [r for r in rows if r[2].rstrip("*~#$@") in ("idle", "mixed", "allocated", "completing")]
    if not usable:
        states = ", ".join(sorted({f"{r[1]}={r[2]}" for r in rows})) or "no nodes"
        return f"SLURM answers but no node takes jobs ({states})"
    default = [r for r in usable if r[0].endswith("*")] or usable
    partition, node, _, cpus, mem, gres = default[0]
    if int(cpus) < NEED_CPUS or int(mem.rstrip("+")) < NEED_MEM_MB:
        return f"node {node} has {cpus} CPUs and {mem} MB; profiles/slurm-test needs {NEED_CPUS} CPUs, {NEED_MEM_MB} MB"
    try:
        accounting = _run(["sacct", "-n", "-X", "-o", "JobID", "-S", "now-1minutes"]).returncode == 0
    except (subprocess.TimeoutExpired, FileNotFoundError):
        accounting = False
    return Cluster(partition.rstrip("*"), node, int(cpus), int(mem.rstrip("+")), gres, accounting)


@pytest.fixture(scope="session")
def slurm_cluster() -> Cluster:
    found = find_cluster()
    if isinstance(found, str):
        pytest.skip(f"no SLURM cluster: {found}")
    return found


def clean_env(**extra: str) -> dict[str, str]:
    """The environment for the main snakemake: offline models, and no SLURM job context to inherit."""
    return {k: v for k, v in offline_env(**extra).items() if k not in SLURM_JOB_ENV}


def snakemake_args(*extra: str, profile: Path = TEST_PROFILE) -> list[str]:
    return [SNAKEMAKE, "--profile", str(profile), *extra]


def run_snakemake(args: list[str], cwd: Path = ROOT, timeout: float = 420) -> tuple[subprocess.CompletedProcess, float]:
    """Run snakemake to its end; (result, wall seconds)."""
    start = time.monotonic()
    result = subprocess.run(
        args, cwd=cwd, capture_output=True, text=True, env=clean_env(), timeout=timeout, check=False
    )
    return result, time.monotonic() - start


SUBMITTED = re.compile(r"has been submitted with SLURM jobid (\d+) \(log: .*?/rule_(\w+)/")


def submitted_jobs(snakemake_output: str) -> dict[str, str]:
    """SLURM job id → rule, from the plugin's submission lines."""
    return {job_id: rule for job_id, rule in SUBMITTED.findall(snakemake_output)}


def local_rules(snakemake_output: str) -> set[str]:
    """Rules Snakemake ran on the submit host (localrules), besides `all`."""
    return set(re.findall(r"^localrule (\w+):", snakemake_output, re.M)) - {"all"}


def sacct_lines(job_ids: list[str]) -> list[str]:
    fields = "JobID,JobName%36,Partition,Account,State,ExitCode,Start,End,Elapsed,NodeList,AllocCPUS,ReqMem"
    result = _run(["sacct", "-X", "-j", ",".join(job_ids), "-o", fields], timeout=30)
    return result.stdout.rstrip().splitlines()


def sacct_records(job_ids: list[str]) -> dict[str, dict[str, str]]:
    """JobID → {State, Start, End, NodeList, AllocCPUS} from slurmdbd."""
    fields = ["JobID", "State", "Start", "End", "NodeList", "AllocCPUS"]
    result = _run(["sacct", "-X", "-P", "-n", "-j", ",".join(job_ids), "-o", ",".join(fields)], timeout=30)
    records = {}
    for line in result.stdout.splitlines():
        values = line.split("|")
        if len(values) == len(fields):
            records[values[0]] = dict(zip(fields, values))
    return records


def wait_for_sacct(job_ids: list[str], timeout_s: float = 30) -> dict[str, dict[str, str]]:
    """slurmdbd records a job's end a moment after it ends: wait until every job has an End."""
    deadline = time.monotonic() + timeout_s
    while True:
        records = sacct_records(job_ids)
        if all(job in records and records[job]["End"] not in ("", "Unknown") for job in job_ids):
            return records
        if time.monotonic() > deadline:
            return records
        time.sleep(1)
