"""Every manifest.json a manifest test leaves behind must validate against the shipped schema."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from manifest_lib import schema_errors


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "corrupt_ok: the test leaves a deliberately corrupt manifest.json")


@pytest.fixture(autouse=True)
def _manifests_validate(request: pytest.FixtureRequest, tmp_path: Path):
    yield
    if request.node.get_closest_marker("corrupt_ok"):
        return
    for path in sorted(tmp_path.rglob("manifest.json")):
        if path.is_file():
            errors = schema_errors(json.loads(path.read_bytes()))
            assert errors == [], f"{path} does not validate: {errors}"
