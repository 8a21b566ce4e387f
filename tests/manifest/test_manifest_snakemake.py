"""Under a real Snakemake ``script:`` job: the job is detected, its outputs checked and recorded."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from tests.manifest.helpers import env, view

SNAKEFILE = """\
rule good:
    output:
        "out/{movie}/extra.txt",
        named="out/{movie}/good.txt",
    threads: 2
    script:
        "good.py"


rule bad:
    output:
        "out/{movie}/bad.txt",
    script:
        "bad.py"
"""

GOOD = """\
from pathlib import Path
from manifest_lib import StageManifest

with StageManifest("good", Path(snakemake.output.named).parent) as manifest:  # snakemake found in __main__
    for path in snakemake.output:
        Path(path).write_text("ok")
    manifest.add_output("named", snakemake.output.named, "the named output")
"""

BAD = """\
from pathlib import Path
from manifest_lib import StageManifest

with StageManifest("bad", Path(snakemake.output[0]).parent, snakemake=snakemake):
    pass  # forgets to write its output
"""


def test_snakemake_job_outputs_are_checked_and_recorded(tmp_path: Path):
    for name, text in {"Snakefile": SNAKEFILE, "good.py": GOOD, "bad.py": BAD}.items():
        (tmp_path / name).write_text(textwrap.dedent(text))
    snakemake = Path(sys.executable).with_name("snakemake")
    result = subprocess.run(
        [str(snakemake), "--cores", "2", "--keep-going", "out/M/good.txt", "out/M/bad.txt"],
        cwd=tmp_path,
        env=env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0  # the bad job fails
    movie = tmp_path / "out" / "M"
    stages = view(movie)["stages"]

    good = stages["good"]
    assert good["status"] == "success", good
    assert good["execution"]["snakemake_rule"] == "good" and good["execution"]["threads"] == 2
    assert good["outputs"]["named"]["description"] == "the named output"
    assert good["outputs"]["output_0"] == {
        "path": str(movie / "extra.txt"),
        "exists": True,
        "size_bytes": 2,
        "description": None,
    }

    bad = stages["bad"]
    assert bad["status"] == "failed" and bad["execution"]["snakemake_rule"] == "bad"
    assert bad["error"] == {
        "message": f"declared output 'output_0' does not exist: {movie / 'bad.txt'}",
        "type": "MissingOutputError",
    }
