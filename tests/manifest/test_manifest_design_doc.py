"""Every code sample of the design document, run as written against manifest_lib in real processes.

The samples are read from the document itself (docs/pipeline-manifest-tracking.md, checked against
../shared/seed when present). Changes: ``from manifest import`` becomes ``from manifest_lib
import``; the names a fragment takes from its surroundings (``movie_dir``, ``process_data``,
``logger``...) come from a short prelude; ``logger``/``config`` are the document's own helper
modules, given here as two tiny files. The shell samples run under bash with jq.
"""

from __future__ import annotations

import itertools
import json
import re
import shutil
import subprocess
import textwrap
from pathlib import Path
from typing import Any

import pytest

from manifest_lib import PipelineManifest, StageManifest, load_manifest
from tests.manifest.helpers import ROOT, env, make_file, run_python, view

DOC = ROOT / "docs" / "pipeline-manifest-tracking.md"
SHARED_DOC = ROOT.parent / "shared" / "seed" / "pipeline-manifest-tracking.md"


def code_blocks(text: str) -> list[tuple[str, str, str]]:
    """(heading, language, code) of every fenced block, under the heading it follows."""
    blocks, heading, lang, body = [], "", None, []
    for line in text.splitlines():
        if lang is None and line.startswith("#"):
            heading = line.lstrip("#").strip()
        elif line.startswith("```"):
            if lang is None:
                lang, body = line[3:].strip(), []
            else:
                blocks.append((heading, lang, "\n".join(body) + "\n"))
                lang = None
        elif lang is not None:
            body.append(line)
    return blocks


BLOCKS = code_blocks(DOC.read_text(encoding="utf-8"))
_SCRIPTS = itertools.count()


def sample(heading: str, lang: str = "python") -> str:
    (code,) = [code for h, language, code in BLOCKS if h == heading and language == lang]
    return code


STAGE_SNIPPETS = {
    "Stage 1: Demux": "demux",
    "Stage 2: TMDB": "tmdb",
    "Stage 3: Pre-NER": "pre_ner",
    "Stage 4: Silero VAD": "silero_vad",
    "Stage 5: PyAnnote VAD": "pyannote_vad",
    "Stage 6: Diarization": "diarization",
    "Stage 7: ASR": "asr",
    "Stage 8: Post-NER": "post_ner",
    "Stage 9: Subtitle Generation": "subtitles",
    "Stage 10: Mux": "mux",
}
SCRIPTS = {
    "Method 1: Context Manager (Recommended)",
    "Method 2: Manual Control",
    "Pattern 1: Using Context Manager",
    "Pattern 2: Explicit Try/Except",
    "Pattern 3: Return Codes",
    "From Python",
    "Pipeline Orchestrator Integration",
}
SHELL = {"From Shell", "Testing Manifest Tracking"}

# What every fragment takes from the script around it in the document (Method 1's imports).
PRELUDE = """\
import os
import sys
from pathlib import Path
from logger import setup_logger
from config import load_config
from manifest_lib import StageManifest, PipelineManifest
MODE = os.environ.get("SAMPLE_MODE", "ok")
logger = setup_logger("sample")
"""

STAGE_FILES = [
    "audio/audio.wav",
    "audio/metadata.json",
    "metadata/tmdb_data.json",
    "entities/pre_ner.json",
    "initial_prompt.txt",
    "vad/silero_segments.json",
    "vad/pyannote_segments.json",
    "diarization/speaker_segments.json",
    "transcription/transcript.json",
    "entities/post_ner.json",
    "subtitles/subtitles.srt",
    "final_output.mp4",
]


@pytest.fixture
def helpers(tmp_path: Path) -> Path:
    """The document's own ``logger`` and ``config`` modules (from /app/shared in the containers)."""
    folder = tmp_path / "shared"
    folder.mkdir()
    (folder / "logger.py").write_text(
        "import logging, sys\n"
        "def setup_logger(name, *args, **kwargs):\n"
        "    logging.basicConfig(stream=sys.stderr, level=logging.INFO)\n"
        "    return logging.getLogger(name)\n"
    )
    (folder / "config.py").write_text("def load_config(*args, **kwargs):\n    return {}\n")
    return folder


def run_sample(
    tmp_path: Path, helpers: Path, code: str, *args: str, mode: str = "ok", prelude: str = "", epilogue: str = ""
):
    """Write prelude + sample (import rewritten) + epilogue to a script and run it."""
    code = code.replace("from manifest import", "from manifest_lib import")
    script = tmp_path / f"sample_{next(_SCRIPTS)}.py"
    script.write_text(PRELUDE + textwrap.dedent(prelude) + "\n" + code + "\n" + textwrap.dedent(epilogue))
    return run_python(script, *args, cwd=tmp_path, PYTHONPATH=str(helpers), SAMPLE_MODE=mode)


