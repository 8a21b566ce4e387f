"""Faults of the surroundings, not of the film: a read-only or full output dir, titles that aim
outside it, and file names that must never reach a shell. Each real, each a few seconds."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

from manifest_lib.report import verify_movie
from tests.conftest import ROOT
from tests.faults import media
from tests.faults.conftest import (
    TRACEBACK,
    Workflow,
    assert_agreement,
    assert_one_line_failure,
    assert_stage_failed,
    manifest,
)


def test_read_only_output_dir_is_one_line_and_writes_nothing(tmp_path: Path, tmpfs):
    read_only = tmpfs("1m", read_only=True)
    film = media.silent_film(tmp_path / "in" / "Quiet (2020).mkv", seconds=1.0)
    run = Workflow(film.parent, read_only / "out").run()
    assert run.returncode == 1
    lines = [line for line in run.console.splitlines() if line.startswith("subflow: ")]
    assert lines == [f"subflow: cannot write the run record in output_dir {read_only}/out: Read-only file system"]
    assert TRACEBACK not in run.console and 'File "' not in run.console
    assert not list(read_only.iterdir())
    assert film.stat().st_size > 0


def test_full_disk_fails_the_stage_that_fills_it_and_leaves_no_partial_file(tmp_path: Path, tmpfs):
    """The output dir is a 400 kB tmpfs; the film's 30 s of audio decode to 960 kB of PCM."""
    small = tmpfs("400k")
    film = media.silent_film(tmp_path / "in" / "Long Silence (2020).mkv", seconds=30.0)
    workflow = Workflow(film.parent, small / "out")
    run = workflow.run()
    movie = workflow.movie("Long_Silence_2020")
    target = movie / "audio" / "audio.wav"
    assert run.returncode == 1
    assert_one_line_failure(run, "demux", movie.name, f"cannot write {target}: no space left on device")
    assert_stage_failed(movie, "demux", f"cannot write {target}: no space left on device")
    assert not target.exists() and not list(movie.rglob("*.partial")), "the half-written audio is removed"
    assert not [p for p in verify_movie(movie) if "stale" in p or "schema" in p]
    assert_agreement(workflow)


def test_title_cannot_leave_the_output_dir(tmp_path: Path):
    """A movies sheet is the one place a user types a title: ``../`` names stay inside output_dir."""
    film = media.empty_file(tmp_path / "films" / "x.mkv")
    sheet = tmp_path / "movies.tsv"
    sheet.write_text(f"path\ttitle\tyear\n{film}\t../../../escape\t2020\n", encoding="utf-8")
    workflow = Workflow(tmp_path / "no_input_dir", tmp_path / "out", config={"movies": str(sheet)})
    summary = subprocess.run(workflow.args("--summary"), cwd=ROOT, capture_output=True, text=True, check=True).stdout
    paths = [Path(line.split("\t")[0]) for line in summary.splitlines()[1:] if line.strip()]
    assert paths and all(p.resolve().is_relative_to((tmp_path / "out").resolve()) for p in paths), paths
    assert {p.relative_to(tmp_path / "out").parts[0] for p in paths} == {"escape_2020"}

    sheet.write_text(f"path\ttitle\tyear\n{film}\t../..\t\n", encoding="utf-8")
    run = workflow.run()
    assert run.returncode == 1 and "cannot derive a folder name from title '../..'" in run.console
    assert TRACEBACK not in run.console and not (tmp_path / "out").exists()


SHELL_CALLS = re.compile(r"shell\s*=\s*True|os\.system\(|os\.popen\(|getstatusoutput\(|getoutput\(|pty\.spawn\(")


def test_no_shell_string_anywhere_only_argument_lists():
    """Every subprocess in the workflow, its stages and the manifest tools takes an argument list."""
    sources = [*ROOT.glob("subflow/*.py"), *ROOT.glob("scripts/*.py"), *ROOT.glob("manifest_lib/*.py")]
    assert len(sources) > 30
    offenders = [f"{p.relative_to(ROOT)}: {m.group(0)}" for p in sources for m in SHELL_CALLS.finditer(p.read_text())]
    assert not offenders, offenders
    for path in sources:  # subprocess.run/Popen/call/check_* never get a plain string command
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", "") in {
                "run",
                "Popen",
                "call",
                "check_call",
                "check_output",
            }:
                if getattr(node.func.value, "id", "") == "subprocess" and node.args:
                    assert not isinstance(node.args[0], (ast.Constant, ast.JoinedStr, ast.BinOp)), (
                        f"{path}:{node.lineno}"
                    )
    rules = [ROOT / "Snakefile", *ROOT.glob("rules/*.smk")]
    directives = [
        f"{p.name}: {m.group(0)}" for p in rules for m in re.finditer(r"^\s+(shell|run):", p.read_text(), re.M)
    ]
    assert not directives, f"a rule runs a shell command or inline code: {directives}"


