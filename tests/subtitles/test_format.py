"""The formatter on hand-made word sequences: each rule of issue 6, one example at a time."""

from __future__ import annotations

import math

import pytest
import srt

from subflow.errors import StageError
from subflow.options import SubtitlesOptions
from subflow.subtitles.export import to_srt
from subflow.subtitles.format import RULES as RULE_NAMES
from subflow.subtitles.format import Event, SubtitleRules, check_events, format_events
from subflow.subtitles.words import (
    Word,
)
from tests.subtitles.timed import timed

RULES = SubtitleRules()
CONFIG = {
    "max_chars_per_line": 37,
    "max_lines": 3,
    "min_duration_s": 1.0,
    "max_duration_s": 6.0,
    "max_chars_per_second": 17,
    "min_gap_frames": 3,
    "default_fps": 25.0,
    "max_extend_s": 0.25,
}


def lines_of(words: list[Word], entities: tuple[str, ...] = ()) -> list[list[str]]:
    return [event.lines for event in format_events(words, RULES, entities)]


# ---------------------------------------------------------------- config and input


def test_rules_from_config_take_every_key_and_the_video_fps():
    rules = SubtitleRules.for_film(SubtitlesOptions.from_config(CONFIG), 29.97)
    assert (rules.max_chars_per_line, rules.max_lines, rules.min_duration_s, rules.max_duration_s) == (37, 3, 1.0, 6.0)
    assert (rules.max_chars_per_second, rules.min_gap_frames, rules.max_extend_s) == (17, 3, 0.25)
    assert rules.fps == 29.97
    assert SubtitleRules.for_film(SubtitlesOptions.from_config(CONFIG), None).fps == 25.0
    assert SubtitleRules.for_film(SubtitlesOptions(), 0).fps == 23.976
    assert SubtitleRules.for_film(SubtitlesOptions(), None) == SubtitleRules()


def test_rules_from_config_reject_an_unknown_key():
    with pytest.raises(StageError, match="subtitles: unknown option.*max_char_per_line"):
        SubtitlesOptions.from_config({"max_char_per_line": 40})


# ---------------------------------------------------------------- hallucination guards


# ---------------------------------------------------------------- line breaks


def test_one_line_when_it_fits():
    assert lines_of(timed("We should hurry. I still need tickets.")) == [["We should hurry. I still need tickets."]]


def test_line_breaks_after_punctuation_and_before_conjunctions():
    assert lines_of(timed("I never said that, but the others told everyone in the town.")) == [
        ["I never said that,", "but the others told everyone in the town."]
    ]
    assert lines_of(timed("We waited at the station for hours because the train was late again")) == [
        ["We waited at the station for hours", "because the train was late again"]
    ]


@pytest.mark.parametrize(
    "sentence",
    [
        "The only composer that my grandmother ever really loved was Ludwig van Beethoven himself",
        "Everyone in the old house was sure that they heard Ludwig van Beethoven playing at night",
        "Our teacher said that the greatest composer was Ludwig van Beethoven without any doubt",
    ],
)
def test_an_entity_is_never_split_across_lines_or_events(sentence):
    name = "Ludwig van Beethoven"
    assert not any(name in line for event in lines_of(timed(sentence)) for line in event)  # split without the entity
    assert sum(name in line for event in lines_of(timed(sentence), (name,)) for line in event) == 1


# ---------------------------------------------------------------- timing


def test_a_short_utterance_with_room_after_it_gets_the_minimum_duration():
    words = [Word("Yes.", 2.0, 2.3), *timed("Then we go home.", start=6.0)]
    first = format_events(words, RULES)[0]
    assert (first.start, first.end, first.flags) == (2.0, 2.833, [])


def test_out_time_extends_for_reading_speed_but_never_into_the_next_event():
    words = timed("This line has exactly forty characters..", start=1.0, step=0.27, speaker="A")  # 40 in 1.62 s
    event = format_events(words, RULES)[0]
    assert (event.start, event.end) == (1.0, 3.0)  # 40 characters / 20 per second; 0.38 s past the last word
    words += timed("Someone else answers with a much longer line.", start=2.75, speaker="B")
    first, second = format_events(words, RULES)
    assert first.words == words[:6] and second.start == 2.75
    assert first.end == 2.666  # as far as it may go: 2 frames (83.4 ms, rounded up to 84) before the next
    assert first.flags == ["reading_speed: 24.0 > 20.0 characters/s"]  # the speech leaves no more time


def test_events_keep_two_frames_apart_at_the_film_frame_rate():
    words = timed("One sentence follows another. " * 6, step=0.45)
    for fps in (23.976, 25.0):
        rules = SubtitleRules(fps=fps)
        events = format_events(words, rules)
        gaps = [b.start - a.end for a, b in zip(events, events[1:])]
        assert len(gaps) >= 2 and min(gaps) >= 2 / fps - 1e-6
        assert check_events(events, rules)["compliance"] == 1.0


