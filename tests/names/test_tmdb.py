"""TMDB stage logic through the real tmdbsimple client against a real local HTTP server."""

from __future__ import annotations

import json
import socket
import time

import pytest

from subflow.names.tmdb import (
    FilmQuery,
    ResponseCache,
    SecretFilter,
    TmdbClient,
    TmdbSettings,
    TmdbSkip,
    build_tmdb_data,
    cache_key,
    choose_result,
    fetch_movie,
    load_api_key,
    skipped_data,
)
from tests.names.tmdb_server import load

INCEPTION = FilmQuery("Inception", 2010)


def client_for(server, tmp_path=None, key="test-key", **settings) -> tuple[TmdbClient, list[float]]:
    waits: list[float] = []
    options = {"base_url": server.base_url, "timeout_s": 1.0, "retries": 2, "backoff_s": 0.01, **settings}
    cache = ResponseCache(tmp_path / "tmdb_cache.json" if tmp_path else None)
    return TmdbClient(TmdbSettings(**options), key, cache, sleep=waits.append), waits


# --- pure functions ------------------------------------------------------------------------------


def test_key_from_environment_first(tmp_path):
    key_file = tmp_path / "key"
    key_file.write_text("from-file\n")
    assert load_api_key({"TMDB_API_KEY": " from-env "}, str(key_file))[0] == "from-env"
    assert load_api_key({}, str(key_file)) == ("from-file", f"file {key_file}")


def test_missing_key_says_how_to_set_it(tmp_path):
    key, reason = load_api_key({}, "")
    assert key is None and "TMDB_API_KEY" in reason
    key, reason = load_api_key({}, str(tmp_path / "nope"))
    assert key is None and "cannot be read" in reason
    (tmp_path / "empty").write_text("\n")
    assert load_api_key({}, str(tmp_path / "empty"))[1].endswith("is empty")


def test_cache_key_never_holds_the_api_key():
    assert cache_key("movie/1", {"api_key": "secret", "language": "en-US"}) == "movie/1?language=en-US"


def test_result_chosen_by_title_and_year():
    results = [
        {"id": 1, "title": "Inception: The Cobol Job", "release_date": "2010-12-07"},
        {"id": 2, "title": "Inception", "release_date": "2010-07-15"},
        {"id": 3, "title": "Inception", "release_date": "1999-01-01"},
    ]
    assert choose_result(results, "Inception", 2010)["id"] == 2
    assert choose_result(results, "inception", 2011)["id"] == 2  # ±1 year (festival vs release)
    assert choose_result(results, "Inception", 2005) is None
    assert choose_result(results, "Totally Different", None) is None
    assert choose_result([{"id": 9, "title": "Amélie", "release_date": "2001-04-25"}], "Amelie", 2001)["id"] == 9


def test_tmdb_data_keeps_characters_in_billing_order_and_main_crew():
    data = build_tmdb_data(load("inception_details.json"), load("inception_credits.json"), INCEPTION, 5)
    assert [c["character"] for c in data["cast"]] == ["Dom Cobb", "Arthur", "Saito", "Eames", "Ariadne"]
    assert data["cast_total"] == len(load("inception_credits.json")["cast"])
    assert {"name": "Christopher Nolan", "job": "Director", "department": "Directing"} in data["crew"]
    assert not any(p["job"] == "Costume Design" for p in data["crew"])
    assert (data["tmdb_id"], data["title"], data["year"], data["status"]) == (27205, "Inception", 2010, "found")
    assert data["overview"].startswith("Cobb, a skilled thief")


def test_skipped_data_has_the_same_keys():
    found = build_tmdb_data(load("inception_details.json"), load("inception_credits.json"), INCEPTION, 5)
    skipped = skipped_data(INCEPTION, "no key")
    assert set(skipped) == set(found)
    assert (skipped["status"], skipped["reason"], skipped["title"], skipped["cast"]) == (
        "skipped",
        "no key",
        "Inception",
        [],
    )


def test_secret_filter_blanks_the_key_in_messages_and_tracebacks():
    import logging

    record = logging.LogRecord("x", logging.ERROR, __file__, 1, "GET %s", ("/3/movie?api_key=s3cr3t",), None)
    try:
        raise ValueError("url ...api_key=s3cr3t")
    except ValueError:
        import sys

        record.exc_info = sys.exc_info()
    SecretFilter("s3cr3t").filter(record)
    assert "s3cr3t" not in record.getMessage() and "***" in record.getMessage()
    assert record.exc_info is None


