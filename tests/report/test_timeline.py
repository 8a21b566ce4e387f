"""The report's pictures and pages, drawn from files as the stages write them (docs/data-formats.md).

Pictures are checked by rendering them: size, and that they are not blank (pixel variance, colours of
the tracks present); a silent film or one with nothing yet is still a picture."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
import soundfile
from PIL import Image

from manifest_lib import PipelineManifest, StageManifest
from manifest_lib.report import status_table
from subflow.report.timeline import (
    WIDTH_PX,
    compliance_html,
    draw_timeline,
    film_data,
    library_html,
    stages_html,
    subtitle_events,
    waveform_envelope,
)

SRT = """1
00:00:01,000 --> 00:00:03,500
Where does this train go?

2
00:00:04,000 --> 00:00:06,000
- North.
- All night?

3
00:00:09,000 --> 00:00:09,400
Yes.
"""


def write_json(path: Path, data) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data))
    return str(path)


@pytest.fixture
def film(tmp_path: Path) -> dict[str, str]:
    """Ten seconds: tone bursts where people speak, VAD, two speakers, three subtitle events (one red)."""
    rate, seconds = 16000, 10
    t = np.arange(rate * seconds) / rate
    speech = ((t > 1) & (t < 3.5)) | ((t > 4) & (t < 6)) | ((t > 9) & (t < 9.4))
    samples = (0.5 * np.sin(2 * np.pi * 220 * t) * speech).astype(np.float32)
    movie = tmp_path / "out" / "The_Night_Train_2024"
    (movie / "audio").mkdir(parents=True)
    soundfile.write(str(movie / "audio" / "audio.wav"), samples, rate, subtype="PCM_16")
    segments = [{"start": 0.9, "end": 3.6}, {"start": 3.9, "end": 6.1}, {"start": 8.9, "end": 9.5}]
    vad = {"segments": segments, "duration_seconds": 10.0, "speech_percentage": 54.0, "model": "silero"}
    speakers = [
        {"start": 1.0, "end": 3.5, "speaker": "SPEAKER_00"},
        {"start": 4.0, "end": 5.0, "speaker": "SPEAKER_01"},
        {"start": 5.0, "end": 6.0, "speaker": "SPEAKER_00"},
    ]
    report = {
        "compliance": 2 / 3,
        "violations": {"min_duration": 1, "reading_speed": 0},
        "events": [{"index": 3, "start": 9.0, "end": 9.4, "text": "Yes.", "reasons": ["min_duration"]}],
        "dropped_words": 0,
        "collapsed_repeats": 0,
        "fps": 24.0,
    }
    (movie / "subtitles").mkdir()
    (movie / "subtitles" / "subtitles.srt").write_text(SRT)
    return {
        "movie": movie.name,
        "audio": str(movie / "audio" / "audio.wav"),
        "audio_metadata": write_json(movie / "audio" / "metadata.json", {"duration_seconds": 10.0}),
        "silero": write_json(movie / "vad" / "silero_segments.json", vad),
        "pyannote": write_json(movie / "vad" / "pyannote_segments.json", {**vad, "segments": segments[:2]}),
        "speakers": write_json(movie / "diarization" / "speaker_segments.json", {"segments": speakers}),
        "srt_path": str(movie / "subtitles" / "subtitles.srt"),
        "compliance": write_json(movie / "subtitles" / "report.json", report),
    }


def picture(path: Path) -> np.ndarray:
    with Image.open(path) as image:
        assert image.format == "PNG"
        return np.asarray(image.convert("RGB")).astype(float)


def has_colour(pixels: np.ndarray, hex_colour: str, at_least: int = 50) -> bool:
    rgb = np.array([int(hex_colour[i : i + 2], 16) for i in (1, 3, 5)])
    return int((np.abs(pixels - rgb).sum(axis=2) < 30).sum()) >= at_least


def test_timeline_has_every_track_on_one_axis(film: dict[str, str], tmp_path: Path):
    data = film_data(**film, speech_used=film["pyannote"])
    labels = [track.label for track in data.tracks]
    assert labels == [
        "Silero: 3 segments, 54% speech",
        "pyannote: 2 segments, 54% speech (ASR input)",
        "SPEAKER_00: 2 turns, 4 s",
        "SPEAKER_01: 1 turns, 1 s",
        "subtitles: 3 events, 1 non-compliant",
    ]
    assert data.tracks[-1].colours == ["#1a7f37", "#1a7f37", "#cf222e"]
    path = draw_timeline(data, tmp_path / "timeline.png", "The Night Train (2024)")
    pixels = picture(path)
    height, width, _ = pixels.shape
    assert width == WIDTH_PX and 400 <= height <= 1200
    assert pixels.std() > 20  # not blank
    for colour in ("#57606a", "#8250df", "#0969da", "#1a7f37", "#cf222e"):  # waveform, tracks, red event
        assert has_colour(pixels, colour), colour
    assert data.peak_dbfs == pytest.approx(-6.0, abs=0.2)


def test_a_silent_film_with_empty_subtitles_is_still_a_picture(tmp_path: Path, film: dict[str, str]):
    soundfile.write(film["audio"], np.zeros(16000 * 5, dtype=np.float32), 16000, subtype="PCM_16")
    for name in ("silero", "pyannote"):
        write_json(Path(film[name]), {"segments": [], "duration_seconds": 5.0, "speech_percentage": 0.0})
    write_json(Path(film["speakers"]), {"segments": []})
    Path(film["srt_path"]).write_text("")
    write_json(Path(film["compliance"]), {"compliance": 1.0, "violations": {}, "events": []})
    data = film_data(**film)
    assert data.subtitle_count == 0 and data.peak_dbfs is None and data.duration == 10.0
    pixels = picture(draw_timeline(data, tmp_path / "silent.png"))
    assert pixels.shape[1] == WIDTH_PX and pixels.std() > 5  # axes, labels, "no speech": a picture


def test_nothing_yet_is_still_a_picture(tmp_path: Path):
    data = film_data("Unstarted_2020")
    assert data.tracks == [] and data.notes == ["no audio (demux has not produced it)"]
    pixels = picture(draw_timeline(data, tmp_path / "nothing.png"))
    assert pixels.shape[1] == WIDTH_PX and pixels.std() > 5


def test_waveform_envelope_matches_numpy(tmp_path: Path):
    rng = np.random.default_rng(7)
    samples = rng.uniform(-0.9, 0.9, 16000 * 3 + 123).astype(np.float32)
    soundfile.write(str(tmp_path / "a.wav"), samples, 16000, subtype="FLOAT")
    times, low, high, duration, rate = waveform_envelope(tmp_path / "a.wav", columns=100)
    per_bin = -(-samples.size // 100)
    assert rate == 16000 and duration == pytest.approx(samples.size / 16000) and low.size == high.size <= 100
    for i in (0, 37, low.size - 1):
        chunk = samples[i * per_bin : (i + 1) * per_bin]
        assert low[i] == pytest.approx(chunk.min()) and high[i] == pytest.approx(chunk.max())
    assert times[1] == pytest.approx(per_bin / 16000)


def test_subtitle_events_from_srt(film: dict[str, str]):
    events = subtitle_events(film["srt_path"])
    assert [(i, s, e) for i, s, e, _ in events] == [(1, 1.0, 3.5), (2, 4.0, 6.0), (3, 9.0, 9.4)]
    assert subtitle_events(None) == [] and subtitle_events("/nonexistent.srt") == []


def self_contained(page: str) -> None:
    assert page.startswith("<!DOCTYPE html>") and "<script" not in page
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)


def test_stage_table_page(tmp_path: Path):
    movie = tmp_path / "out" / "Heat_1995"
    PipelineManifest(movie).set_input("/films/Heat (1995).mkv", "Heat", 1995)
    PipelineManifest(movie).start()
    with StageManifest("demux", movie):
        pass
    with pytest.raises(RuntimeError):
        with StageManifest("asr", movie):
            raise RuntimeError("model <tiny.en> not found")
    (movie / "benchmarks").mkdir()
    (movie / "benchmarks" / "demux.tsv").write_text("s\th:m:s\tmax_rss\n1.25\t0:00:01\t87.5\n")
    from subflow.report.timeline import read_manifest

    doc, problem = read_manifest(movie)
    page = stages_html(doc, movie, problem)
    self_contained(page)
    assert "Heat (1995)" in page and "/films/Heat (1995).mkv" in page
    assert "demux" in page and "87.5" in page and "1.25" in page
    assert "model &lt;tiny.en&gt; not found" in page and "✗ failed" in page  # escaped
    assert "no manifest.json" in stages_html(None, tmp_path / "Nope")


def test_compliance_page(film: dict[str, str]):
    report = json.loads(Path(film["compliance"]).read_text())
    page = compliance_html("The Night Train", report, subtitle_events(film["srt_path"]), "-")
    self_contained(page)
    assert "66.7%" in page and "of 3 subtitle events" in page and "min_duration" in page and "Yes." in page
    missing = compliance_html("Silence", None, [], "No subtitles: the run failed at asr.")
    assert "No subtitles: the run failed at asr." in missing


def test_library_page(tmp_path: Path):
    out = tmp_path / "out"
    with StageManifest("demux", out / "Arrival_2016"):
        pass
    with pytest.raises(ValueError):
        with StageManifest("demux", out / "Heat_1995"):
            raise ValueError("no audio stream")
    page = library_html(status_table(out, expected=["Zodiac_2007"]))
    self_contained(page)
    assert "Library: 3 films" in page and "Arrival_2016" in page and "✓ 0.0s" in page
    assert "demux: no audio stream" in page and "not started" in page
