"""Long stages report progress every few seconds (percent of audio, real-time factor so far): to their
log and, through the manifest's ``progress`` field, to ``manifest_lib status --watch``."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pytest

import subflow.progress
from manifest_lib import StageManifest, load_manifest
from subflow.media import demux as media
from subflow.progress import ProgressTicker, clock_text
from tests.manifest.helpers import cli


class Calls(list):
    def __call__(self, fraction: float, message: str) -> None:
        self.append((time.monotonic(), fraction, message))


def test_clock_text():
    assert [clock_text(s) for s in (0, 59.9, 61, 3600, 7322)] == ["0:00", "0:59", "1:01", "1:00:00", "2:02:02"]


def test_ticker_reports_on_time_even_when_the_work_does_not_move():
    calls = Calls()
    with ProgressTicker(calls, total_s=7200, interval=0.1) as ticker:
        ticker.update(0, "loading the model")
        time.sleep(0.35)  # no step at all: still reported
        ticker.update(1800)
        time.sleep(0.25)
    times = [t for t, _, _ in calls]
    assert len(calls) >= 5 and max(b - a for a, b in zip(times, times[1:])) < 0.3
    assert calls[0][1] == 0.0 and "0% of audio (0:00 of 2:00:00), loading the model" in calls[0][2]
    during = [c for c in calls if c[1] == 0.25]
    assert during and "25% of audio (30:00 of 2:00:00), real-time factor 0.000" in during[0][2]
    assert calls[-1][1] == 1.0 and calls[-1][2].startswith("100% of audio (2:00:00 of 2:00:00), real-time factor")


def test_ticker_unknown_length_failure_and_a_broken_report(capsys):
    calls = Calls()
    with pytest.raises(RuntimeError):
        with ProgressTicker(calls, total_s=None, interval=0.05) as ticker:
            ticker.update(65)
            time.sleep(0.12)
            raise RuntimeError("boom")
    assert calls and all(c[1] == 0.0 and c[2].startswith("1:05 of audio done") for c in calls)
    count = len(calls)
    time.sleep(0.1)
    assert len(calls) == count  # no report after a failure, and the thread is gone

    def broken(fraction: float, message: str) -> None:
        raise OSError("No space left on device")

    with ProgressTicker(broken, total_s=10, interval=0.02):
        time.sleep(0.1)  # the work goes on
    assert capsys.readouterr().err.count("progress report failed") == 1


FAKE_FFMPEG = """#!{python}
import sys, time
out = sys.argv[-1]
for us in (0, 20_000_000, 40_000_000, 60_000_000):
    print(f"out_time_us={{us}}\\nprogress=continue", flush=True)
    time.sleep(0.15)
print("out_time_us=N/A\\nprogress=end", flush=True)
open(out, "wb").write(b"RIFF")
"""


def test_demux_progress_from_ffmpeg_progress_lines(tmp_path: Path, monkeypatch):
    fake = tmp_path / "ffmpeg"
    fake.write_text(FAKE_FFMPEG.format(python=sys.executable))
    fake.chmod(0o755)
    monkeypatch.setattr(media, "require_tool", lambda name: str(fake))
    monkeypatch.setattr(subflow.progress, "PROGRESS_EVERY_S", 0.05)
    calls = Calls()
    target = tmp_path / "audio" / "audio.wav"
    media.extract_audio("film.mkv", 0, 16000, target, 1, calls, duration=60.0)
    assert target.read_bytes() == b"RIFF"
    fractions = [fraction for _, fraction, _ in calls]
    assert fractions == sorted(fractions) and 0 < min(f for f in fractions if f > 0) < 1 and fractions[-1] == 1.0
    assert any("% of audio (0:40 of 1:00), real-time factor" in message for _, _, message in calls)


def test_demux_progress_with_real_ffmpeg_and_the_manifest(tmp_path: Path, monkeypatch):
    """A real decode reports into a running stage's manifest entry, as the demux script wires it."""
    import soundfile

    film = tmp_path / "film.wav"
    soundfile.write(str(film), (0.1 * np.sin(np.arange(48000 * 30) / 10)).astype(np.float32), 48000)
    monkeypatch.setattr(subflow.progress, "PROGRESS_EVERY_S", 0.01)
    movie = tmp_path / "out" / "Film_2020"
    seen = []
    with StageManifest("demux", movie) as manifest:

        def progress(fraction: float, message: str) -> None:
            manifest._last_progress = float("-inf")  # show every report (the manifest throttles to 2 s)
            manifest.set_progress(fraction, message)
            seen.append(load_manifest(movie)["stages"]["demux"]["progress"])

        media.extract_audio(str(film), 0, 16000, movie / "audio.wav", 1, progress, duration=30.0)
        status = cli("status", movie.parent).stdout
    assert seen[-1]["fraction"] == 1.0 and seen[-1]["message"].startswith("100% of audio (0:30 of 0:30)")
    assert "… 100%" in status and "demux: 100% of audio" in status
    assert "progress" not in load_manifest(movie)["stages"]["demux"]  # gone once the stage ends
    assert soundfile.info(str(movie / "audio.wav")).samplerate == 16000


@pytest.mark.slow
def test_asr_progress_from_model_loading_to_the_end(demo_film: Path, tmp_path: Path, monkeypatch):
    """transcribe() reports while the model loads and features are computed, then by segment."""
    from subflow.asr.decode import DecodeOptions, transcribe
    from subflow.io import load_wav
    from subflow.models import resolve_whisper_model

    wav = tmp_path / "audio.wav"
    media.extract_audio(str(demo_film), 0, 16000, wav, 1)
    samples = load_wav(wav)
    monkeypatch.setattr(subflow.progress, "PROGRESS_EVERY_S", 0.05)
    options = DecodeOptions(resolve_whisper_model("tiny.en", False), "cpu", "int8", 1, "en", 1, 4, None)
    calls = Calls()
    body = transcribe(samples, [{"start": 0.0, "end": samples.size / 16000}], options, calls)
    assert body["segments"]
    messages = [message for _, _, message in calls]
    assert any("loading the model" in m or "computing features" in m or "transcribing" in m for m in messages)
    assert calls[-1][1] == 1.0 and "real-time factor" in messages[-1]
    times = [t for t, _, _ in calls]
    assert max(b - a for a, b in zip(times, times[1:])) < 10  # the issue: at least every 10 s
