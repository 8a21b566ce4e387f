"""The corpus as data: its size, voices, casts and names, the fixed dev/test split, the loopback TMDB, scoring.

Nothing here synthesises speech (tests/bench/test_corpus_film.py builds the one short film).
"""

from __future__ import annotations

import logging
import re

import pytest

from bench.corpus import tmdb
from bench.corpus.score import coverage, passage_events, score_srt, silent_events
from bench.corpus.spec import ENGINES, FilmSpec, Passage, corpus, half, half_of
from subflow.names.tmdb import FilmQuery, lookup
from subflow.naming import parse_film_name
from subflow.options import TmdbOptions
from subflow.subtitles.format import Event

DEV = (1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23)  # the split as made once; a change here is a new split
TEST = (2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24)


def test_corpus_size_voices_and_engines():
    films = corpus()
    assert len(films) >= 24
    voices = {s.voice for f in films for s in f.speakers}
    assert len(voices) >= 8
    assert {s.engine for f in films for s in f.speakers} == set(ENGINES)
    assert len({f.title for f in films}) == len(films) and len({f.movie for f in films}) == len(films)


@pytest.mark.parametrize("spec", corpus(), ids=lambda f: f.slug)
def test_each_film_has_its_cast_names_and_sound(spec: FilmSpec):
    assert 2 <= len(spec.speakers) <= 4 and 6 <= len(spec.names) <= 8
    spoken = " ".join(line.text for line in spec.lines)
    for word in spec.name_words:  # every scored name word is said, so recall measures something
        assert re.search(rf"\b{word}\b", spoken), f"{spec.slug}: {word} is never said"
    assert {line.speaker for line in spec.lines} == {s.key for s in spec.speakers}
    assert all(place in spec.overview for place in spec.places)
    for item in spec.script:
        if isinstance(item, Passage):
            assert (item.kind == "music" and 5 <= item.seconds <= 15) or (item.kind == "silence" and item.seconds >= 3)
    assert spec.noise_snr_db is None or 10 <= spec.noise_snr_db <= 20
    assert not re.search(r"\d", spoken), "numbers in digits make the reference ambiguous"
    assert parse_film_name(spec.file_name).title == spec.title


def test_corpus_has_music_passages_and_noise():
    films = corpus()
    assert sum(f.music_under_db is not None for f in films) >= 8
    assert sum(any(isinstance(i, Passage) and i.kind == "music" for i in f.script) for f in films) >= 8
    assert sum(f.noise_snr_db is not None for f in films) >= 8


def test_split_is_fixed_disjoint_and_balanced():
    assert tuple(f.number for f in half("dev")) == DEV
    assert tuple(f.number for f in half("test")) == TEST
    assert [half_of(n) for n in (1, 2, 23, 24)] == ["dev", "test", "dev", "test"]
    for dev in half("dev"):  # each pair is one kind: same voices and sound, another story
        test = next(f for f in half("test") if f.number == dev.number + 1)
        assert [s.voice for s in dev.speakers] == [s.voice for s in test.speakers]
        assert (dev.music_under_db, dev.noise_snr_db) == (test.music_under_db, test.noise_snr_db)
        assert not {line.text for line in dev.lines} & {line.text for line in test.lines}
    with pytest.raises(ValueError):
        half("train")


def test_loopback_tmdb_lists_the_films_names(tmp_path):
    spec = corpus()[1]
    with tmdb.server(spec, "k") as server:
        options = TmdbOptions(base_url=server.base_url, timeout_s=5, retries=0)
        name = parse_film_name(spec.file_name)
        found = lookup(options, FilmQuery(name.title, name.year), {"TMDB_API_KEY": "k"}, tmp_path / "c.json", _log())
    data = found.data
    assert (data["status"], data["title"], data["year"]) == ("found", spec.title, spec.year)
    characters = [c["character"] for c in data["cast"]]
    assert characters == [s.character for s in spec.speakers] + [c for c, _ in spec.others]
    assert all(place in data["overview"] for place in spec.places)


def _log() -> logging.Logger:
    logger = logging.getLogger("test_corpus.tmdb")
    logger.handlers = [logging.NullHandler()]
    return logger


def test_coverage_and_events_where_nobody_speaks():
    lines = [{"start": 1.0, "end": 2.0}, {"start": 3.0, "end": 4.0}, {"start": 9.0, "end": 9.5}]
    events = [Event(1.5, 3.2, ["a"], []), Event(5.0, 6.0, ["b"], []), Event(6.5, 9.0, ["c"], [])]
    assert coverage(lines, events) == pytest.approx(2 / 3)
    assert [e.lines for e in silent_events(lines, events)] == [["b"], ["c"]]  # touching a line is not overlapping
    assert [e.lines for e in passage_events([{"start": 5.5, "end": 8.0}], events)] == [["b"], ["c"]]


def test_srt_scored_against_the_reference():
    reference = {
        "lines": [
            {"start": 0.5, "end": 2.0, "text": "Ysolde, the tide is turning."},
            {"start": 3.0, "end": 5.0, "text": "Captain Oduya, the nets are wet."},
        ],
        "passages": [{"kind": "music", "start": 6.0, "end": 12.0}],
        "name_words": ["Ysolde", "Oduya"],
    }
    srt = (
        "1\n00:00:00,500 --> 00:00:02,000\nIsolde, the tide is turning.\n\n"
        "2\n00:00:03,000 --> 00:00:05,000\nCaptain Oduya, the nets are wet.\n\n"
        "3\n00:00:07,000 --> 00:00:08,000\nThanks for watching!\n"
    )
    figures = score_srt(reference, srt)
    assert figures["names_right"] == 1 and figures["names"] == 2 and figures["names_missed"] == ["Ysolde"]
    assert figures["coverage"] == 1.0 and figures["silent_events"] == 1 and figures["passage_events"] == 1
    assert 0 < figures["wer"] < 0.5
    assert score_srt(reference, "")["wer"] == 1.0 and score_srt(reference, "")["coverage"] == 0.0