# --- the real client against the local server ------------------------------------------------------


def test_search_details_credits(tmdb_server):
    client, _ = client_for(tmdb_server)
    data = fetch_movie(client, INCEPTION)
    assert data["tmdb_id"] == 27205 and data["cast"][0] == {
        "name": "Leonardo DiCaprio",
        "character": "Dom Cobb",
        "order": 0,
        "id": 100000,
    }
    assert [e for e, _, _ in tmdb_server.requests] == ["search", "details", "credits"]
    assert tmdb_server.requests[0][2] == {
        "query": "Inception",
        "year": "2010",
        "include_adult": "false",
        "language": "en-US",
    }
    assert all("api_key=test-key" in path for path in tmdb_server.raw_paths)  # tmdbsimple's query parameter


def test_sheet_tmdb_id_skips_the_search(tmdb_server):
    client, _ = client_for(tmdb_server)
    fetch_movie(client, FilmQuery("Whatever the file says", None, 27205))
    assert [e for e, _, _ in tmdb_server.requests] == ["details", "credits"]


def test_wrong_key_401_skips_without_retry(tmdb_server):
    client, waits = client_for(tmdb_server, key="wrong-key")
    with pytest.raises(TmdbSkip, match="rejected the API key.*401"):
        fetch_movie(client, INCEPTION)
    assert tmdb_server.count() == 1 and waits == []


def test_unknown_id_404_skips(tmdb_server):
    client, _ = client_for(tmdb_server)
    with pytest.raises(TmdbSkip, match="HTTP 404"):
        fetch_movie(client, FilmQuery("Inception", 2010, 999999))


def test_no_match_skips_after_a_second_search_without_year(tmdb_server):
    client, _ = client_for(tmdb_server)
    with pytest.raises(TmdbSkip, match="no TMDB match for 'The Night Train' \\(2024\\)"):
        fetch_movie(client, FilmQuery("The Night Train", 2024))
    assert [q.get("year") for e, _, q in tmdb_server.requests] == ["2024", None]


def test_429_is_retried_with_backoff_then_succeeds(tmdb_server):
    tmdb_server.script("search", [429, 503])
    client, waits = client_for(tmdb_server, backoff_s=0.5)
    assert fetch_movie(client, INCEPTION)["tmdb_id"] == 27205
    assert tmdb_server.count("search") == 3
    assert waits == [0.0, 1.0]  # Retry-After: 0 wins for the 429; the 503 waits backoff·2¹


def test_500_exhausts_bounded_retries_then_skips(tmdb_server):
    tmdb_server.script("details", [500] * 10)
    client, waits = client_for(tmdb_server, retries=3, backoff_s=0.5, max_backoff_s=1.5)
    with pytest.raises(TmdbSkip, match="HTTP 500 after 4 attempts"):
        fetch_movie(client, INCEPTION)
    assert tmdb_server.count("details") == 4
    assert waits == [0.5, 1.0, 1.5]  # doubled, capped at max_backoff_s


def test_slow_answer_past_the_timeout_skips(tmdb_server):
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
    settings = TmdbSettings(base_url=f"http://127.0.0.1:{port}/3", timeout_s=1.0, retries=3)
    client = TmdbClient(settings, "test-key", sleep=lambda s: pytest.fail("no retry when the network is down"))
    with pytest.raises(TmdbSkip, match="cannot reach 127.0.0.1"):
        fetch_movie(client, INCEPTION)


def test_no_key_skips_before_any_request(tmdb_server):
    client, _ = client_for(tmdb_server, key=None)
    with pytest.raises(TmdbSkip, match="no TMDB API key"):
        fetch_movie(client, INCEPTION)
    assert tmdb_server.count() == 0


def test_cache_makes_a_rerun_request_nothing(tmdb_server, tmp_path):
    first, _ = client_for(tmdb_server, tmp_path)
    data = fetch_movie(first, INCEPTION)
    assert first.requests_made == 3
    cached = (tmp_path / "tmdb_cache.json").read_text()
    assert "test-key" not in cached
    second, _ = client_for(tmdb_server, tmp_path, key=None)  # not even a key is needed
    assert fetch_movie(second, INCEPTION) == data
    assert (second.requests_made, second.cache_hits, tmdb_server.count()) == (0, 3, 3)


def test_failures_are_not_cached(tmdb_server, tmp_path):
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
