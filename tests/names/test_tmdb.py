"""Choosing the TMDB film and shaping tmdb_data.json, through the real client against the local server."""

from __future__ import annotations

import pytest

from subflow.names.tmdb import FilmQuery, build_tmdb_data, choose_result, fetch_movie, skipped_data
from subflow.names.tmdb_client import TmdbSkip
from tests.names.tmdb_server import load

INCEPTION = FilmQuery("Inception", 2010)


def test_query_from_snakemake_params():
    assert FilmQuery.from_params("Inception", "2010", "None") == INCEPTION
    assert FilmQuery.from_params("Inception", "", 27205) == FilmQuery("Inception", None, 27205)


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


def test_search_details_credits(tmdb_server, client_for):
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


def test_sheet_tmdb_id_skips_the_search(tmdb_server, client_for):
    client, _ = client_for(tmdb_server)
    fetch_movie(client, FilmQuery("Whatever the file says", None, 27205))
    assert [e for e, _, _ in tmdb_server.requests] == ["details", "credits"]


def test_no_match_skips_after_a_second_search_without_year(tmdb_server, client_for):
    client, _ = client_for(tmdb_server)
    with pytest.raises(TmdbSkip, match="no TMDB match for 'The Night Train' \\(2024\\)"):
        fetch_movie(client, FilmQuery("The Night Train", 2024))
    assert [q.get("year") for e, _, q in tmdb_server.requests] == ["2024", None]
