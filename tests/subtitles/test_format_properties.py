"""Property tests: for any words, the formatter keeps every word once and in order, never overlaps
events, never puts three speakers in one event, and flags exactly the rules it could not meet;
for speech that leaves room (a reasonable speaking rate, pauses between turns) it meets them all."""

from __future__ import annotations

import string

from hypothesis import given, settings
from hypothesis import strategies as st

from subflow.subtitles.format import SubtitleRules, check_events, format_events
from subflow.subtitles.words import Word, collapse_repeats, drop_words_outside_speech

FAST = settings(max_examples=150, deadline=None)

texts = st.builds(
    lambda body, mark: body + mark,
    st.text(string.ascii_letters + "'", min_size=1, max_size=14),
    st.sampled_from(["", "", "", ",", ".", "?", "!"]),
)


@st.composite
def any_words(draw) -> list[Word]:
    """Any times at all: overlapping, zero-length, running backwards."""
    words, cursor = [], draw(st.floats(0, 5))
    for _ in range(draw(st.integers(0, 40))):
        cursor = max(0.0, cursor + draw(st.floats(-0.5, 2.0)))
        length = draw(st.floats(0, 1.5))
        words.append(
            Word(draw(texts), round(cursor, 3), round(cursor + length, 3), draw(st.sampled_from([None, "A", "B", "C"])))
        )
    return words


@st.composite
def any_rules(draw) -> SubtitleRules:
    minimum = draw(st.floats(0.0, 2.0))
    return SubtitleRules(
        max_chars_per_line=draw(st.integers(10, 60)),
        max_lines=draw(st.integers(1, 3)),
        min_duration_s=minimum,
        max_duration_s=minimum + draw(st.floats(0.5, 8.0)),
        max_chars_per_second=draw(st.floats(5.0, 30.0)),
        min_gap_frames=draw(st.integers(0, 4)),
        fps=draw(st.sampled_from([23.976, 24.0, 25.0, 29.97, 60.0])),
        max_extend_s=draw(st.floats(0.0, 1.0)),
    )


@st.composite
def speech(draw) -> list[Word]:
    """Speech that leaves room for every rule: words no faster than 15 characters per second
    (spaces included), at most 0.3 s apart inside a turn, a second or more of silence between
    turns, no word wider than a line. Speakers change only between turns."""
    words, cursor = [], draw(st.floats(0, 3))
    for _ in range(draw(st.integers(1, 8))):
        speaker = draw(st.sampled_from([None, "A", "B"]))
        for k in range(draw(st.integers(1, 14))):
            text = draw(st.text(string.ascii_lowercase, min_size=1, max_size=10)) + draw(
                st.sampled_from(["", "", ",", "."])
            )
            if k:
                cursor += draw(st.floats(0.0, 0.3))
            length = max(draw(st.floats(0.1, 0.6)), (len(text) + 1) / 15)
            words.append(Word(text, round(cursor, 3), round(cursor + length, 3), speaker))
            cursor += length
        cursor += draw(st.floats(1.0, 3.0))
    return words


def turns(words: list[Word]) -> int:
    """Speaker turns, as the rules count them: a word without a speaker continues the turn."""
    known = [w.speaker for w in words if w.speaker is not None]
    return 1 + sum(a != b for a, b in zip(known, known[1:]))


@FAST
@given(any_words(), any_rules())
def test_every_word_once_in_order_and_no_event_breaks_the_frame(words, rules):
    events = format_events(words, rules)
    assert [w for e in events for w in e.words] == words
    for event in events:
        dialogue = turns(event.words) == 2
        assert turns(event.words) <= 2
        if dialogue:  # each turn's first line starts with the dash (a wrapped turn continues without)
            assert event.lines[0].startswith("- ") and sum(line.startswith("- ") for line in event.lines) == 2
        shown = " ".join(line.removeprefix("- ") if dialogue else line for line in event.lines)
        assert shown == " ".join(w.text for w in event.words)
        assert event.end > event.start >= event.words[0].start - 1e-9  # never before the first word
        if not dialogue and len(shown) <= rules.max_chars_per_line:
            assert len(event.lines) == 1
    for before, after in zip(events, events[1:]):
        assert after.start - before.end >= rules.min_gap_s - 1e-6  # no overlap, ever


@FAST
@given(any_words(), any_rules())
def test_flags_are_exactly_the_rules_the_report_lists(words, rules):
    events = format_events(words, rules)
    report = check_events(events, rules)
    assert {e["index"]: e["reasons"] for e in report["events"]} == {
        k: e.flags for k, e in enumerate(events, 1) if e.flags
    }
    assert report["compliance"] == round(1 - len(report["events"]) / len(events), 6) if events else 1.0
    assert sum(report["violations"].values()) >= len(report["events"])


@settings(max_examples=120, deadline=None)
@given(speech())
def test_speech_that_leaves_room_meets_every_rule(words):
    events = format_events(words, SubtitleRules())
    assert [e.flags for e in events if e.flags] == []
    assert check_events(events, SubtitleRules())["compliance"] == 1.0


@FAST
@given(any_words(), st.lists(st.tuples(st.floats(0, 60), st.floats(0, 5)), max_size=6))
def test_words_outside_speech_are_dropped_the_rest_cut_to_it(words, spans):
    segments = [{"start": s, "end": s + d} for s, d in spans]
    kept, dropped = drop_words_outside_speech(words, segments)
    assert len(kept) + dropped == len(words)
    near = [w for w in words if any(g["start"] - 0.5 <= w.end and w.start <= g["end"] + 0.5 for g in segments)]
    assert [w.text for w in kept] == [w.text for w in near]
    assert all(o.start <= k.start <= k.end <= o.end for k, o in zip(kept, near))


@FAST
@given(
    st.lists(st.text(string.ascii_lowercase, min_size=1, max_size=5), min_size=2, max_size=4, unique=True),
    st.integers(3, 6),
    st.lists(st.sampled_from(["x1", "y2", "z3"]), max_size=3),
)
def test_a_looping_phrase_keeps_one_copy(phrase, repeats, tail):
    head = [Word("start", 0.0, 0.1)]
    loop = [Word(t.capitalize() if k == 0 else t + ",", 1.0, 1.1) for _ in range(repeats) for k, t in enumerate(phrase)]
    words = head + loop + [Word(t, 2.0, 2.1) for t in tail]
    kept, loops = collapse_repeats(words)
    assert loops == 1
    assert kept == words[: 1 + len(phrase)] + words[len(words) - len(tail) :]


@FAST
@given(st.lists(st.sampled_from(["a", "b", "c", "d", "e", "f", "g"]), max_size=30))
def test_collapsing_keeps_the_order_and_only_removes_words(tokens):
    words = [Word(t, float(k), k + 0.5) for k, t in enumerate(tokens)]
    kept, loops = collapse_repeats(words)
    remaining = iter(words)
    assert all(any(w is r for r in remaining) for w in kept)  # a subsequence of the input
    assert (loops == 0) == (kept == words)
