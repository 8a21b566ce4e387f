"""Issue 7's run scenarios on one film, in order, each ending with manifest.json and Snakemake agreeing.

The film has a hostile name (spaces, quotes, unicode, a leading dash, ``$(...)``, backticks, ``;``),
TMDB is a local server that wants a planted API key, and HF_TOKEN is planted too: every scenario
below runs with them, and the last test greps everything the runs wrote for the two secrets.

1. clean run → every stage done, agreement, verify
7. ``--forcerun asr`` → asr and every stage after it rerun; history keeps the earlier attempts
4+5. outputs deleted, then Ctrl-C (SIGINT to the process group) while pre_ner runs → ``failed``
   with the interrupt (exit status 130), the stages Snakemake will redo ``pending`` with
   ``exists: false``; resume converges
3+5. the film touched, then SIGKILL of the asr process → verify names the stale ``running`` asr;
   ``--rerun-incomplete`` converges, history says the attempt never recorded its end
3. SIGKILL of the whole run while mux writes the video → same, no half-written file left
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml

from subflow.io import STAGES
from subflow.naming import parse_film_name
from tests.conftest import ROOT
from tests.faults import media
from tests.faults.conftest import (
    Run,
    Workflow,
    assert_agreement,
    assert_one_line_failure,
    finish,
    manifest,
    remove_stale_locks,
    statuses,
    wait_for_stage,
)
from tests.media.inspect import subtitle_streams

pytestmark = pytest.mark.slow

NASTY_NAME = '-n "Don\'t" $(touch PWNED) ; `touch PWNED2` Ünïcødé (2024).mkv'
TMDB_KEY = "plantedTmdbKey-5d41402abc4b2a76b9719d91"
HF_TOKEN = "hf_plantedTokenQwErTy0123456789abcd"
AFTER_ASR = ["asr", "post_ner", "subtitles", "mux"]


@dataclass
class Scenario:
    workflow: Workflow
    film: Path
    movie: Path
    server: object
    runs: list[Run] = field(default_factory=list)

    def run(self, *extra: str) -> Run:
        result = self.workflow.run(*extra)
        self.runs.append(result)
        return result

    def finish(self, process: subprocess.Popen) -> Run:
        result = finish(process)
        self.runs.append(result)
        return result


@pytest.fixture(scope="module")
def scenario(tmp_path_factory) -> Scenario:
    from tests.names.tmdb_server import TmdbServer

    root = tmp_path_factory.mktemp("scenario")
    film = media.large_short_film(root / "in" / NASTY_NAME)
    assert film.stat().st_size > 1_000_000  # see large_short_film: touching it must count
    with TmdbServer(api_key=TMDB_KEY) as server:
        server.script("search", [500])  # one failed answer first: the retry path, URLs in exceptions
        configfile = root / "tmdb.yaml"
        configfile.write_text(
            yaml.safe_dump({"tmdb": {"base_url": server.base_url, "timeout_s": 2, "retries": 2, "backoff_s": 0.05}})
        )
        workflow = Workflow(root / "in", root / "out", configfile, env={"TMDB_API_KEY": TMDB_KEY, "HF_TOKEN": HF_TOKEN})
        movie = workflow.movie(parse_film_name(film).folder)
        scenario = Scenario(workflow, film, movie, server)
        scenario.run()
        yield scenario


def test_1_clean_run_every_stage_done_and_agrees(scenario: Scenario):
    first = scenario.runs[0]
    assert first.returncode == 0, first.console[-4000:]
    done = statuses(scenario.movie)
    assert set(done) == set(STAGES)
    assert all(done[s] == "success" for s in STAGES if s != "tmdb") and done["tmdb"] in ("success", "skipped"), done
    assert manifest(scenario.movie)["pipeline"]["status"] == "completed"
    assert_agreement(scenario.workflow)
    tracks = subtitle_streams(scenario.movie / "final_output.mkv")
    assert tracks == ["subrip,eng"]


def test_hostile_file_name_reaches_no_shell(scenario: Scenario):
    """The name went through ffprobe/ffmpeg (demux, mux), TMDB and the prompt: nothing ran it."""
    places = [
        ROOT,
        scenario.workflow.input_dir,
        scenario.workflow.output_dir,
        scenario.movie,
        Path.home(),
        Path("/tmp"),
    ]
    planted = [p / name for p in places for name in ("PWNED", "PWNED2")]
    assert not [p for p in planted if p.exists()], "a shell ran the file name"
    data = manifest(scenario.movie)
    assert data["input"]["file"] == str(scenario.film)
    assert scenario.movie.parent == scenario.workflow.output_dir and re.fullmatch(r"\w+", scenario.movie.name)
    assert scenario.server.raw_paths, "TMDB was asked (the title went over HTTP, quoted)"


def test_7_forcerun_asr_reruns_it_and_what_follows_keeping_history(scenario: Scenario):
    before = manifest(scenario.movie)["stages"]
    run = scenario.run("--forcerun", "asr")
    assert run.returncode == 0, run.console[-4000:]
    after = manifest(scenario.movie)["stages"]
    for stage in AFTER_ASR:
        assert after[stage]["status"] == "success"
        assert after[stage]["attempt"] == before[stage]["attempt"] + 1, stage
        previous = after[stage]["history"][-1]
        assert previous["attempt"] == before[stage]["attempt"] and previous["status"] == "success"
        assert previous["started_at"] == before[stage]["started_at"]
    for stage in set(STAGES) - set(AFTER_ASR):
        assert after[stage] == before[stage], f"{stage} was touched"
    assert "Forced execution" in run.console or "forced" in run.console
    assert_agreement(scenario.workflow)


def test_4_ctrl_c_after_deleting_outputs_then_resume(scenario: Scenario):
    movie = scenario.movie
    before = manifest(movie)["stages"]
    (movie / "transcription" / "transcript.json").unlink()
    (movie / "initial_prompt.txt").unlink()
    # The check sees the deletion at once: Snakemake would redo what the manifest still calls done.
    seen = {s.stage for m in scenario.workflow.agreement() for s in m.disagreements}
    assert {"pre_ner", "asr", "post_ner", "subtitles", "mux"} <= seen, seen

    process = scenario.workflow.start()
    wait_for_stage(movie, "pre_ner", "running", before["pre_ner"]["attempt"] + 1)
    os.killpg(process.pid, signal.SIGINT)  # Ctrl-C: the terminal signals the whole foreground group
    run = scenario.finish(process)
    assert run.returncode != 0
    assert "returned non-zero exit status 130" in run.console, run.console[-3000:]
    assert_one_line_failure(run, "pre_ner", movie.name, "interrupted (Ctrl-C)")

    data = manifest(movie)
    stages = data["stages"]
    assert stages["pre_ner"]["status"] == "failed"
    assert stages["pre_ner"]["error"] == {"message": "interrupted (Ctrl-C)", "type": "KeyboardInterrupt"}
    assert stages["asr"]["status"] == "pending" and stages["asr"]["outputs"]["transcript"]["exists"] is False
    assert "output files have to be generated" in stages["asr"]["pending"]["reason"]
    for stage in ["post_ner", "subtitles", "mux"]:
        assert stages[stage]["status"] == "pending", stage
        assert stages[stage]["pending"]["previous_status"] == "success"
    assert "asr" not in data["pipeline"]["completed_stages"] and data["pipeline"]["status"] == "interrupted"
    assert_agreement(scenario.workflow)

    resumed = scenario.run()
    assert resumed.returncode == 0, resumed.console[-4000:]
    stages = manifest(movie)["stages"]
    assert stages["pre_ner"]["status"] == "success"
    interrupted = stages["pre_ner"]["history"][-1]
    assert interrupted["status"] == "failed" and interrupted["error"]["type"] == "KeyboardInterrupt"
    for stage in AFTER_ASR:
        assert stages[stage]["status"] == "success" and stages[stage]["attempt"] == before[stage]["attempt"] + 1
        assert stages[stage]["history"][-1]["status"] == "success"  # the attempt marked pending had succeeded
    for stage in ["demux", "tmdb", "silero_vad", "pyannote_vad", "diarization"]:
        assert stages[stage] == before[stage], f"{stage} was rerun"
    assert_agreement(scenario.workflow)


def test_3_sigkill_asr_after_touching_the_film_then_rerun_incomplete(scenario: Scenario):
    movie = scenario.movie
    before = manifest(movie)["stages"]
    os.utime(scenario.film)  # the user touches the input
    seen = {s.stage for m in scenario.workflow.agreement() for s in m.disagreements}
    assert {"demux", "silero_vad", "asr", "mux"} <= seen and "tmdb" not in seen, seen

    process = scenario.workflow.start()
    running = wait_for_stage(movie, "asr", "running", before["asr"]["attempt"] + 1)
    pid = running["execution"]["pid"]
    os.kill(pid, signal.SIGKILL)  # the OOM killer, say: the stage dies without a word
    run = scenario.finish(process)
    assert run.returncode == 1 and "Traceback (most recent call last)" not in run.console

    stages = manifest(movie)["stages"]
    assert stages["asr"]["status"] == "running"
    for stage in ["demux", "silero_vad", "pyannote_vad"]:
        assert stages[stage]["status"] == "success" and stages[stage]["attempt"] == before[stage]["attempt"] + 1
    for stage in ["post_ner", "subtitles", "mux"]:
        assert stages[stage]["status"] == "pending", stage
    # diarization shares the one GPU slot with asr: it ran first, or it never ran and, its input having
    # come back byte-identical (Snakemake checksums files under 1 MB), was given back its success
    assert stages["diarization"]["status"] == "success"
    assert stages["tmdb"] == before["tmdb"] and stages["pre_ner"] == before["pre_ner"]

    # The CLI, as a user runs it: verify names the stale stage, and finds no disagreement with Snakemake.
    cli = subprocess.run(
        [
            sys.executable,
            "-m",
            "subflow",
            "verify",
            str(scenario.workflow.output_dir),
            "--snakemake-args",
            " ".join(map(quote, scenario.workflow.config_args())),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert cli.returncode == 1, cli.stdout + cli.stderr
    assert f"asr: stale: recorded as running by pid {pid}" in cli.stdout, cli.stdout
    assert "snakemake:" not in cli.stdout, cli.stdout
    assert_agreement(scenario.workflow, verify=False)

    resumed = scenario.run("--rerun-incomplete")
    assert resumed.returncode == 0, resumed.console[-4000:]
    stages = manifest(movie)["stages"]
    killed = stages["asr"]["history"][-1]
    assert killed["status"] == "failed" and f"pid {pid}" in killed["error"]["message"]
    assert all(stages[s]["status"] == "success" for s in STAGES if s != "tmdb")
    assert_agreement(scenario.workflow)


def test_3_sigkill_whole_run_while_mux_writes_the_video(scenario: Scenario):
    movie = scenario.movie
    before = manifest(movie)["stages"]
    (movie / "final_output.mkv").unlink()
    process = scenario.workflow.start()
    wait_for_stage(movie, "mux", "running", before["mux"]["attempt"] + 1)
    os.killpg(process.pid, signal.SIGKILL)  # the node dies: Snakemake and the stage at once
    process.communicate(timeout=60)

    assert statuses(movie)["mux"] == "running"
    from manifest_lib.report import verify_movie

    assert any(p.startswith("mux: stale: recorded as running by pid") for p in verify_movie(movie))
    assert_agreement(scenario.workflow, verify=False)

    refused = scenario.run("--rerun-incomplete")  # the dead run's lock is still there
    assert refused.returncode == 1 and "Directory cannot be locked" in refused.console
    assert remove_stale_locks(scenario.workflow), "the killed run left no lock?"  # = snakemake --unlock
    resumed = scenario.run("--rerun-incomplete")
    assert resumed.returncode == 0, resumed.console[-4000:]
    assert statuses(movie)["mux"] == "success"
    assert not list(movie.glob(".*.partial")), "a half-written file was left behind"
    assert_agreement(scenario.workflow)


def test_planted_secrets_are_never_written(scenario: Scenario):
    """TMDB_API_KEY and HF_TOKEN were in every run's environment: no file, log or console holds them."""
    assert any(TMDB_KEY in path for path in scenario.server.raw_paths), "the key was not even used"
    files = [p for p in scenario.workflow.output_dir.rglob("*") if p.is_file()]
    logs = {Path(m) for run in scenario.runs for m in re.findall(r"Complete log\(s\): (\S+)", run.console)}
    assert logs and all(log.exists() for log in logs)
    # Snakemake's own records (run logs, params and provenance per output): the secrets are unique to
    # this test, so any copy anywhere in them came from these runs.
    files += [p for p in (ROOT / ".snakemake").rglob("*") if p.is_file() and p.parts[-2] != "conda"]
    assert len(files) > 40 and any(p.suffix == ".tsv" for p in files)
    for secret in (TMDB_KEY, HF_TOKEN):
        leaked = [str(p) for p in files if secret.encode() in p.read_bytes()]
        leaked += [f"console of run {i}" for i, run in enumerate(scenario.runs) if secret in run.console]
        assert not leaked, f"secret written to {leaked}"


def quote(arg: str) -> str:
    import shlex

    return shlex.quote(arg)