def run_shell(code: str, cwd: Path) -> subprocess.CompletedProcess:
    if shutil.which("jq") is None:
        pytest.skip("jq is not installed")
    return subprocess.run(["bash", "-c", code], cwd=cwd, capture_output=True, text=True, env=env(), timeout=60)


def test_copy_of_the_design_document_is_current():
    if not SHARED_DOC.exists():
        pytest.skip(f"{SHARED_DOC} is absent")
    assert DOC.read_text(encoding="utf-8") == SHARED_DOC.read_text(encoding="utf-8")


def test_every_code_sample_is_run_by_a_test():
    runnable = {heading for heading, lang, _ in BLOCKS if lang in ("python", "bash")}
    assert runnable == set(STAGE_SNIPPETS) | SCRIPTS | SHELL


def test_method_1_context_manager_script(tmp_path: Path, helpers: Path):
    prelude = """
    def process_data(output_file):
        if MODE == "fail":
            raise RuntimeError("ffmpeg exited with 1")
        output_file.parent.mkdir(parents=True, exist_ok=True)
        output_file.write_text('{"ok": true}')
    """
    movie = tmp_path / "out" / "Inception_2010"
    result = run_sample(
        tmp_path, helpers, sample("Method 1: Context Manager (Recommended)"), str(movie), prelude=prelude
    )
    assert result.returncode == 0, result.stderr
    stage = view(movie)["stages"]["stage_name"]
    assert stage["status"] == "success"
    assert stage["outputs"]["result"] == {
        "path": str(movie / "output" / "result.json"),
        "exists": True,
        "size_bytes": 12,
        "description": "Stage output",
    }
    assert stage["metadata"] == {"records_processed": 1000, "model_version": "v1.0"}

    result = run_sample(
        tmp_path, helpers, sample("Method 1: Context Manager (Recommended)"), str(movie), prelude=prelude, mode="fail"
    )
    assert result.returncode == 1 and "ffmpeg exited with 1" in result.stderr
    stage = view(movie)["stages"]["stage_name"]
    assert stage["status"] == "failed" and stage["attempt"] == 2
    assert stage["error"] == {"message": "ffmpeg exited with 1", "type": "RuntimeError"}
    assert [h["status"] for h in stage["history"]] == ["success"]


def test_method_2_manual_control(tmp_path: Path, helpers: Path):
    prelude = """
    def process_data():
        if MODE == "fail":
            raise ValueError("no audio stream")
        output_file = Path(sys.argv[1]) / "result.json"  # the folder exists: the manifest is in it
        output_file.write_text("{}")
        return output_file
    """
    movie = tmp_path / "M"
    code = sample("Method 2: Manual Control")
    ok = run_sample(tmp_path, helpers, code, str(movie), prelude=prelude, epilogue="main()\n")
    assert ok.returncode == 0, ok.stderr
    assert view(movie)["stages"]["stage_name"]["status"] == "success"
    assert view(movie)["stages"]["stage_name"]["outputs"]["result"]["exists"] is True

    failed = run_sample(tmp_path, helpers, code, str(movie), prelude=prelude, epilogue="main()\n", mode="fail")
    assert failed.returncode == 1
    stage = view(movie)["stages"]["stage_name"]
    assert stage["status"] == "failed"
    assert stage["error"] == {"message": "no audio stream", "type": None}
    assert view(movie)["pipeline"]["failed_stages"] == ["stage_name"]


