"""The layers import in one direction: manifest_lib stands alone, and the workflow uses only its public API."""

import ast
import subprocess
import sys
from pathlib import Path

import manifest_lib
from tests.conftest import ROOT

WORKFLOW_CODE = [*ROOT.glob("subflow/**/*.py"), *ROOT.glob("scripts/*.py")]
RULE_FILES = [ROOT / "Snakefile", *ROOT.glob("rules/*.smk")]


def imports(path: Path) -> list[tuple[str, list[str]]]:
    """(module, names) of every import in a Python file, nested ones too (``import x`` gives names [])."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(alias.name, []) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.append((node.module, [alias.name for alias in node.names]))
    return found


def rule_file_imports(path: Path) -> list[tuple[str, list[str]]]:
    """The Python import lines of a Snakefile or rule file (the rest is Snakemake syntax)."""
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line.startswith(("import ", "from "))]
    return [entry for line in lines for entry in imports_of(line)]


def imports_of(source: str) -> list[tuple[str, list[str]]]:
    tree = ast.parse(source)
    return [(n.module, [a.name for a in n.names]) for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]


def test_manifest_lib_imports_nothing_of_the_workflow():
    offending = [
        f"{path.relative_to(ROOT)}: {module}"
        for path in ROOT.glob("manifest_lib/*.py")
        for module, _ in imports(path)
        if module.split(".")[0] in ("subflow", "scripts", "bench", "tests")
    ]
    assert not offending, offending


def test_manifest_lib_and_its_cli_run_without_subflow_loaded(tmp_path: Path):
    code = (
        "import sys\n"
        "from manifest_lib import StageManifest, status_table\n"
        "from manifest_lib.__main__ import main\n"
        f"with StageManifest('demux', {str(tmp_path / 'Film_2020')!r}):\n"
        "    pass\n"
        f"assert main(['status', {str(tmp_path)!r}]) == 0\n"
        f"assert main(['verify', {str(tmp_path)!r}]) == 0\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] == 'subflow')\n"
        "assert not loaded, loaded\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_workflow_uses_only_manifest_lib_s_public_api():
    public = set(manifest_lib.__all__)
    found = [(path, entry) for path in WORKFLOW_CODE for entry in imports(path)]
    found += [(path, entry) for path in RULE_FILES for entry in rule_file_imports(path)]
    assert any(module == "manifest_lib" for _, (module, _) in found), "the check found no import to check"
    offending = [
        f"{path.relative_to(ROOT)}: from {module} import {', '.join(names)}"
        for path, (module, names) in found
        if module.startswith("manifest_lib") and (module != "manifest_lib" or not set(names) <= public)
    ]
    assert not offending, offending


def test_scripts_are_adapters_that_import_no_other_script():
    offending = [
        f"{path.relative_to(ROOT)}: {module}"
        for path in ROOT.glob("scripts/*.py")
        for module, _ in imports(path)
        if module.split(".")[0] in ("scripts", "bench", "tests", "importlib")
    ]
    assert not offending, offending
