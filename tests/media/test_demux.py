"""ffprobe/ffmpeg helpers on real files made with ffmpeg."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from subflow.errors import StageError
from subflow.media.demux import choose_audio_stream, extract_audio, wav_duration
from subflow.media.probe import probe


def make_two_language_film(path: Path) -> None:
    """A film whose first audio stream is French (440 Hz) and second English (880 Hz)."""
    subprocess.run(
        [
            "ffmpeg",
            "-nostdin",
            "-loglevel",
            "error",
            "-y",
            "-f",
            "lavfi",
            "-i",
            "testsrc2=size=160x90:rate=24:duration=2",
            "-f",
            "lavfi",
            "-i",
            "sine=frequency=440:duration=2",
            "-f",
            "lavfi",
            "-i",
            "sine=frequency=880:duration=2",
            "-map",
            "0",
            "-map",
            "1",
            "-map",
            "2",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-c:a",
            "aac",
            "-metadata:s:a:0",
            "language=fra",
            "-metadata:s:a:1",
            "language=eng",
            str(path),
        ],
        check=True,
    )


def dominant_frequency(wav: Path) -> float:
    import numpy as np
    import soundfile

    samples, rate = soundfile.read(str(wav))
    spectrum = np.abs(np.fft.rfft(samples))
    return float(np.argmax(spectrum) * rate / samples.size)


def test_english_stream_is_chosen_when_not_first(tmp_path: Path):
    film = tmp_path / "two languages.mkv"
    make_two_language_film(film)
    info = probe(film)
    assert [s.language for s in info.audio] == ["fra", "eng"]
    stream = choose_audio_stream(info, None)
    assert stream.audio_index == 1
    wav = tmp_path / "audio.wav"
    extract_audio(str(film), stream.audio_index, 16000, wav, 1)
    assert abs(dominant_frequency(wav) - 880) < 5
    assert wav_duration(wav) == pytest.approx(2.0, abs=0.05)


def test_audio_stream_override(tmp_path: Path):
    film = tmp_path / "two languages.mkv"
    make_two_language_film(film)
    assert choose_audio_stream(probe(film), 0).language == "fra"
    with pytest.raises(StageError, match="audio_stream=5"):
        choose_audio_stream(probe(film), 5)


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
    subprocess.run(
        [
            "ffmpeg",
            "-nostdin",
            "-loglevel",
            "error",
            "-f",
            "lavfi",
            "-i",
            "testsrc2=size=160x90:rate=24:duration=1",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            str(silent),
        ],
        check=True,
    )
    with pytest.raises(StageError, match="no audio stream"):
        choose_audio_stream(probe(silent), None)
