"""A corpus film as TMDB v3 would describe it, for the loopback server of tests/names/tmdb_server.py.

Speaking characters come first in billing order, then the characters that are only named; places are
named in the overview (where pre_ner's spaCy pass finds them), as on TMDB.
"""

from __future__ import annotations

from bench.corpus.spec import FilmSpec
from tests.names.tmdb_server import Film, TmdbServer

TMDB_ID_BASE = 990000


def details(spec: FilmSpec) -> dict:
    return {
        "id": TMDB_ID_BASE + spec.number,
        "title": spec.title,
        "original_title": spec.title,
        "original_language": "en",
        "overview": spec.overview,
        "tagline": "",
        "release_date": f"{spec.year}-05-{1 + spec.number % 28:02d}",
        "popularity": 4.2,
        "runtime": 90,
        "genres": [{"id": 18, "name": "Drama"}],
        "spoken_languages": [{"english_name": "English", "iso_639_1": "en", "name": "English"}],
    }


def credits(spec: FilmSpec) -> dict:
    people = [(s.character, s.actor) for s in spec.speakers] + list(spec.others)
    cast = [
        {
            "adult": False,
            "gender": 0,
            "id": (TMDB_ID_BASE + spec.number) * 10 + order,
            "known_for_department": "Acting",
            "name": actor,
            "original_name": actor,
            "character": character,
            "cast_id": order + 1,
            "credit_id": f"corpus{spec.number:03d}{order:02d}",
            "order": order,
        }
        for order, (character, actor) in enumerate(people)
    ]
    director = spec.extra.get("director")
    crew = [{"name": director, "job": "Director", "department": "Directing"}] if director else []
    return {"id": TMDB_ID_BASE + spec.number, "cast": cast, "crew": crew}


def film(spec: FilmSpec) -> Film:
    return Film(details(spec), credits(spec))


def server(spec: FilmSpec, api_key: str) -> TmdbServer:
    """A loopback TMDB that knows this one film (use it as a context manager)."""
    return TmdbServer(api_key, films=[film(spec)])
