"""Running one stage from a shell: --until, --forcerun and one film's file, and bad names as one line, exit 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from subflow.arguments import problem
from subflow.films import Film
from subflow.io import STAGES
from tests.conftest import job_table, read_manifest, run_workflow
from tests.faults.media import ffmpeg
from tests.media.films import X264, picture, tone

OUT = "/lib/out"
FILMS = {"Heat_1995": Film("/films/Heat (1995).mkv", "Heat", 1995), "Up_2009": Film("/films/Up (2009).mp4", "Up", 2009)}
RULES = {*STAGES, "timeline", "library", "reports", "all"}


def video(movie: str) -> str:
    return f"{OUT}/{{movie}}/final_output.{'mkv' if movie == 'Heat_1995' else 'mp4'}"


def check(value: str) -> str | None:
    return problem(value, OUT, FILMS, RULES, video)


def test_stage_names_and_each_films_files_pass():
    for value in ("demux", "asr", "mux", "all", "timeline", f"{OUT}/Heat_1995/audio/audio.wav"):
        assert check(value) is None, value
    assert check(f"{OUT}/Heat_1995/final_output.mkv") is None and check(f"{OUT}/library/library.html") is None


def test_a_misspelt_stage_is_named_with_the_stages():
    assert check("demx") == (
        "no such stage; did you mean demux? (stages: demux, tmdb, pre_ner, silero_vad, pyannote_vad, diarization, "
        "asr, post_ner, subtitles, mux; also: all, library, reports, timeline)"
    )


def test_a_file_of_no_film_or_outside_output_dir_is_named():
    assert check(f"{OUT}/Heat_1996/audio/audio.wav") == (
        "no film maps to the movie folder Heat_1996 (2 film(s) known; did you mean Heat_1995?)"
    )
    assert check("elsewhere/Heat_1995/audio/audio.wav") == f"neither a stage nor a file under output_dir {OUT}"
    assert check(f"{OUT}/Up_2009/final_output.mkv") == "this film's subtitled video is final_output.mp4 (mux.container)"


@pytest.fixture(scope="module")
def library(tmp_path_factory) -> Path:
    """Two short films (a tone each: demux is all these tests run)."""
    folder = tmp_path_factory.mktemp("shell") / "in"
    folder.mkdir()
    for name in ("Heat (1995).mkv", "Up (2009).mp4"):
        ffmpeg(*picture(2), *tone(2), "-map", "0", "-map", "1", *X264, "-c:a", "aac", str(folder / name))
    return folder


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (["--until", "demx"], "subflow: --until demx: no such stage; did you mean demux?"),
        (["--forcerun", "asr", "nosuch"], "subflow: --forcerun nosuch: no such stage"),
        (["{out}/Heat_1996/audio/audio.wav"], "subflow: target {out}/Heat_1996/audio/audio.wav: no film maps"),
        (["{out}/Up_2009/final_output.mkv"], "subflow: target {out}/Up_2009/final_output.mkv: this film's subtitled"),
    ],
)
def test_bad_arguments_are_one_line_and_exit_2(library: Path, tmp_path: Path, args: list[str], line: str):
    out = tmp_path / "out"
    result = run_workflow(library, out, "-n", *(arg.format(out=out) for arg in args), check=False)
    lines = [text for text in result.stderr.splitlines() if text.startswith("subflow:")]
    assert result.returncode == 2, result.stderr[-2000:]
    assert len(lines) == 1 and lines[0].startswith(line.format(out=out)), result.stderr[-2000:]
    assert "Traceback" not in result.stderr and not out.exists()


@pytest.mark.slow
def test_until_forcerun_and_one_films_file(library: Path, tmp_path: Path):
    out = tmp_path / "out"
    plan = run_workflow(library, out, "-n", "--until", "demux")
    assert job_table(plan.stdout) == {"demux": 2}

    run_workflow(library, out, "--until", "demux")
    for movie in ("Heat_1995", "Up_2009"):
        assert set(read_manifest(out / movie)["stages"]) == {"demux"}, "--until demux ran more than demux"

    run_workflow(library, out, "--until", "demux", "--forcerun", "demux")
    assert [read_manifest(out / m)["stages"]["demux"]["attempt"] for m in ("Heat_1995", "Up_2009")] == [2, 2]

    (out / "Up_2009" / "audio" / "metadata.json").unlink()
    run_workflow(library, out, "-p", str(out / "Up_2009" / "audio" / "metadata.json"))  # -p ends --config's list
    assert read_manifest(out / "Up_2009")["stages"]["demux"]["attempt"] == 3
    assert read_manifest(out / "Heat_1995")["stages"]["demux"]["attempt"] == 2, "the other film was left alone"
    assert job_table(run_workflow(library, out, "-n", str(out / "Heat_1995" / "final_output.mkv")).stdout) == {
        stage: 1 for stage in STAGES if stage != "demux"
    }
