"""The English the name stages know: Whisper's common words, honorifics, roles."""

from __future__ import annotations

from subflow.names.lexicon import DETERMINERS, HONORIFICS, ROLE_NOUNS, VARIANT_MODIFIERS, common_words


def test_common_words_are_whisper_whole_words(lexicon):
    assert {"mall", "aims", "fisher", "say", "the", "one", "will", "mel"} <= lexicon
    assert not {"Mal", "Cobb", "saito", "ariadne"} & lexicon
    assert all(word.isalpha() and word.islower() for word in lexicon)


def test_no_vocabulary_no_common_words(tmp_path):
    assert common_words(None) == frozenset() and common_words(tmp_path / "absent.json") == frozenset()


def test_word_lists_are_lowercase_words():
    for words in (HONORIFICS, ROLE_NOUNS, VARIANT_MODIFIERS, DETERMINERS):
        assert words and all(w == w.lower() and " " not in w for w in words)
    assert {"professor", "dr", "st"} <= HONORIFICS and {"attendant", "stand-in"} <= ROLE_NOUNS
