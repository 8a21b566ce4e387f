"""The per-stage conda envs and requirements.in pin exactly what requirements.lock installs."""

import re
from pathlib import Path

import pytest
import yaml

from subflow.io import STAGES

ROOT = Path(__file__).resolve().parents[1]


def _canonical(name: str) -> str:
    return name.lower().replace("_", "-").replace(".", "-")


def _pins(lines) -> dict[str, str]:
    pins = {}
    for line in lines:
        line = line.split("#")[0].strip()
        if "==" in line:
            name, version = line.split("==")
            pins[_canonical(name)] = version.strip()
    return pins


LOCK = _pins((ROOT / "requirements.lock").read_text().splitlines())


@pytest.mark.parametrize("env_file", sorted((ROOT / "envs").glob("*.yaml")), ids=lambda p: p.name)
def test_env_pins_match_lock(env_file: Path):
    env = yaml.safe_load(env_file.read_text())
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict) and "pip" in d)
    pins = _pins(pip)
    assert pins, f"{env_file.name} pins nothing"
    mismatched = {name: (version, LOCK.get(name)) for name, version in pins.items() if LOCK.get(name) != version}
    assert not mismatched, f"{env_file.name} disagrees with requirements.lock: {mismatched}"


def test_requirements_in_matches_lock():
    pins = _pins((ROOT / "requirements.in").read_text().splitlines())
    mismatched = {name: (version, LOCK.get(name)) for name, version in pins.items() if LOCK.get(name) != version}
    assert not mismatched


def rule_envs() -> dict[str, str | None]:
    """Each rule of rules/*.smk → the env file its ``conda:`` names (None: the rule has none)."""
    found = {}
    for path in (ROOT / "rules").glob("*.smk"):
        for block in re.split(r"^rule ", path.read_text(), flags=re.M)[1:]:
            name = block.split(":", 1)[0].strip()
            env = re.search(r"^    conda:\n\s+\"\.\./envs/([\w.]+)\"", block, re.M)
            found[name] = env.group(1) if env else None
    return found


def test_every_rule_that_runs_a_script_has_its_own_env_and_every_env_a_rule():
    envs = rule_envs()
    scripted = {name for name in envs if (ROOT / "scripts" / f"{name}.py").exists()}
    assert "asr" in scripted and "library" in scripted, f"the rule files were not read: {sorted(envs)}"
    missing = {name: envs[name] for name in scripted if not envs[name] or not (ROOT / "envs" / envs[name]).exists()}
    assert not missing, f"rules without an existing conda env: {missing}"
    assert {stage: envs.get(stage) for stage in STAGES} == {stage: f"{stage}.yaml" for stage in STAGES}
    unused = {env.name for env in (ROOT / "envs").glob("*.yaml")} - set(envs.values())
    assert not unused, f"env files no rule uses: {sorted(unused)}"
