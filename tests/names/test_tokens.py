"""Transcript words as the fixer reads them: punctuation and possessive apart, sentence starts, offsets."""

from __future__ import annotations

from subflow.names.tokens import segment_words, split_word, tokenize


def test_split_word():
    assert split_word(" \"Fischer's,") == (" ", '"', "Fischer", "'s", ",")
    assert split_word(" Saito?") == (" ", "", "Saito", "", "?")
    assert split_word(" s") == (" ", "", "s", "", "")


def test_words_from_text_when_a_segment_has_none():
    assert segment_words({"start": 1.0, "end": 2.0, "text": "Tell Ariane."}) == [
        {"word": " Tell", "start": 1.0, "end": 2.0},
        {"word": " Ariane.", "start": 1.0, "end": 2.0},
    ]


def test_tokens_know_sentence_starts_and_their_place_in_the_text():
    transcript = {"segments": [{"text": "Mel is here. Sato, come.", "start": 0.0, "end": 1.0}]}
    (tokens,), (text,) = tokenize(transcript)
    assert text == "Mel is here. Sato, come."
    assert [t.core for t in tokens if t.sentence_start] == ["Mel", "Sato"]
    assert all(text[t.char_start : t.char_start + len(t.core)] == t.core for t in tokens)
