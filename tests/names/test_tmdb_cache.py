"""The TMDB response cache: keyed without the API key, one JSON file a rerun reads back."""

from __future__ import annotations

import json

from subflow.names.tmdb_cache import ResponseCache, cache_key


def test_cache_key_never_holds_the_api_key():
    assert cache_key("movie/1", {"api_key": "secret", "language": "en-US"}) == "movie/1?language=en-US"


def test_cache_file_format_and_reload(tmp_path):
    path = tmp_path / "metadata" / "tmdb_cache.json"
    ResponseCache(path).put("movie/1?language=en-US", {"id": 1, "title": "Amélie"})
    body = {"version": 1, "responses": {"movie/1?language=en-US": {"id": 1, "title": "Amélie"}}}
    assert path.read_text(encoding="utf-8") == json.dumps(body, indent=1, ensure_ascii=False) + "\n"
    assert ResponseCache(path).get("movie/1?language=en-US") == {"id": 1, "title": "Amélie"}
    assert [p.name for p in path.parent.iterdir()] == ["tmdb_cache.json"]  # no temporary file left behind


def test_a_damaged_cache_starts_again(tmp_path):
    path = tmp_path / "tmdb_cache.json"
    path.write_text("{not json")
    assert ResponseCache(path).responses == {}
    path.write_text(json.dumps({"version": 0, "responses": {"movie/1": {}}}))
    assert ResponseCache(path).responses == {}
