"""The whole workflow on a French film with the shipped multilingual base: English subtitles translated from
French (status says so), or with ``asr.translate: never`` French subtitles, tagged French in the track and
the sidecar's name."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from manifest_lib import movie_note, status_table
from subflow.models import multilingual_detector_path
from tests.conftest import read_manifest, run_workflow
from tests.faults import media
from tests.media.inspect import subtitle_streams

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(multilingual_detector_path() is None, reason="the packaged base is not installed"),
]
FILM, MOVIE = "Le Train (2020).mkv", "Le_Train_2020"


def run(root: Path, translate: str) -> Path:
    films = root / "in"
    media.french_film(films / FILM)
    for script in films.glob("*.script.json"):
        script.unlink()
    config = root / "config.yaml"
    settings = {
        "asr": {"model": "base", "translate": translate},
        "export": {"sidecar": True},
        "tmdb": {"enabled": False},
    }
    config.write_text(json.dumps(settings), encoding="utf-8")
    run_workflow(films, root / "out", "--configfile", str(config))
    return root / "out" / MOVIE


def test_french_film_gets_english_subtitles_translated(tmp_path: Path):
    movie = run(tmp_path, "auto")
    asr = read_manifest(movie)["stages"]["asr"]["metadata"]
    assert (asr["language"], asr["task"], asr["translated_from"]) == ("fr", "translate", "fr")
    assert asr["film_language"]["language"] == "fr" and asr["language_check"]["verdict"] == "translated"
    (row,) = status_table(tmp_path / "out")["movies"]
    assert "asr: translated from fr" in movie_note(row)
    assert subtitle_streams(movie / "final_output.mkv") == ["subrip,eng"]
    assert (tmp_path / "in" / "Le Train (2020).en.srt").read_text(encoding="utf-8").strip()


def test_translate_never_keeps_the_french(tmp_path: Path):
    movie = run(tmp_path, "never")
    asr = read_manifest(movie)["stages"]["asr"]["metadata"]
    assert (asr["language"], asr["task"], asr["translated_from"]) == ("fr", "transcribe", None)
    assert asr["language_check"]["verdict"] == "spoken_language"
    assert subtitle_streams(movie / "final_output.mkv") == ["subrip,fre"]
    assert (tmp_path / "in" / "Le Train (2020).fr.srt").is_file()
    assert not (tmp_path / "in" / "Le Train (2020).en.srt").exists()


def test_english_film_with_lines_in_other_languages_gets_a_forced_set(tmp_path: Path):
    from tests.asr.test_detect import MIXED

    films = tmp_path / "in"
    media.short_film(films / "Night Crossing (2021).mkv", MIXED)
    foreign = []
    for script in films.glob("*.script.json"):
        foreign = [(li["start"], li["end"]) for li in json.loads(script.read_text()) if li["voice"] in ("es", "it")]
        script.unlink()
    config = tmp_path / "config.yaml"
    config.write_text(json.dumps({"export": {"sidecar": True}, "tmdb": {"enabled": False}}), encoding="utf-8")
    run_workflow(films, tmp_path / "out", "--configfile", str(config))
    movie = tmp_path / "out" / "Night_Crossing_2021"
    stages = read_manifest(movie)["stages"]
    found = stages["asr"]["metadata"]["foreign_lines"]
    # two lines, the Italian one named right; the first words of the Spanish line, cut at a pause, are named
    # unsurely (Japanese 0.25 on one machine): the forced set holds them, their name may be wrong
    assert (
        len(found) == 2
        and "it" in {line["language"] for line in found}
        and "en" not in {li["language"] for li in found}
    )
    assert all(any(start < line["end"] and line["start"] < end for line in found) for start, end in foreign), found
    forced = (movie / "subtitles" / "forced.srt").read_text(encoding="utf-8")
    full = (movie / "subtitles" / "subtitles.srt").read_text(encoding="utf-8")
    assert stages["subtitles"]["metadata"]["forced_count"] >= len(found) and forced.strip()
    assert "station" not in forced and "station" in full
    assert stages["mux"]["metadata"]["forced_track"] is True
    assert subtitle_streams(movie / "final_output.mkv") == ["subrip,eng", "subrip,eng"]
    from tests.media.inspect import streams

    last = [s for s in streams(movie / "final_output.mkv") if s["codec_type"] == "subtitle"][-1]
    assert last["disposition"]["forced"] == 1
    assert (films / "Night Crossing (2021).en.forced.srt").read_text(encoding="utf-8") == forced
