"""The measurement helpers: SRT parsing and sentence-boundary timing errors."""

from __future__ import annotations

import pytest

from bench.subtitle_metrics import boundary_errors, events_from_srt, events_text
from subflow.subtitles.format import Event, SubtitleRules, check_events

REFERENCE = [(0.0, 2.0, "Hello there."), (2.5, 4.0, "General Kenobi!"), (4.5, 6.0, "You are a bold one.")]


def test_boundary_errors_follow_the_words_of_each_reference_segment():
    events = [
        Event(0.1, 1.9, ["Hello there."], []),
        Event(2.6, 4.2, ["- General Kenobi!", "- You are"], []),  # runs across a sentence boundary
        Event(5.0, 6.3, ["a bold one."], []),
    ]
    timing = boundary_errors(REFERENCE, events)
    assert timing["start_errors_s"] == [0.1, 0.1, -1.9]
    assert timing["end_errors_s"] == [-0.1, 0.2, 0.3]
    assert (timing["median_abs_start_error_s"], timing["median_abs_end_error_s"]) == (0.1, 0.2)
    assert timing["matched_segments"] == 3


def test_boundary_errors_skip_segments_no_event_holds():
    timing = boundary_errors(REFERENCE, [Event(0.0, 2.0, ["Hello there."], [])])
    assert (timing["matched_segments"], timing["reference_segments"]) == (1, 3)
    assert boundary_errors(REFERENCE, [])["median_abs_start_error_s"] is None


def test_another_tools_srt_is_checked_by_the_same_rules():
    text = "1\n00:00:00,301 --> 00:00:10,983\nAnd so my fellow Americans ask not what your country can do for you.\n\n"
    events = events_from_srt(text)
    assert [(e.start, e.end) for e in events] == [(0.301, 10.983)]
    report = check_events(events, SubtitleRules())
    assert report["compliance"] == 0.0
    assert report["events"][0]["reasons"][0].startswith("chars_per_line: 68 > 42")
    assert {k for k, v in report["violations"].items() if v} == {"chars_per_line", "max_duration"}
    assert events_text(events_from_srt("1\n00:00:01,000 --> 00:00:02,000\n- Hi.\n- Hello.\n")) == "Hi. Hello."


@pytest.mark.parametrize("line", ["Hello", "- Hello"])
def test_events_text_reads_without_dialogue_dashes(line):
    assert events_text([Event(0.0, 1.0, [line, "- there"], [])]) == "Hello there"
