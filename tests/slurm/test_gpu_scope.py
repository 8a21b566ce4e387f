"""How many `gpu=1` jobs run at once on SLURM: the scope profiles/slurm chooses (local) against the default (global).

Snakemake counts a global resource in the main process across every submitted job: with `--resources
gpu=1` (what a workstation run uses) only one GPU job would be in flight on the whole cluster. With
`set-resource-scopes: gpu=local` the main process counts nothing; every GPU job asks SLURM for its own
GPU (`--gpus=1`) and SLURM runs as many as it has GPUs. Needs a cluster with at least 2 gpu GRES
(ci/slurm_up.sh adds 2 fake ones: files, no CUDA); skips otherwise.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.slurm.conftest import Cluster, run_snakemake, snakemake_args

pytestmark = [pytest.mark.slurm, pytest.mark.slow]

TOY = """
rule all:
    input: expand("gpu_{i}.txt", i=[1, 2])

rule gpu_job:
    output: "gpu_{i}.txt"
    threads: 1
    resources: gpu=1
    shell: "s=$(date +%s.%N); sleep 4; echo $s $(date +%s.%N) $SLURM_JOB_ID ${{CUDA_VISIBLE_DEVICES-none}} > {output}"
"""


def gpus(gres: str) -> int:
    match = re.search(r"gpu(?::[^:,(]+)?:(\d+)", gres)
    return int(match.group(1)) if match else 0


def run_toy(folder: Path, *extra: str) -> list[list[str]]:
    folder.mkdir()
    (folder / "Snakefile").write_text(TOY)
    result, _ = run_snakemake(
        snakemake_args(
            "--snakefile", str(folder / "Snakefile"), "--directory", str(folder), "--resources", "gpu=1", *extra
        ),
        cwd=folder,
        timeout=300,
    )
    assert result.returncode == 0, (result.stdout + result.stderr)[-4000:]
    return [(folder / f"gpu_{i}.txt").read_text().split() for i in (1, 2)]


def overlap(a: list[str], b: list[str]) -> bool:
    return float(a[0]) < float(b[1]) and float(b[0]) < float(a[1])


def test_gpu_local_scope_lets_slurm_run_gpu_jobs_side_by_side(slurm_cluster: Cluster, tmp_path: Path):
    if gpus(slurm_cluster.gres) < 2:
        pytest.skip(f"the cluster's node has no 2 gpu GRES (Gres={slurm_cluster.gres}); ci/slurm_up.sh adds fake ones")
    # profiles/slurm-test, like profiles/slurm, sets gpu=local
    local = run_toy(tmp_path / "local")
    # SLURM sets CUDA_VISIBLE_DEVICES only for a job it gave a GPU (--gpus=1), each its own
    assert all(row[3] != "none" for row in local), f"a job got no GPU from SLURM: {local}"
    assert local[0][3] != local[1][3], f"both jobs on one GPU: {local}"
    assert overlap(*local), f"gpu=local: the two GPU jobs ran one after the other: {local}"

    glob = run_toy(tmp_path / "global", "--set-resource-scopes", "gpu=global")
    assert not overlap(*glob), f"gpu=global with --resources gpu=1: the two GPU jobs overlapped: {glob}"
