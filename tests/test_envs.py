"""The per-stage conda envs and requirements.in pin exactly what requirements.lock installs."""

from pathlib import Path

import pytest
import yaml

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


def test_every_rule_has_an_env():
    rules = "".join(p.read_text() for p in (ROOT / "rules").glob("*.smk"))
    for env in (ROOT / "envs").glob("*.yaml"):
        assert f'"../envs/{env.name}"' in rules, f"{env.name} is not used by any rule"