def test_long_speech_is_cut_into_events_of_at_most_seven_seconds():
    events = format_events(timed("word " * 60, step=0.25), RULES)
    assert max(e.end - e.start for e in events) <= 7.0
    assert check_events(events, RULES)["compliance"] == 1.0


# ---------------------------------------------------------------- speakers


def test_two_quick_speakers_share_an_event_with_dialogue_dashes():
    words = timed("Are you coming?", step=0.2, speaker="A") + [Word("Yes.", 0.65, 0.9, "B")]
    events = format_events(words, RULES)
    assert [e.lines for e in events] == [["- Are you coming?", "- Yes."]]
    assert events[0].flags == []


def test_never_three_speakers_in_one_event_and_the_impossible_is_flagged():
    words = [Word("Hi.", 0.0, 0.3, "A"), Word("Hello.", 0.35, 0.6, "B"), Word("Hey.", 0.65, 0.9, "C")]
    events = format_events(words, RULES)
    assert all(len({w.speaker for w in e.words}) <= 2 for e in events)
    assert any(e.flags for e in events)
    assert check_events(events, RULES)["compliance"] < 1.0


def test_a_word_wider_than_a_line_is_flagged():
    events = format_events([Word("a" * 50, 0.0, 3.0)], RULES)
    assert events[0].flags == ["chars_per_line: 50 > 42"]
    report = check_events(events, RULES)
    assert report["violations"]["chars_per_line"] == 1
    assert report["events"][0]["reasons"] == events[0].flags


# ---------------------------------------------------------------- checking and writing


def _said(text: str, start: float, end: float, speakers: str = "") -> list[Word]:
    tokens = text.split()
    step = (end - start) / len(tokens)
    return [
        Word(t, start + k * step, start + (k + 1) * step, (speakers or "A" * len(tokens))[k])
        for k, t in enumerate(tokens)
    ]


@pytest.mark.parametrize(
    "rule, events",
    [
        ("chars_per_line", [Event(0.0, 3.0, ["x" * 43], [])]),
        ("lines", [Event(0.0, 3.0, ["one", "two", "three"], [])]),
        ("lines", [Event(0.0, 3.0, ["Hello", "there"], [])]),
        ("min_duration", [Event(0.0, 0.5, ["Hi."], [])]),
        ("max_duration", [Event(0.0, 8.0, ["Hi."], [])]),
        ("reading_speed", [Event(0.0, 1.0, ["x" * 21], [])]),
        ("overlap", [Event(0.0, 2.0, ["a"], []), Event(1.5, 3.0, ["b"], [])]),
        ("gap", [Event(0.0, 2.0, ["a"], []), Event(2.05, 3.0, ["b"], [])]),
        ("in_time", [Event(0.9, 2.0, ["Hi there."], _said("Hi there.", 1.0, 1.5))]),
        ("in_time", [Event(1.3, 2.2, ["Hi there."], _said("Hi there.", 1.0, 1.7))]),
        ("out_time", [Event(1.0, 2.6, ["Hi there."], _said("Hi there.", 1.0, 1.5))]),
        ("speakers", [Event(1.0, 3.0, ["Hi there you."], _said("Hi there you.", 1.0, 2.5, "ABC"))]),
        ("speakers", [Event(1.0, 3.0, ["Hi", "there."], _said("Hi there.", 1.0, 2.5, "AB"))]),
    ],
)
def test_check_events_names_each_broken_rule(rule, events):
    report = check_events(events, RULES)
    assert [r.split(":")[0] for r in report["events"][-1]["reasons"]] == [rule]
    assert report["violations"][rule] == 1 and sum(report["violations"].values()) == 1
    assert report["compliance"] == pytest.approx(1 - 1 / len(events))


def test_no_words_no_events_full_compliance():
    assert format_events([], RULES) == []
    report = check_events([], RULES)
    assert (report["compliance"], report["events"]) == (1.0, [])
    assert report["violations"] == dict.fromkeys(RULE_NAMES, 0)


def test_srt_round_trip_keeps_times_to_the_millisecond_and_lines():
    events = format_events(timed("- Hello there. General Kenobi, you are a bold one.", start=1.2345, step=0.31), RULES)
    parsed = list(srt.parse(to_srt(events)))
    assert [s.content.splitlines() for s in parsed] == [e.lines for e in events]
    assert [(s.start.total_seconds(), s.end.total_seconds()) for s in parsed] == [(e.start, e.end) for e in events]
    assert all(math.isclose(e.start * 1000, round(e.start * 1000)) for e in events)
