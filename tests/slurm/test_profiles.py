"""The three profiles as Snakemake reads them, and bench/derive_resources.py; no cluster needed."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from snakemake.profiles import ProfileConfigFileParser

from bench import derive_resources
from tests.conftest import ROOT, SNAKEMAKE
from tests.slurm.conftest import clean_env

PROFILES = ROOT / "profiles"
RULES = derive_resources.rule_infos(ROOT / "rules")
GPU_RULES = sorted(rule for rule, info in RULES.items() if info.gpu)
ENV_VARS = ("SUBFLOW_SLURM_ACCOUNT", "SUBFLOW_SLURM_PARTITION", "SUBFLOW_SLURM_GPU_PARTITION")


def profile(name: str) -> dict:
    """The profile's options as Snakemake's own parser hands them to the command line (yte evaluated)."""
    path = PROFILES / name / "config.yaml"
    with path.open(encoding="utf-8") as stream:
        return dict(ProfileConfigFileParser().parse(stream))


def pairs(values: list[str]) -> dict[str, str]:
    return dict(value.split("=", 1) for value in values)


def per_rule(values: list[str]) -> dict[str, dict[str, str]]:
    table: dict[str, dict[str, str]] = {}
    for value in values:
        rule, setting = value.split(":", 1)
        key, raw = setting.split("=", 1)
        table.setdefault(rule, {})[key] = raw
    return table


@pytest.fixture
def no_slurm_env(monkeypatch):
    for name in ENV_VARS:
        monkeypatch.delenv(name, raising=False)


def test_rules_parsed():
    assert {"demux", "asr", "mux"} <= set(RULES)
    assert "asr" in GPU_RULES and RULES["asr"].reads_audio and not RULES["mux"].reads_audio


def test_user_profile_covers_every_rule_with_measured_resources(no_slurm_env):
    options = profile("slurm")
    assert options["executor"] == "slurm"
    resources = per_rule(options["set-resources"])
    for rule, values in resources.items():
        assert {"mem_mb", "runtime"} <= set(values), rule
        assert values["mem_mb"].endswith("* attempt") and values["runtime"].endswith("* attempt"), rule
    for rule in GPU_RULES:
        assert resources[rule]["gpu"] == "1", rule
        assert int(resources[rule]["cpus_per_gpu"]) == RULES[rule].threads, rule
        assert "slurm_partition" not in resources[rule], "no GPU partition set, yet one is asked for"
    defaults = pairs(options["default-resources"])
    assert {"mem_mb", "runtime"} <= set(defaults)
    assert "cpus_per_task" not in defaults, "cpus_per_task would override cpus_per_gpu for the GPU stages"
    assert "slurm_account" not in defaults and "slurm_partition" not in defaults
    assert pairs(options["set-resource-scopes"]) == {"gpu": "local"}
    assert int(options["retries"]) >= 1
    assert "slurm-init-seconds-before-status-checks" not in options, "the user profile keeps the plugin's 40 s"


def test_user_profile_takes_account_and_partitions_from_the_environment(monkeypatch):
    monkeypatch.setenv("SUBFLOW_SLURM_ACCOUNT", "proj42")
    monkeypatch.setenv("SUBFLOW_SLURM_PARTITION", "cpu")
    monkeypatch.setenv("SUBFLOW_SLURM_GPU_PARTITION", "gpu-a100")
    options = profile("slurm")
    defaults = pairs(options["default-resources"])
    assert defaults["slurm_account"] == "proj42" and defaults["slurm_partition"] == "cpu"
    resources = per_rule(options["set-resources"])
    assert all(resources[rule]["slurm_partition"] == "gpu-a100" for rule in GPU_RULES)
    assert all("slurm_partition" not in values for rule, values in resources.items() if rule not in GPU_RULES)
    monkeypatch.delenv("SUBFLOW_SLURM_GPU_PARTITION")
    resources = per_rule(profile("slurm")["set-resources"])
    assert all(resources[rule]["slurm_partition"] == "cpu" for rule in GPU_RULES)


def test_test_profile_fits_the_single_node_cluster():
    options = profile("slurm-test")
    assert options["executor"] == "slurm"
    assert int(options["slurm-init-seconds-before-status-checks"]) < 40
    assert options["slurm-status-command"] == "squeue"
    assert int(options["max-threads"]) <= 2
    assert pairs(options["set-resource-scopes"]) == {"gpu": "local"}
    resources = per_rule(options["set-resources"])
    for rule in GPU_RULES:
        assert resources[rule]["gpu"] == "0", f"{rule} would ask the GPU-less test node for --gpus=1"
    memory = [int(pairs(options["default-resources"])["mem_mb"])] + [
        int(v["mem_mb"]) for v in resources.values() if "mem_mb" in v
    ]
    assert max(memory) <= 2048


def test_local_profile():
    options = profile("local")
    assert "gpu=1" in options["resources"]
    assert options["rerun-incomplete"] == "True" and options["printshellcmds"] == "False"
    assert int(options["latency-wait"]) >= 1
    assert "executor" not in options


def test_user_profile_dry_run_gives_every_job_measured_resources(demo_film: Path, tmp_path: Path):
    """Every job a plain run submits has its own measured mem_mb/runtime (a new stage fails this until
    bench/derive_resources.py is rerun); localrules run on the submit host and need none."""
    env = clean_env(SUBFLOW_SLURM_ACCOUNT="proj42", SUBFLOW_SLURM_GPU_PARTITION="gpu-a100")
    result = subprocess.run(
        [
            SNAKEMAKE,
            "--profile",
            str(PROFILES / "slurm"),
            "-n",
            "--config",
            f"input_dir={demo_film.parent}",
            f"output_dir={tmp_path / 'out'}",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    jobs = {block.split(":", 1)[0]: block for block in result.stdout.split("\nrule ")[1:]}  # not `localrule`
    jobs.pop("all", None)  # the target rule: no job (a dry run prints it as `rule all`)
    assert {"demux", "asr", "mux"} <= set(jobs)
    measured = per_rule(profile_with_env(SUBFLOW_SLURM_GPU_PARTITION="gpu-a100")["set-resources"])
    missing = sorted(set(jobs) - set(measured))
    assert not missing, f"profiles/slurm has no measured resources for {missing}: rerun bench/derive_resources.py"
    for rule, block in jobs.items():
        assert f"mem_mb={int(measured[rule]['mem_mb'].split()[0])}," in block, rule
        assert f"runtime={int(measured[rule]['runtime'].split()[0])}" in block, rule
        assert "slurm_account=proj42" in block, rule
    for rule in set(GPU_RULES) & set(jobs):
        assert "gpu=1" in jobs[rule] and "slurm_partition=gpu-a100" in jobs[rule], rule
    assert not (tmp_path / "out").exists()


def profile_with_env(**env: str) -> dict:
    with pytest.MonkeyPatch.context() as patch:
        for name in ENV_VARS:
            patch.delenv(name, raising=False)
        for name, value in env.items():
            patch.setenv(name, value)
        return profile("slurm")


def write_bench(root: Path, movie: str, audio_s: float, rows: dict[str, tuple[float, float]]) -> None:
    folder = root / movie
    (folder / "benchmarks").mkdir(parents=True)
    (folder / "audio").mkdir()
    (folder / "audio" / "metadata.json").write_text(f'{{"duration_seconds": {audio_s}}}')
    for rule, (seconds, rss) in rows.items():
        (folder / "benchmarks" / f"{rule}.tsv").write_text(
            "s\th:m:s\tmax_rss\tmax_vms\tmax_uss\tmax_pss\tio_in\tio_out\tmean_load\tcpu_time\n"
            f"{seconds}\t0:00:00\t{rss}\t0\t0\t0\t0\t0\t0\t0\n"
        )


def test_derive_resources_fits_and_writes_the_profile_block(tmp_path: Path):
    write_bench(tmp_path / "a", "Short_2020", 20.0, {"asr": (4.0, 700.0), "mux": (0.5, 0.1)})
    write_bench(tmp_path / "b", "Long_2021", 220.0, {"asr": (24.0, 1200.0), "mux": (0.7, 70.0)})
    profile_copy = tmp_path / "config.yaml"
    shutil.copy(PROFILES / "slurm" / "config.yaml", profile_copy)
    code = derive_resources.main(
        [
            str(tmp_path / "a"),
            str(tmp_path / "b"),
            "--film-hours",
            "1",
            "--update",
            str(profile_copy),
            "--json",
            str(tmp_path / "figures.json"),
        ]
    )
    assert code == 0
    figures = json.loads((tmp_path / "figures.json").read_text())["rules"]
    asr = figures["asr"]
    assert asr["fit_intercept_s"] == pytest.approx(2.0) and asr["fit_slope"] == pytest.approx(0.1)
    assert asr["predicted_s"] == pytest.approx(362.0)
    assert asr["runtime_min"] == 15  # 2 x 362 s = 12.1 min, floor 15
    # 1.5 x 1200 MB + 1 h of 16 kHz float32 (219.7 MiB), rounded up to 256
    assert asr["mem_mb"] == 2048
    assert figures["mux"]["mem_mb"] == 512  # floor
    text = profile_copy.read_text()
    assert text.count(derive_resources.BEGIN) == 1 and text.count(derive_resources.END) == 1
    assert "    mem_mb: 2048 * attempt\n    runtime: 15 * attempt\n    gpu: 1\n    cpus_per_gpu: 4" in text
    assert (
        text.split(derive_resources.BEGIN)[0]
        == (PROFILES / "slurm" / "config.yaml").read_text().split(derive_resources.BEGIN)[0]
    )
