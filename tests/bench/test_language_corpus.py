"""The language films as data (bench/corpus/languages): languages and voices, a hand-written English for every
foreign line, mixed films with 2-4 foreign lines, and the fixed dev/test split. Nothing here synthesises speech."""

from __future__ import annotations

import pytest

from bench.corpus.spec import LANGUAGE_FILMS, corpus, half, parse_item
from bench.corpus.voices import FESTIVAL_ENCODINGS

DEV = tuple(range(1, 23, 2))  # the split as made once; a change here is a new split
TEST = tuple(range(2, 23, 2))


def test_six_languages_in_two_engines_and_mixed_films():
    films = corpus(LANGUAGE_FILMS)
    foreign = [f for f in films if f.speakers[0].language != "en"]
    mixed = [f for f in films if f.speakers[0].language == "en"]
    assert len({s.language for f in foreign for s in f.speakers}) >= 6
    assert {s.engine for f in films for s in f.speakers if s.language != "en"} >= {"espeak", "festival"}
    assert len(mixed) >= 8
    for film in mixed:
        assert 2 <= sum(film.speaker(line.speaker).language != "en" for line in film.lines) <= 4


@pytest.mark.parametrize("spec", corpus(LANGUAGE_FILMS), ids=lambda f: f.slug)
def test_every_foreign_line_has_its_english_and_an_english_line_none(spec):
    for line in spec.lines:
        assert bool(line.english) == (spec.speaker(line.speaker).language != "en"), line
    for speaker in spec.speakers:  # festival's other-language voices are given their text in their encoding
        if speaker.engine == "festival" and speaker.language != "en":
            assert speaker.voice.split("/", 1)[1] in FESTIVAL_ENCODINGS


def test_split_is_fixed_and_pairs_are_one_kind():
    assert tuple(f.number for f in half("dev", LANGUAGE_FILMS)) == DEV
    assert tuple(f.number for f in half("test", LANGUAGE_FILMS)) == TEST
    for dev in half("dev", LANGUAGE_FILMS):
        test = next(f for f in half("test", LANGUAGE_FILMS) if f.number == dev.number + 1)
        assert [(s.voice, s.language) for s in dev.speakers] == [(s.voice, s.language) for s in test.speakers]
        assert (dev.music_under_db, dev.noise_snr_db) == (test.music_under_db, test.noise_snr_db)
        assert not {line.text for line in dev.lines} & {line.text for line in test.lines}


def test_a_foreign_line_needs_its_english_and_one_speaker():
    said = parse_item({"C": "Bonsoir.", "english": "Good evening."}, {"C"})
    assert (said.speaker, said.text, said.english) == ("C", "Bonsoir.", "Good evening.")
    for bad in ({"C": "Bonsoir."}, {"C": "Bonsoir.", "D": "Salut.", "english": "Hello."}):
        with pytest.raises(ValueError):
            parse_item(bad, {"C", "D"})
