"""The feature-length bench: films joined from others, and its verdicts on memory, linear cost and progress."""

from __future__ import annotations

import json
import subprocess

import pytest

from bench.corpus.join import joined_film
from bench.long import verdicts
from bench.synth import make_film
from subflow.io import STAGES


def test_films_join_end_to_end_under_a_new_picture_sound_alone_too(tmp_path):
    pictured, sound_only = tmp_path / "a" / "A (2020).mkv", tmp_path / "b" / "B (2020).m4a"
    make_film(pictured, [("en-us", "The first film says this.")])
    make_film(sound_only, [("en+f3", "The second film has no picture at all.")], video=False)
    target = tmp_path / "joined" / "Joined (2020).mkv"
    assert joined_film(12.0, target, first=1, films=[pictured, sound_only]) == target
    probe = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "format=duration:stream=codec_type", "-of", "json", str(target)],
        capture_output=True,
        text=True,
        check=True,
    )
    info = json.loads(probe.stdout)
    assert sorted(s["codec_type"] for s in info["streams"]) == ["audio", "video"]
    assert float(info["format"]["duration"]) == pytest.approx(12.0, abs=0.2)  # looped over both, cut at 12 s
    mtime = target.stat().st_mtime
    assert joined_film(12.0, target, films=[pictured]) == target and target.stat().st_mtime == mtime  # built once


def row(minutes: float, s_per_h: float, rss: float, seconds: float = 10.0, progress: int = 1) -> dict:
    stages = {
        name: {"s": seconds, "s_per_audio_h": s_per_h, "peak_rss_mb": rss, "progress_lines": progress}
        for name in STAGES
    }
    return {"minutes": minutes, "workflow": {"stages": stages}}


def test_verdicts_on_memory_linear_cost_and_progress():
    fine = verdicts([row(10, 100.0, 1200.0), row(120, 120.0, 1500.0)])
    assert fine["rss_ok"] and fine["linear_ok"] and fine["long_stages_without_progress"] == []
    assert fine["s_per_audio_h_growth"]["stages"]["asr"] == pytest.approx(1.2)
    bad = verdicts([row(10, 100.0, 1200.0), row(120, 130.0, 3500.0, seconds=300.0, progress=0)])
    assert not bad["rss_ok"] and bad["max_rss_stage"].endswith("at 120 min")
    assert not bad["linear_ok"]  # 1.3 × the 10-minute figure: not linear
    assert len(bad["long_stages_without_progress"]) == len(STAGES)
    assert "s_per_audio_h_growth" not in verdicts([row(0.5, 900.0, 500.0)])  # no 10-minute film to compare with