def test_expected_outputs_of_every_stage(tmp_path: Path, helpers: Path):
    movie = tmp_path / "out" / "Inception_2010"
    prelude = f"""
    movie_dir = Path(sys.argv[1])
    audio_dir, metadata_dir, entities_dir = movie_dir / "audio", movie_dir / "metadata", movie_dir / "entities"
    vad_dir, diar_dir = movie_dir / "vad", movie_dir / "diarization"
    trans_dir, subs_dir = movie_dir / "transcription", movie_dir / "subtitles"
    for relative in {STAGE_FILES!r}:
        (movie_dir / relative).parent.mkdir(parents=True, exist_ok=True)
        (movie_dir / relative).write_text("data")
    duration, tmdb_id, movie_title, cast = 1800.5, 27205, "Inception", ["Leonardo DiCaprio", "Elliot Page"]
    entities, segments, speech_pct, refined_count = ["Cobb", "Ariadne"], [[0.0, 1.5]], 61.5, 3
    num_speakers, words, model_name, language = 2, ["we", "need"], "large-v3", "en"
    correction_count, subtitles = 4, ["1"]
    manifest = StageManifest(sys.argv[2], movie_dir, logger)
    """
    for heading, stage in STAGE_SNIPPETS.items():
        code = sample(heading)
        result = run_sample(
            tmp_path, helpers, code, str(movie), stage, prelude=prelude, epilogue='manifest.save(status="success")\n'
        )
        assert result.returncode == 0, (heading, result.stderr)
        entry = view(movie)["stages"][stage]
        assert entry["status"] == "success", heading
        assert set(entry["outputs"]) == set(re.findall(r'add_output\("(\w+)"', code)), heading
        assert all(output["exists"] and output["path"].startswith(str(movie)) for output in entry["outputs"].values())
        assert set(entry["metadata"]) == set(re.findall(r'add_metadata\("(\w+)"', code)), heading
    assert view(movie)["pipeline"]["completed_stages"] == list(STAGE_SNIPPETS.values())
    assert view(movie)["stages"]["demux"]["metadata"] == {"sample_rate": 16000, "duration_seconds": 1800.5}


@pytest.mark.parametrize("mode", ["ok", "missing"])
def test_pattern_1_context_manager(tmp_path: Path, helpers: Path, mode: str):
    prelude = """
    movie_dir = Path(sys.argv[1])
    path = movie_dir / "file.txt"
    if MODE == "ok":
        movie_dir.mkdir(parents=True, exist_ok=True)
        path.write_text("content")
    """
    result = run_sample(
        tmp_path, helpers, sample("Pattern 1: Using Context Manager"), str(tmp_path / "M"), prelude=prelude, mode=mode
    )
    stage = view(tmp_path / "M")["stages"]["stage"]
    if mode == "ok":
        assert result.returncode == 0 and stage["status"] == "success"
    else:  # a declared output that does not exist is a failed stage, never a success
        assert result.returncode == 1 and "MissingOutputError" in result.stderr
        assert stage["status"] == "failed"
        assert (
            stage["error"]["type"] == "MissingOutputError"
            and str(tmp_path / "M" / "file.txt") in stage["error"]["message"]
        )


@pytest.mark.parametrize("mode", ["ok", "missing"])
def test_pattern_2_try_except(tmp_path: Path, helpers: Path, mode: str):
    prelude = """
    movie_dir = Path(sys.argv[1])
    path = movie_dir / "file.txt"
    if MODE == "ok":
        movie_dir.mkdir(parents=True, exist_ok=True)
        path.write_text("content")
    """
    result = run_sample(
        tmp_path, helpers, sample("Pattern 2: Explicit Try/Except"), str(tmp_path / "M"), prelude=prelude, mode=mode
    )
    stage = view(tmp_path / "M")["stages"]["stage"]
    if mode == "ok":
        assert result.returncode == 0 and stage["status"] == "success"
    else:
        assert result.returncode == 1
        assert stage["status"] == "failed" and "file.txt" in stage["error"]["message"]


@pytest.mark.parametrize("mode", ["ok", "fail"])
def test_pattern_3_return_codes(tmp_path: Path, helpers: Path, mode: str):
    prelude = """
    movie_dir = Path(sys.argv[1])
    path = movie_dir / "file.txt"
    movie_dir.mkdir(parents=True, exist_ok=True)
    path.write_text("content")
    def do_work():
        return MODE == "ok"
    """
    result = run_sample(
        tmp_path, helpers, sample("Pattern 3: Return Codes"), str(tmp_path / "M"), prelude=prelude, mode=mode
    )
    stage = view(tmp_path / "M")["stages"]["stage"]
    if mode == "ok":
        assert result.returncode == 0 and stage["status"] == "success"
    else:
        assert result.returncode == 1
        assert stage["status"] == "failed" and stage["error"] == {"message": "Processing failed", "type": None}


def _finish(movie: Path, stage: str) -> None:
    with StageManifest(stage, movie) as manifest:
        manifest.add_metadata("done", True)


def test_checking_completion_from_python(tmp_path: Path, helpers: Path):
    movie = tmp_path / "M"
    _finish(movie, "tmdb")
    prelude = "movie_dir = Path(sys.argv[1])\n"
    result = run_sample(tmp_path, helpers, sample("From Python"), str(movie), prelude=prelude)
    assert result.returncode == 0 and result.stdout == "Completed stages: ['tmdb']\n"
    _finish(movie, "demux")
    result = run_sample(tmp_path, helpers, sample("From Python"), str(movie), prelude=prelude)
    assert result.returncode == 0 and result.stdout == "Demux already completed, skipping\n"


