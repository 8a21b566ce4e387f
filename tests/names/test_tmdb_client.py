"""The TMDB client against a real local HTTP server: refusals, bounded retries, timeouts, the cache."""

from __future__ import annotations

import json
import socket
import time

import pytest

from subflow.names.tmdb import FilmQuery, fetch_movie
from subflow.names.tmdb_client import TmdbClient, TmdbSkip
from subflow.options import TmdbOptions

INCEPTION = FilmQuery("Inception", 2010)


def test_wrong_key_401_skips_without_retry(tmdb_server, client_for):
    client, waits = client_for(tmdb_server, key="wrong-key")
    with pytest.raises(TmdbSkip, match="rejected the API key.*401"):
        fetch_movie(client, INCEPTION)
    assert tmdb_server.count() == 1 and waits == []


def test_unknown_id_404_skips(tmdb_server, client_for):
    client, _ = client_for(tmdb_server)
    with pytest.raises(TmdbSkip, match="HTTP 404"):
        fetch_movie(client, FilmQuery("Inception", 2010, 999999))


def test_429_is_retried_with_backoff_then_succeeds(tmdb_server, client_for):
    tmdb_server.script("search", [429, 503])
    client, waits = client_for(tmdb_server, backoff_s=0.5)
    assert fetch_movie(client, INCEPTION)["tmdb_id"] == 27205
    assert tmdb_server.count("search") == 3
    assert waits == [0.0, 1.0]  # Retry-After: 0 wins for the 429; the 503 waits backoff·2¹


def test_500_exhausts_bounded_retries_then_skips(tmdb_server, client_for):
    tmdb_server.script("details", [500] * 10)
    client, waits = client_for(tmdb_server, retries=3, backoff_s=0.5, max_backoff_s=1.5)
    with pytest.raises(TmdbSkip, match="HTTP 500 after 4 attempts"):
        fetch_movie(client, INCEPTION)
    assert tmdb_server.count("details") == 4
    assert waits == [0.5, 1.0, 1.5]  # doubled, capped at max_backoff_s


def test_slow_answer_past_the_timeout_skips(tmdb_server, client_for):
    tmdb_server.script("search", ["slow", "slow"])
    client, _ = client_for(tmdb_server, timeout_s=0.3, retries=1)
    started = time.monotonic()
    with pytest.raises(TmdbSkip, match="no answer within 0.3 s after 2 attempts"):
        fetch_movie(client, INCEPTION)
    assert time.monotonic() - started < 2.0


def test_network_down_skips_at_once():
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    options = TmdbOptions(base_url=f"http://127.0.0.1:{port}/3", timeout_s=1.0, retries=3)
    client = TmdbClient(options, "test-key", sleep=lambda s: pytest.fail("no retry when the network is down"))
    with pytest.raises(TmdbSkip, match="cannot reach 127.0.0.1"):
        fetch_movie(client, INCEPTION)


def test_no_key_skips_before_any_request(tmdb_server, client_for):
    client, _ = client_for(tmdb_server, key=None)
    with pytest.raises(TmdbSkip, match="no TMDB API key"):
        fetch_movie(client, INCEPTION)
    assert tmdb_server.count() == 0


def test_cache_makes_a_rerun_request_nothing(tmdb_server, client_for, tmp_path):
    first, _ = client_for(tmdb_server, tmp_path)
    data = fetch_movie(first, INCEPTION)
    assert first.requests_made == 3
    cached = (tmp_path / "tmdb_cache.json").read_text()
    assert "test-key" not in cached
    second, _ = client_for(tmdb_server, tmp_path, key=None)  # not even a key is needed
    assert fetch_movie(second, INCEPTION) == data
    assert (second.requests_made, second.cache_hits, tmdb_server.count()) == (0, 3, 3)


def test_failures_are_not_cached(tmdb_server, client_for, tmp_path):
    tmdb_server.script("credits", [500, 500])
    client, _ = client_for(tmdb_server, tmp_path, retries=1)
    with pytest.raises(TmdbSkip):
        fetch_movie(client, INCEPTION)
    responses = json.loads((tmp_path / "tmdb_cache.json").read_text())["responses"]
    assert sorted(responses) == [
        "movie/27205?language=en-US",
        "search/movie?include_adult=False&language=en-US&query=Inception&year=2010",
    ]
    again, _ = client_for(tmdb_server, tmp_path)
    assert fetch_movie(again, INCEPTION)["cast"]
    assert again.requests_made == 1  # only the credits