def test_movie_folder_names_never_need_quoting():
    from subflow.naming import parse_film_name

    for name in [
        "-rf $(rm -rf ~) `id` ; | & (2020).mkv",
        "../../../etc/passwd (1999).mkv",
        "Ünïcødé «film» (2001).mkv",
    ]:
        folder = parse_film_name(name).folder
        assert re.fullmatch(r"\w+", folder) and ".." not in folder, folder


def test_manifest_records_the_pending_reason_schema(tmp_path: Path):
    """A stage marked pending keeps a valid manifest: the schema knows the status (unit level)."""
    from manifest_lib import PipelineManifest, StageManifest, schema_errors

    movie = tmp_path / "M"
    output = media.empty_file(movie / "a.txt")
    output.write_text("x")
    with StageManifest("demux", movie) as stage:
        stage.add_output("audio", output)
    output.unlink()
    assert PipelineManifest(movie).mark_pending("demux", "Snakemake reruns it: output files have to be generated")
    data = manifest(movie)
    assert not schema_errors(data)
    entry = data["stages"]["demux"]
    assert entry["status"] == "pending" and entry["outputs"]["audio"]["exists"] is False
    assert data["pipeline"]["pending_stages"] == ["demux"] and data["pipeline"]["completed_stages"] == []
    assert not PipelineManifest(movie).is_stage_completed("demux")
    with StageManifest("demux", movie) as stage:
        output.write_text("y")
        stage.add_output("audio", output)
    entry = manifest(movie)["stages"]["demux"]
    assert entry["attempt"] == 2 and entry["history"][0]["status"] == "success" and "pending" not in entry


CTRL_C_AT_RECORD = """
import logging, os, signal, sys
from types import SimpleNamespace
from pathlib import Path
from subflow.stage import run_stage

class CtrlCWhenRunning(logging.Handler):  # Ctrl-C the instant the "running" record is written
    def emit(self, record):
        if "running (attempt" in record.getMessage():
            os.kill(os.getpid(), signal.SIGINT)

out = Path(sys.argv[1])
job = SimpleNamespace(log=[str(out / "M" / "logs" / "s.log")], config={"output_dir": str(out)},
                      wildcards=SimpleNamespace(movie="M"), threads=1, rule="s", output=[])
def work(ctx):
    raise AssertionError("the stage body must not run after Ctrl-C")
import subflow.stage as stage_module
real_logger = stage_module.file_logger
def logger_with_trap(name, log_file):
    logger = real_logger(name, log_file)
    logger.addHandler(CtrlCWhenRunning())
    return logger
stage_module.file_logger = logger_with_trap
run_stage("s", work, job)
"""


def test_ctrl_c_the_instant_the_running_record_is_written_is_recorded(tmp_path: Path):
    """A real SIGINT between the ``running`` record and the stage body still ends ``failed``, exit 130."""
    script = tmp_path / "stage.py"
    script.write_text(CTRL_C_AT_RECORD)
    result = subprocess.run(
        [sys.executable, str(script), str(tmp_path / "out")], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 130, result.stderr
    assert result.stderr.strip().startswith("subflow: s failed for M: interrupted (Ctrl-C)"), result.stderr
    entry = manifest(tmp_path / "out" / "M")["stages"]["s"]
    assert entry["status"] == "failed" and entry["error"]["type"] == "KeyboardInterrupt"


def test_agreement_rule_complete_exactly_when_snakemake_would_not_rerun(tmp_path: Path):
    """The comparison itself, on a hand-made manifest and plan (the scenarios run it on real ones)."""
    from manifest_lib import StageManifest
    from subflow.agreement import Planned, compare

    movie = tmp_path / "out" / "M"
    out = media.empty_file(movie / "o.txt")
    for stage in ("done", "done_but_rerun", "skipped"):
        with StageManifest(stage, movie) as entry:
            entry.add_output("o", out)
            if stage == "skipped":
                entry.skip("optional")
    try:
        with StageManifest("failed", movie):
            raise RuntimeError("boom")
    except RuntimeError:
        pass
    plan = {
        ("M", "done"): Planned(False, ("ok",)),
        ("M", "done_but_rerun"): Planned(True, ("ok",)),
        ("M", "skipped"): Planned(False, ("ok",)),
        ("M", "failed"): Planned(True, ("missing",)),
        ("M", "never_started"): Planned(True, ("missing",)),
        ("M", "counted_done_by_snakemake"): Planned(False, ("ok",)),
    }
    (report,) = compare(tmp_path / "out", plan)
    assert {s.stage for s in report.disagreements} == {"done_but_rerun", "counted_done_by_snakemake"}
    assert "manifest says success, but Snakemake would run it again" in " ".join(report.lines())
    assert "manifest says absent, but Snakemake counts it done" in " ".join(report.lines())