def test_checking_completion_from_shell(tmp_path: Path):
    movie = tmp_path / "out" / "Movie_Title"
    _finish(movie, "tmdb")
    assert run_shell(sample("From Shell", "bash"), tmp_path).stdout == ""
    _finish(movie, "demux")
    assert run_shell(sample("From Shell", "bash"), tmp_path).stdout == "Demux already completed\n"


def test_pipeline_orchestrator(tmp_path: Path, helpers: Path):
    movie = tmp_path / "out" / "Inception_2010"
    _finish(movie, "demux")
    prelude = """
    movie_dir = Path(sys.argv[1])
    input_file, title, year = movie_dir.parent.parent / "Inception (2010).mkv", "Inception", 2010
    stages = ["demux", "tmdb", "asr"]
    def run_stage(stage):
        with StageManifest(stage, movie_dir, logger) as manifest:
            manifest.add_metadata("run_by", "orchestrator")
    """
    result = run_sample(tmp_path, helpers, sample("Pipeline Orchestrator Integration"), str(movie), prelude=prelude)
    assert result.returncode == 0, result.stderr
    assert "Skipping demux - already completed" in result.stderr
    doc = view(movie)
    assert doc["input"] == {"file": str(tmp_path / "Inception (2010).mkv"), "title": "Inception", "year": 2010}
    assert doc["stages"]["demux"]["attempt"] == 1 and "run_by" not in doc["stages"]["demux"]["metadata"]
    assert doc["pipeline"]["completed_stages"] == ["demux", "tmdb", "asr"]
    assert doc["pipeline"]["status"] == "completed" and doc["pipeline"]["completed_at"]


def test_testing_manifest_tracking_commands(tmp_path: Path):
    """The jq commands of the section; its ``docker compose run`` line (the old containers) is the
    one line not run: the demux stage is recorded by manifest_lib instead."""
    code = sample("Testing Manifest Tracking", "bash")
    assert "docker compose run --rm demux" in code
    movie = tmp_path / "out" / "Movie_Title"
    with StageManifest("demux", movie) as manifest:
        manifest.add_output("audio", make_file(movie / "audio" / "audio.wav"), "16kHz mono audio")
    commands = "\n".join(line for line in code.splitlines() if not line.startswith("docker "))
    result = run_shell("set -e\n" + commands, tmp_path)
    assert result.returncode == 0, result.stderr
    decoder, text, values = json.JSONDecoder(), result.stdout.strip(), []
    while text:
        value, end = decoder.raw_decode(text)
        values.append(value)
        text = text[end:].strip()
    demux, outputs, completed = values
    assert demux["status"] == "success" and outputs["audio"]["exists"] is True and completed == ["demux"]


def _key_types(value: Any, prefix: str = "") -> dict[str, str]:
    """Every key path of a JSON value with the JSON type found there (numbers are one type)."""
    kinds = {bool: "boolean", int: "number", float: "number", str: "string", list: "array", dict: "object"}
    found = {prefix: "null" if value is None else kinds[type(value)]}
    if isinstance(value, dict):
        for key, item in value.items():
            found.update(_key_types(item, f"{prefix}.{key}"))
    return found


@pytest.mark.parametrize("heading", ["Format", "Example: Complete Manifest After 3 Stages"])
def test_json_layout_of_the_document(tmp_path: Path, heading: str):
    """Rebuild the document's JSON examples with the library: every key it shows, with its type."""
    example = json.loads(sample(heading, "json").replace("{ ... }", "{}"))
    movie = tmp_path / Path(example["movie_dir"]).name
    PipelineManifest(movie).start()
    for stage, entry in example["stages"].items():  # "tmdb": { ... } is a stage with nothing recorded
        manifest = StageManifest(stage, movie)
        for name, output in entry.get("outputs", {}).items():
            path = make_file(movie / Path(output["path"]).relative_to(example["movie_dir"]))
            manifest.add_output(name, path, output.get("description"))
        for key, value in entry.get("metadata", {}).items():
            manifest.add_metadata(key, value)
        manifest.save(status="success")
    current = StageManifest(example["pipeline"]["current_stage"], movie)
    ours = view(movie)
    wanted, have = _key_types(example), _key_types(ours)
    assert {path: kind for path, kind in wanted.items() if have.get(path) != kind} == {}
    assert ours["pipeline"]["current_stage"] == example["pipeline"]["current_stage"]
    assert ours["pipeline"]["completed_stages"] == [
        s for s in example["pipeline"]["completed_stages"] if s in example["stages"]
    ]
    assert load_manifest(movie) == ours
    current.save(status="success")
