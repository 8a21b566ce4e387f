"""A film's files as the stages write them (docs/data-formats.md), for the report's data, picture and pages."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import soundfile

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


@pytest.fixture
def silent_film(film: dict[str, str]) -> dict[str, str]:
    """The same film made silent: five seconds of zeros, no speech, no speaker, an empty SRT."""
    soundfile.write(film["audio"], np.zeros(16000 * 5, dtype=np.float32), 16000, subtype="PCM_16")
    for name in ("silero", "pyannote"):
        write_json(Path(film[name]), {"segments": [], "duration_seconds": 5.0, "speech_percentage": 0.0})
    write_json(Path(film["speakers"]), {"segments": []})
    Path(film["srt_path"]).write_text("")
    write_json(Path(film["compliance"]), {"compliance": 1.0, "violations": {}, "events": []})
    return film
