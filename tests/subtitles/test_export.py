"""The subtitle files subflow writes, read back by ffmpeg's own SRT, WebVTT and ASS demuxers."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from subflow.subtitles.export import FORMATS, to_ass, to_srt, to_vtt
from subflow.subtitles.format import Event

EVENTS = [
    Event(1.0, 2.5, ["Hello, my friend."], []),
    Event(3.005, 4.25, ["- Fish & chips <now>?", "- Yes, at 3 --> 4."], []),
    Event(3601.5, 3603.0, ["An hour in {quietly}."], []),
]


def as_srt(path: Path) -> str:
    """ffmpeg's reading of a subtitle file, written back out as SRT (its style markup and escapes taken off)."""
    args = ["ffmpeg", "-nostdin", "-v", "error", "-i", str(path), "-f", "srt", "-"]
    text = subprocess.run(args, capture_output=True, text=True, check=True).stdout
    return re.sub(r"</?font[^>]*>", "", text).replace("\\{", "{").replace("\\}", "}")


@pytest.mark.parametrize("fmt", ["vtt", "ass"])
def test_each_format_reads_back_with_the_srt_times_and_lines(tmp_path: Path, fmt: str):
    path = tmp_path / f"subtitles.{fmt}"
    path.write_text(FORMATS[fmt](EVENTS), encoding="utf-8")
    expected = to_srt(EVENTS)
    if fmt == "ass":  # centiseconds; override braces cannot be escaped, so they become parentheses
        expected = expected.replace("03,005", "03,000").replace("{quietly}", "(quietly)")
    assert as_srt(path) == expected


def test_webvtt_escapes_what_cue_text_cannot_hold():
    text = to_vtt(EVENTS)
    assert text.startswith("WEBVTT\n\n00:00:01.000 --> 00:00:02.500\nHello, my friend.\n")
    assert "- Fish &amp; chips &lt;now&gt;?\n- Yes, at 3 --&gt; 4." in text
    assert "01:00:01.500 --> 01:00:03.000" in text


def test_ass_events_are_dialogue_lines_in_one_style():
    lines = to_ass(EVENTS).splitlines()
    assert lines[0] == "[Script Info]" and "Style: Default,Arial,64" in to_ass(EVENTS)
    assert lines[-2] == r"Dialogue: 0,0:00:03.00,0:00:04.25,Default,,0,0,0,,- Fish & chips <now>?\N- Yes, at 3 --> 4."
    assert lines[-1] == "Dialogue: 0,1:00:01.50,1:00:03.00,Default,,0,0,0,,An hour in (quietly)."
