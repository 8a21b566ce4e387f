"""The foreign line's stretch taken out of the English decode: what is left around it keeps its time order."""

from __future__ import annotations

from subflow.asr.foreign import without_words_in


def word(text: str, start: float) -> dict:
    return {"word": f" {text}", "start": start, "end": start + 0.3, "probability": 0.9}


def test_a_segment_across_the_foreign_line_becomes_two_around_it():
    """A test-half film had one segment from 13.9 s to 29.3 s around a line taken for Welsh at 20–24.7 s: kept
    whole, its later words came before the translation in the subtitles, and the events mixed them up."""
    across = [word("in", 18.0), word("the", 18.4), word("middle", 18.8), word("lost", 21.0), word("Fenella", 25.7)]
    before = {"start": 10.0, "end": 12.0, "text": "Before.", "words": [word("Before.", 10.0)]}
    segment = {"start": 18.0, "end": 26.0, "text": "in the middle lost Fenella", "words": across}
    kept = without_words_in([before, segment], 20.0, 24.7)
    assert kept[0] is before
    assert [(s["start"], s["end"], s["text"]) for s in kept[1:]] == [
        (18.0, 19.1, "in the middle"),
        (25.7, 26.0, "Fenella"),
    ]
    translation = {"start": 20.0, "end": 24.5, "text": "Translated.", "words": [word("Translated.", 20.0)]}
    merged = sorted(kept + [translation], key=lambda s: (s["start"], s["end"]))
    times = [w["start"] for s in merged for w in s["words"]]
    assert times == sorted(times)


def test_segments_outside_the_stretch_are_kept_as_they_are_and_emptied_ones_go():
    outside = {"start": 1.0, "end": 2.0, "text": "One", "words": [word("One", 1.0)]}
    inside = {"start": 20.5, "end": 21.0, "text": "Gone", "words": [word("Gone", 20.5)]}
    assert without_words_in([outside, inside], 20.0, 24.7) == [outside]
