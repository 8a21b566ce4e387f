"""What the report reads from the stages' files: tracks, the waveform envelope, subtitle events, the manifest."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile

from manifest_lib import StageManifest
from subflow.report.data import film_data, optional_json, read_manifest, subtitle_events, waveform_envelope


def test_every_track_from_the_stages_files(film: dict[str, str]):
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
    assert data.peak_dbfs == pytest.approx(-6.0, abs=0.2)


def test_a_silent_film_with_empty_subtitles(silent_film: dict[str, str]):
    data = film_data(**silent_film)
    assert data.subtitle_count == 0 and data.peak_dbfs is None and data.duration == 10.0


def test_nothing_yet():
    data = film_data("Unstarted_2020")
    assert data.tracks == [] and data.notes == ["no audio (demux has not produced it)"]


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


def test_a_missing_or_broken_file_is_no_data(tmp_path: Path):
    (tmp_path / "broken.json").write_text("{not json")
    assert optional_json(None) is None and optional_json(tmp_path / "none.json") is None
    assert optional_json(tmp_path / "broken.json") is None


def test_read_manifest_only_reads(tmp_path: Path):
    movie = tmp_path / "Heat_1995"
    assert read_manifest(movie) == (None, None)
    with StageManifest("demux", movie):
        pass
    doc, problem = read_manifest(movie)
    assert problem is None and doc["stages"]["demux"]["status"] == "success"
    (movie / "manifest.json").write_text("{torn")
    doc, problem = read_manifest(movie)
    assert doc is None and problem
    assert (movie / "manifest.json").read_text() == "{torn"  # a view never moves it aside or rebuilds it
