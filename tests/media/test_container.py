"""The output container, decided from the file before any job runs: the box walk of MP4/MOV and the choice."""

from __future__ import annotations

from pathlib import Path

import pytest

from subflow.films import Film
from subflow.media.container import container_reason, final_output_name, output_container
from subflow.media.isobmff import track_codecs
from subflow.media.probe import probe
from subflow.run_record import RunRecord
from tests.faults.media import ffmpeg
from tests.media.films import X264, picture, tone, tone_film

PCM_MOV = (["-c:v", "prores_ks"], ["-c:a", "pcm_s16le"])


def test_the_box_walk_reads_each_track_codec_of_mp4_and_mov(tmp_path: Path):
    assert track_codecs(str(tone_film(tmp_path / "camera.mov", *PCM_MOV))) == [("video", "prores"), ("audio", "pcm")]
    film = tone_film(tmp_path / "film.mp4", X264, ["-c:a", "ac3"])
    assert track_codecs(str(film)) == [("video", "h264"), ("audio", "ac3")]
    moov_first = tmp_path / "faststart.mp4"
    ffmpeg("-i", str(film), "-c", "copy", "-movflags", "+faststart", str(moov_first))
    assert track_codecs(str(moov_first)) == [("video", "h264"), ("audio", "ac3")]
    fragmented = tmp_path / "fragmented.mp4"
    ffmpeg(*picture(1), *tone(1), *X264, "-c:a", "aac", "-movflags", "frag_keyframe+empty_moov", str(fragmented))
    assert track_codecs(str(fragmented)) == [("video", "h264"), ("audio", "aac")]


def test_the_box_walk_gives_up_quietly_on_what_is_not_mp4(tmp_path: Path):
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(b"\x00\x00\x00\x18ftypisom" + b"\xff" * 500)
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(tone_film(tmp_path / "whole.mp4", X264, ["-c:a", "aac"]).read_bytes()[:3000])
    for path in (junk, tmp_path / "missing.mp4", tone_film(tmp_path / "film.mkv", X264, ["-c:a", "aac"])):
        assert track_codecs(str(path)) is None
    assert track_codecs(str(cut)) in (None, [])


@pytest.mark.parametrize(
    ("name", "choice", "container"),
    [
        ("Film.mkv", "auto", "mkv"),
        ("Film.avi", "auto", "mkv"),
        ("Film.webm", "auto", "mkv"),
        ("Film.ts", "auto", "mkv"),  # unknown to subflow (a movies sheet can list it): Matroska holds the most
        ("Song.m4a", "auto", "mp4"),
        ("Voice.wav", "auto", "mp4"),
        ("Missing.mp4", "auto", "mp4"),  # unreadable: demux fails it, with the reason
        ("Film.mkv", "mp4", "mp4"),
        ("Voice.wav", "mkv", "mkv"),
    ],
)
def test_the_container_follows_the_input_family_unless_forced(name: str, choice: str, container: str):
    assert output_container(f"/nowhere/{name}", choice) == container


def test_an_mp4_family_film_that_mp4_cannot_hold_gets_matroska(tmp_path: Path):
    camera = tone_film(tmp_path / "camera.mov", *PCM_MOV)
    plain = tone_film(tmp_path / "plain.mov", X264, ["-c:a", "aac"])
    assert (output_container(str(camera), "auto"), output_container(str(plain), "auto")) == ("mkv", "mp4")
    assert output_container(str(camera), "mp4") == "mp4"
    assert final_output_name("mkv") == "final_output.mkv"
    assert container_reason(probe(camera), "auto", "mkv") == (
        "Matroska instead of MP4: MP4 cannot hold stream 0 (video prores), stream 1 (audio pcm_s16le)"
    )
    assert container_reason(probe(plain), "auto", "mp4") == "MP4: the input is MOV and MP4 holds its video and audio"
    assert container_reason(probe(camera), "mkv", "mkv") == "Matroska: mux.container is mkv"


def test_the_run_record_ends_a_film_by_its_own_final_output(tmp_path: Path):
    films = {"Rip_2020": Film("/films/Rip (2020).mkv", "Rip", 2020), "Song_2020": Film("/films/Song.m4a", "Song", 2020)}
    assert RunRecord(str(tmp_path), films, []).final_output("Rip_2020") == tmp_path / "Rip_2020" / "final_output.mkv"
    assert RunRecord(str(tmp_path), films, []).final_output("Song_2020").name == "final_output.mp4"
    assert RunRecord(str(tmp_path), films, [], "mp4").final_output("Rip_2020").name == "final_output.mp4"
