"""Mux on films made with ffmpeg, checked with ffprobe and by decoding our subtitle track with ffmpeg."""

from __future__ import annotations

from pathlib import Path

import pytest

from subflow.errors import StageError
from subflow.media.container import output_container
from subflow.media.mux import MuxResult, mux_film
from subflow.media.probe import probe
from subflow.options import MuxOptions
from tests.faults.media import ffmpeg
from tests.media import films
from tests.media.inspect import chapters, described, global_tags, packets_md5, start_times, streams, subtitle_srt

SRT = "1\n00:00:01,000 --> 00:00:02,500\nHello, my friend.\n\n2\n00:00:03,000 --> 00:00:04,000\nThank you.\n\n"
OURS = {"language": "eng", "title": "English (subflow)"}


@pytest.fixture(scope="module")
def library(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("films")
    return {
        "rich": films.rich_mkv(folder / "Rich Rip (2020).mkv"),
        "lossless": films.lossless_mkv(folder / "Lossless (2021).mkv"),
        "zoo": films.codec_zoo_mkv(folder / "Zoo (2022).mkv"),
    }


def run_mux(film: Path, target: Path, srt: str = SRT, **options) -> MuxResult:
    subtitles = target.with_name("subtitles.srt")
    subtitles.write_text(srt, encoding="utf-8")
    return mux_film(probe(film), subtitles, target, MuxOptions(**options))


def named(stream: dict) -> str | None:
    """A track's name: Matroska's title, MP4's handler name."""
    tags = stream.get("tags") or {}
    return tags.get("title") or tags.get("handler_name")


def ours(path: Path) -> tuple[int, dict]:
    """Our track: the index and description of the one stream named as ours."""
    found = [(i, s) for i, s in enumerate(streams(path)) if named(s) == OURS["title"]]
    assert len(found) == 1, streams(path)
    return found[0]


def assert_copied(film: Path, output: Path, extra: int = 1) -> None:
    """Every input stream is in the output, in order, as it was (tags, dispositions, packets), plus ``extra``."""
    ours_index, _ = ours(output)
    before, after = streams(film), [s for i, s in enumerate(streams(output)) if i != ours_index]
    assert len(streams(output)) == len(before) + extra
    assert [described(s) for s in after] == [described(s) for s in before]
    for old, new in zip(before, after):
        if old["codec_type"] != "attachment":  # an attachment's bytes are its extradata, compared above
            assert packets_md5(film, old["index"]) == packets_md5(output, new["index"]), old["codec_name"]


def test_matroska_keeps_every_stream_bit_for_bit_and_adds_ours(library, tmp_path: Path):
    film, target = library["rich"], tmp_path / "final_output.mkv"
    result = run_mux(film, target)
    assert_copied(film, target)
    assert [s["codec_name"] for s in streams(target)] == ["h264", "ac3", "dts", "ass", "subrip", "ttf"]
    assert chapters(target) == chapters(film) == [(0.0, 2.0, "Opening"), (2.0, 4.0, "The Talk")]
    assert global_tags(target) == global_tags(film) == {"title": "A Rich Rip"}
    index, track = ours(target)
    assert described(track)["tags"] == OURS and "default" not in described(track)["disposition"]
    assert subtitle_srt(target, index) == SRT
    metadata = result.metadata()
    assert (metadata["container"], metadata["codec"], metadata["chapters"], metadata["not_carried"]) == (
        "mkv",
        "subrip",
        2,
        [],
    )
    assert [(s["codec"], s["language"], s["fate"]) for s in metadata["streams"]] == [
        ("h264", None, "copied"),
        ("ac3", "fre", "copied"),
        ("dts", "eng", "copied"),
        ("ass", "fre", "copied"),
        ("ttf", None, "copied"),
    ]
    assert metadata["container_reason"] == "Matroska: the input is MKV" and result.warnings == []


def test_our_track_is_default_only_when_configured(library, tmp_path: Path):
    target = tmp_path / "final_output.mkv"
    run_mux(library["rich"], target, subtitle_default=True, subtitle_title="English")
    track = next(s for s in streams(target) if named(s) == "English")
    assert "default" in described(track)["disposition"]
    assert [described(s)["disposition"] for s in streams(target)][:4] == [{"default"}, {"default"}, set(), {"forced"}]


def test_truehd_pcm_and_hevc_10_bit_are_copied_never_encoded(library, tmp_path: Path):
    target = tmp_path / "final_output.mkv"
    run_mux(library["lossless"], target)
    assert_copied(library["lossless"], target)
    kinds = [(s["codec_name"], s.get("pix_fmt")) for s in streams(target)]
    assert kinds == [("hevc", "yuv420p10le"), ("truehd", None), ("pcm_s24le", None), ("subrip", None)]


def test_a_forced_mp4_carries_what_it_holds_and_names_the_rest(library, tmp_path: Path):
    film, target = library["zoo"], tmp_path / "final_output.mp4"
    result = run_mux(film, target, container="mp4")
    found = [(s["codec_type"], s["codec_name"]) for s in streams(target)]
    assert found == [
        ("video", "h264"),
        ("audio", "eac3"),
        ("audio", "flac"),
        ("audio", "opus"),
        ("subtitle", "mov_text"),  # the film's own SRT track, converted: MP4's text subtitles
        ("subtitle", "mov_text"),  # ours
    ]
    for old, new in ((0, 0), (1, 1), (2, 2), (3, 3)):
        assert packets_md5(film, old) == packets_md5(target, new)
    assert result.metadata()["not_carried"] == ["stream 4 (audio pcm_s16le)", "stream 6 (attachment ttf)"]
    assert result.warnings == [
        "stream 4 (audio pcm_s16le) not carried: MP4 cannot hold pcm_s16le audio",
        "stream 6 (attachment ttf) not carried: MP4 cannot hold attachment streams (ttf)",
    ]
    fates = {s["index"]: s["fate"] for s in result.metadata()["streams"]}
    assert fates[5] == "converted to mov_text (MP4 text subtitles)" and fates[2] == "copied"
    assert "A line already there." in subtitle_srt(target, 4)
    assert subtitle_srt(target, 5) == SRT


def test_mp4_in_mp4_out_keeps_the_audio_delay_and_adds_mov_text(tmp_path: Path):
    film = films.delayed_mp4(tmp_path / "Late Sound (2022).mp4")
    target = tmp_path / "final_output.mp4"
    result = run_mux(film, target)
    assert output_container(str(film), "auto") == "mp4"
    assert [s["codec_name"] for s in streams(target)] == ["h264", "ac3", "mov_text"]
    assert start_times(target)[1] == pytest.approx(start_times(film)[1], abs=0.01) == pytest.approx(1.5, abs=0.01)
    for index in (0, 1):
        assert packets_md5(film, index) == packets_md5(target, index)
    index, track = ours(target)
    assert described(track)["tags"] == {"language": "eng", "handler_name": "English (subflow)"}
    assert subtitle_srt(target, index) == SRT
    assert (result.container, result.metadata()["codec"]) == ("mp4", "mov_text")
    assert result.metadata()["subtitle_default"] is True  # MP4's only flag, "enabled": ffmpeg sets it on the first


def test_a_camera_mov_with_pcm_falls_back_to_matroska_and_says_so(tmp_path: Path):
    film = films.tone_film(tmp_path / "Camera (2023).mov", ["-c:v", "prores_ks"], ["-c:a", "pcm_s16le"])
    target = tmp_path / f"final_output.{output_container(str(film), 'auto')}"
    result = run_mux(film, target)
    assert target.suffix == ".mkv"
    assert_copied(film, target)
    why = "Matroska instead of MP4: MP4 cannot hold stream 0 (video prores), stream 1 (audio pcm_s16le)"
    assert result.reason == why and result.warnings == [why]


@pytest.mark.parametrize(
    ("name", "video", "audio"),
    [
        ("Old Rip (1999).avi", ["-c:v", "mpeg4", "-q:v", "5"], ["-c:a", "libmp3lame"]),
        ("Web (2024).webm", ["-c:v", "libsvtav1", "-preset", "12", "-svtav1-params", "log=0"], ["-c:a", "libopus"]),
    ],
)
def test_avi_and_webm_become_matroska_with_every_stream_copied(tmp_path: Path, name: str, video, audio):
    film = films.tone_film(tmp_path / name, video, audio)
    target = tmp_path / f"final_output.{output_container(str(film), 'auto')}"
    assert target.suffix == ".mkv"
    run_mux(film, target)
    assert_copied(film, target)


def test_a_forced_mp4_refuses_a_film_it_would_leave_silent(tmp_path: Path):
    film = films.tone_film(tmp_path / "Pcm (2020).mkv", films.X264, ["-c:a", "pcm_s16le"])
    target = tmp_path / "final_output.mp4"
    with pytest.raises(StageError, match=r"MP4 cannot hold any of its audio \(stream 1 \(audio pcm_s16le\)\); set mux"):
        run_mux(film, target, container="mp4")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["Pcm (2020).mkv", "subtitles.srt"]


def test_an_audio_only_wav_becomes_an_mp4_of_lossless_audio(tmp_path: Path):
    film = tmp_path / "Voice Memo (2020).wav"
    ffmpeg(*films.tone(2), "-c:a", "pcm_s16le", str(film))
    target = tmp_path / f"final_output.{output_container(str(film), 'auto')}"
    result = run_mux(film, target)
    assert [s["codec_name"] for s in streams(target)] == ["alac", "mov_text"]
    assert result.metadata()["streams"][0]["fate"] == "encoded to alac (lossless: MP4 cannot hold it)"
    assert result.metadata()["audio_only"] is True


def test_no_events_no_track(library, tmp_path: Path):
    target = tmp_path / "final_output.mkv"
    result = run_mux(library["lossless"], target, srt="")
    assert [s["codec_type"] for s in streams(target)] == ["video", "audio", "audio"]
    assert result.track is None and result.metadata()["codec"] is None
    assert result.warnings == ["the SRT has no events: the video is written without a subtitle track"]
