"""Stage 5's refinement rule: pyannote's boundaries, speech only one model hears, tidying, cutting at pauses."""

from __future__ import annotations

from dataclasses import replace

import pytest

from subflow.errors import StageError
from subflow.options import PyannoteVadOptions
from subflow.vad.refine import refine_segments, rule_text

OPTIONS = PyannoteVadOptions(combine="pyannote_led", pad_s=0.0, merge_gap_s=0.3, min_segment_s=0.25, max_segment_s=30)


def seg(a, b):
    return {"start": a, "end": b}


def test_pyannote_boundaries_win_and_split_a_silero_segment():
    refined, counts = refine_segments([seg(1.0, 9.0)], [seg(1.5, 4.0), seg(5.0, 8.5)], OPTIONS)
    assert refined == [seg(1.5, 4.0), seg(5.0, 8.5)]
    assert counts == {"refined_segments": 1, "dropped_segments": 0, "added_segments": 0}


def test_speech_only_one_model_hears_is_kept():
    silero = [seg(0.0, 2.0), seg(10.0, 12.0)]
    pyannote = [seg(0.2, 1.8), seg(20.0, 21.0)]  # misses 10–12, finds 20–21 that Silero missed
    refined, counts = refine_segments(silero, pyannote, OPTIONS)
    assert refined == [seg(0.2, 1.8), seg(10.0, 12.0), seg(20.0, 21.0)]
    assert counts == {"refined_segments": 1, "dropped_segments": 0, "added_segments": 1}


def test_intersection_keeps_only_what_both_hear():
    silero = [seg(0.0, 2.0), seg(10.0, 12.0)]
    pyannote = [seg(0.2, 1.8), seg(20.0, 21.0)]
    refined, counts = refine_segments(silero, pyannote, replace(OPTIONS, combine="intersection"))
    assert refined == [seg(0.2, 1.8)]
    assert counts["dropped_segments"] == 1 and counts["added_segments"] == 0


def test_padding_bridging_dropping_and_cutting():
    options = replace(OPTIONS, pad_s=0.1, max_segment_s=10)
    pyannote = [seg(1.0, 2.0), seg(2.4, 3.0), seg(5.0, 5.1), seg(10.0, 35.0)]
    refined, _ = refine_segments([], pyannote, options, duration=34.0)
    # 1–2 and 2.4–3 bridged (gap 0.2 s after padding); 5–5.1 is 0.3 s once padded, so it stays
    assert refined[0] == seg(0.9, 3.1)
    assert refined[1] == seg(4.9, 5.2)
    long = refined[2:]
    assert len(long) == 3 and long[0]["start"] == 9.9 and long[-1]["end"] == 34.0  # clipped to the file
    assert all(s["end"] - s["start"] <= 10 for s in long)
    short, _ = refine_segments([], [seg(5.0, 5.1)], replace(OPTIONS, pad_s=0.0))
    assert short == []


def test_long_speech_is_cut_in_its_widest_pauses_not_inside_words():
    # read speech: 2.5 s sentences with 0.25 s pauses and one of 0.45 s at 24.5 s, all bridged once padded
    pieces, t = [], 0.0
    while t < 70:
        pause = 0.45 if abs(t - 22.0) < 1.4 else 0.25
        pieces.append(seg(round(t, 3), round(t + 2.5, 3)))
        t += 2.5 + pause
    refined, _ = refine_segments([], pieces, replace(OPTIONS, pad_s=0.1))
    assert all(s["end"] - s["start"] <= 30 for s in refined)
    cuts = [s["end"] for s in refined[:-1]]
    assert len(refined) == 3
    for cut in cuts:  # every cut falls in a pause, none inside a sentence
        assert not any(p["start"] < cut < p["end"] for p in pieces), cut
    assert cuts[0] == 24.725  # the widest pause in the second half of the first window


def test_no_speech_anywhere_gives_no_segments():
    assert refine_segments([], [], OPTIONS) == ([], {"refined_segments": 0, "dropped_segments": 0, "added_segments": 0})


def test_rule_text_states_the_rule_and_its_numbers():
    text = rule_text(replace(OPTIONS, pad_s=0.1))
    assert text.startswith("pyannote_led:") and "0.1 s" in text and "0.25 s" in text
    with pytest.raises(StageError, match="pyannote_vad.combine"):
        rule_text(replace(OPTIONS, combine="union"))
