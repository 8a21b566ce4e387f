"""Demux on real files made with ffmpeg: which audio track, and its samples in the film's time."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest

from subflow.errors import StageError
from subflow.media.demux import choose_audio_stream, extract_audio, start_offset, wav_duration
from subflow.media.probe import probe
from tests.faults.media import ffmpeg
from tests.media.films import X264, lossless_mkv, picture, tone


def two_language_film(path: Path, tags: tuple[str, str] = ("fra", "eng"), titles: tuple[str, str] = ("", "")) -> Path:
    """A film whose first audio stream is 440 Hz and second 880 Hz, with the given language tags and titles."""
    args = [*picture(2), *tone(2, 440), *tone(2, 880), "-map", "0", "-map", "1", "-map", "2", *X264, "-c:a", "aac"]
    for index, (tag, title) in enumerate(zip(tags, titles)):
        args += [f"-metadata:s:a:{index}", f"language={tag}", f"-metadata:s:a:{index}", f"title={title}"]
    ffmpeg(*args, str(path))
    return path


def samples_of(wav: Path) -> np.ndarray:
    import soundfile

    return soundfile.read(str(wav))[0]


def dominant_frequency(wav: Path) -> float:
    samples = samples_of(wav)
    return float(np.argmax(np.abs(np.fft.rfft(samples))) * 16000 / samples.size)


def onset(wav: Path) -> float:
    """Seconds to the first sample above a whisper."""
    return float(np.flatnonzero(np.abs(samples_of(wav)) > 0.01)[0] / 16000)


def test_english_stream_is_chosen_when_not_first(tmp_path: Path):
    film = two_language_film(tmp_path / "two languages.mkv")
    info = probe(film)
    assert [s.language for s in info.audio] == ["fra", "eng"]
    choice = choose_audio_stream(info)
    assert choice.stream.kind_index == 1 and choice.reason == "tagged English (eng)"
    wav = tmp_path / "audio.wav"
    extract_audio(str(film), choice.stream.kind_index, 16000, wav, 1)
    assert abs(dominant_frequency(wav) - 880) < 5
    assert wav_duration(wav) == pytest.approx(2.0, abs=0.05)


def test_the_movies_sheet_wins_over_demux_audio_stream_and_each_is_named(tmp_path: Path):
    info = probe(two_language_film(tmp_path / "two languages.mkv"))
    assert choose_audio_stream(info, configured=0).reason == "demux.audio_stream=0"
    sheet = choose_audio_stream(info, sheet=0, configured=1)
    assert sheet.stream.language == "fra" and sheet.reason == "the movies sheet's audio_stream=0"
    with pytest.raises(StageError, match=r"demux.audio_stream=5 but the file has 2 audio stream\(s\)"):
        choose_audio_stream(info, configured=5)
    with pytest.raises(StageError, match="movies sheet's audio_stream=2"):
        choose_audio_stream(info, sheet=2)


def test_untagged_tracks_skip_a_commentary_and_say_why(tmp_path: Path):
    film = two_language_film(tmp_path / "untagged.mkv", ("und", "und"), ("Director's Commentary", ""))
    choice = choose_audio_stream(probe(film))
    assert choice.stream.kind_index == 1
    assert choice.reason == (
        "the first track not commentary or description: no track has a language tag, "
        "and language detection is not available to demux"
    )
    why = 'title "Director\'s Commentary"'
    assert choice.record()["skipped"] == [{"stream_index": 1, "title": "Director's Commentary", "why": why}]


def test_an_untagged_lossless_rip_takes_its_pcm_dialogue_over_the_truehd_commentary(tmp_path: Path):
    film = lossless_mkv(tmp_path / "Lossless (2021).mkv")
    choice = choose_audio_stream(probe(film))
    assert (choice.stream.codec, choice.stream.kind_index) == ("pcm_s24le", 1)
    wav = tmp_path / "audio.wav"
    extract_audio(str(film), choice.stream.kind_index, 16000, wav, 1)
    second_line = samples_of(wav)[int(5.0 * 16000) : int(6.0 * 16000)]  # the dialogue's; the commentary is over
    assert np.abs(second_line).max() > 0.05


def test_an_english_audio_description_track_is_passed_over(tmp_path: Path):
    film = two_language_film(tmp_path / "described.mkv", ("eng", "eng"), ("English (Audio Description)", "English"))
    choice = choose_audio_stream(probe(film))
    assert choice.stream.kind_index == 1 and choice.reason == "tagged English (eng)"


def test_a_commentary_flag_counts_and_a_film_of_commentaries_takes_the_first(tmp_path: Path):
    film = tmp_path / "flags.mkv"
    args = [*picture(1), *tone(1, 440), *tone(1, 880), "-map", "0", "-map", "1", "-map", "2", *X264, "-c:a", "aac"]
    ffmpeg(*args, "-disposition:a:0", "comment", "-disposition:a:1", "comment", str(film))
    choice = choose_audio_stream(probe(film))
    assert choice.stream.kind_index == 0
    assert choice.reason == "the first track: every track is commentary or description"
    assert [skipped["why"] for skipped in choice.record()["skipped"]] == ["disposition comment"]


def test_audio_that_starts_late_is_decoded_in_the_film_time(tmp_path: Path):
    """An MP4 whose audio starts 1.5 s after its picture (an edit list): the wav starts where the film does."""
    film = tmp_path / "late.mp4"
    ffmpeg(*picture(4), "-itsoffset", "1.5", *tone(2), "-map", "0", "-map", "1", *X264, "-c:a", "ac3", str(film))
    info = probe(film)
    assert start_offset(info, info.audio[0]) == pytest.approx(1.5, abs=0.02)
    wav = tmp_path / "audio.wav"
    extract_audio(str(film), 0, 16000, wav, 1)
    assert onset(wav) == pytest.approx(1.5, abs=0.02)
    assert wav_duration(wav) == pytest.approx(3.5, abs=0.05)


def test_a_container_that_starts_at_ten_seconds_counts_from_its_start(tmp_path: Path):
    """A Matroska film whose timestamps begin at 10 s (a cut from a recording), its audio 0.5 s after the
    picture: the film's time is counted from the container's first timestamp, as players show it."""
    film = tmp_path / "cut.mkv"
    args = [*picture(3), "-itsoffset", "0.5", *tone(2), "-map", "0", "-map", "1", *X264, "-c:a", "flac"]
    ffmpeg(*args, "-output_ts_offset", "10", str(film))
    info = probe(film)
    assert info.start_time == pytest.approx(10.0, abs=0.01)
    assert start_offset(info, info.audio[0]) == pytest.approx(0.5, abs=0.02)
    wav = tmp_path / "audio.wav"
    extract_audio(str(film), 0, 16000, wav, 1)
    assert onset(wav) == pytest.approx(0.5, abs=0.02)


def test_empty_file_is_named(tmp_path: Path):
    empty = tmp_path / "empty film.mp4"
    empty.write_bytes(b"")
    with pytest.raises(StageError, match="empty film.mp4.*empty"):
        probe(empty)


def test_corrupt_file_is_named(tmp_path: Path):
    corrupt = tmp_path / "corrupt.mkv"
    corrupt.write_bytes(b"\x1a\x45\xdf\xa3" + b"garbage" * 100)
    with pytest.raises(StageError, match="corrupt.mkv"):
        probe(corrupt)


def test_video_without_audio_is_named(tmp_path: Path):
    silent = tmp_path / "no audio.mp4"
    subprocess.run(["ffmpeg", "-nostdin", "-loglevel", "error", *picture(1), *X264, str(silent)], check=True)
    with pytest.raises(StageError, match="no audio stream"):
        choose_audio_stream(probe(silent))
