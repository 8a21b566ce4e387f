"""Lines in another language: the pieces an English decode is looked at in, which of them are not English,
and the foreign line's stretch taken out of the English decode (what is left keeps its time order)."""

from __future__ import annotations

import pytest

from subflow.asr.foreign import (
    ENGLISH_LOOKALIKES,
    foreign_lines,
    other_language,
    pieces,
    sentences,
    unsure_pieces,
    without_words_in,
)


def word(text: str, start: float, probability: float = 0.9) -> dict:
    return {"word": f" {text}", "start": start, "end": start + 0.3, "probability": probability}


def test_a_speech_segment_is_cut_where_its_words_pause():
    """Voice activity joined an English line and the French one after it (the language films' dev half)."""
    english = [word("The", 1.0), word("ferry", 1.35), word("is", 1.7), word("late.", 2.05)]
    french = [word("Madam,", 3.2, 0.3), word("the", 3.55, 0.2), word("baton.", 3.9, 0.4), word("Ma", 4.25, 0.3)]
    decoded = [{"start": 1.0, "end": 4.55, "text": "", "words": english + french}]
    speech = [{"start": 0.9, "end": 4.7}, {"start": 6.0, "end": 7.5}]
    found = pieces(speech, decoded)
    assert [(round(p["start"], 3), round(p["end"], 3), len(p["words"])) for p in found] == [
        (0.9, 2.45, 4),  # a cut keeps 0.1 s of the pause on each side
        (3.1, 4.7, 4),
        (6.0, 7.5, 0),  # speech with no word is one piece
    ]
    assert [(round(p["start"], 3), p["end"]) for p in unsure_pieces(speech, decoded)] == [(3.1, 4.7), (6.0, 7.5)]


def test_a_piece_is_foreign_when_whisper_doubts_english():
    sure, lost = [word("Yes", 1.0, 0.9)], [word("Ya", 1.0, 0.3)]
    polish = [("pl", 0.29), ("ja", 0.18), ("en", 0.03), ("zh", 0.09)]  # unsure of Polish, sure it is not English
    assert other_language(polish, sure) == ("pl", pytest.approx(0.29 / 0.56))
    doubted = [("de", 0.42), ("la", 0.17), ("en", 0.14), ("nn", 0.1)]
    assert other_language(doubted, sure) is None and other_language(doubted, lost)[0] == "de"
    assert other_language([("fi", 0.39), ("cy", 0.18), ("en", 0.13)], lost) == ("fi", pytest.approx(0.39 / 0.57))
    assert other_language([("yo", 0.43), ("en", 0.35), ("cy", 0.1)], lost) is None
    assert other_language([("cy", 0.85), ("en", 0.05), ("fi", 0.1)], lost) is None  # Welsh: see ENGLISH_LOOKALIKES
    assert ENGLISH_LOOKALIKES["cy"] > 0.85 and other_language([("cy", 0.95), ("en", 0.04)], lost)[0] == "cy"
    assert other_language([("cy", 0.75), ("en", 0.2), ("fi", 0.05)], lost) is None  # 0.94 of the others alone


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


def test_words_piled_at_one_instant_are_no_part_of_a_piece():
    heard = [word("La", 23.24, 0.1), word("Sera,", 23.6, 0.4), word("Ibi,", 24.4, 0.1)]
    piled = [{"word": " think", "start": 25.44, "end": 25.44, "probability": 0.99} for _ in range(12)]
    decoded = [{"start": 23.2, "end": 28.2, "text": "", "words": heard + piled}]
    (piece,) = pieces([{"start": 23.17, "end": 28.23}], decoded)
    assert piece["words"] == heard
    assert unsure_pieces([{"start": 23.17, "end": 28.23}], decoded) == [piece]


def test_a_piece_is_cut_into_its_sentences_halfway_between_them():
    words = [word("Tell", 1.0), word("her.", 1.4), word("The", 2.0), word("boats", 2.4), word("came?", 2.8)]
    assert [(p["start"], p["end"], len(p["words"])) for p in sentences({"start": 0.9, "end": 3.3, "words": words})] == [
        (0.9, 1.85, 2),
        (1.85, 3.3, 3),
    ]
    one = {"start": 0.9, "end": 1.8, "words": words[:2]}
    assert sentences(one) == [one]


def test_pieces_in_one_language_less_than_a_second_apart_are_one_line():
    def piece(start: float, end: float, language: str) -> dict:
        return {"start": start, "end": end, "language": language, "probability": 0.9, "english": 0.01}

    lines = foreign_lines([piece(1, 3, "de"), piece(3.6, 5, "de"), piece(5.5, 7, "fr"), piece(9, 10, "fr")])
    assert [(li["start"], li["end"], li["language"]) for li in lines] == [(1, 5, "de"), (5.5, 7, "fr"), (9, 10, "fr")]
