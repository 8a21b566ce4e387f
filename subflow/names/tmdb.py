"""Stage 2 (tmdb): which TMDB film the file is, and its ``metadata/tmdb_data.json`` body.

:func:`lookup` searches (title + year, or the movies sheet's tmdb_id), then reads details and credits
through :class:`~subflow.names.tmdb_client.TmdbClient`. Anything that stops it (no key, network down,
no match, 401, 404, retries exhausted) makes it return :func:`skipped_data` with the reason, so that
the rest of the pipeline runs on the file name's title.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from subflow.errors import StageError
from subflow.names.tmdb_cache import ResponseCache
from subflow.names.tmdb_client import TmdbClient, TmdbSkip
from subflow.names.tmdb_key import SecretFilter, load_api_key, redact
from subflow.options import TmdbOptions

# Crew jobs kept in tmdb_data.json: the people a viewer might hear named or read in credits.
MAIN_JOBS = (
    "Director",
    "Screenplay",
    "Writer",
    "Story",
    "Novel",
    "Characters",
    "Producer",
    "Original Music Composer",
    "Director of Photography",
    "Editor",
)
# A search result is the film when its (original) title is at least this similar (0–100).
TITLE_MATCH_MIN = 85.0


def _optional_int(value: object) -> int | None:
    return int(value) if value not in (None, "", "None") else None


@dataclass(frozen=True)
class FilmQuery:
    """What is known of the film before TMDB: the file name's title and year, the sheet's tmdb_id."""

    title: str
    year: int | None = None
    tmdb_id: int | None = None

    @classmethod
    def from_params(cls, title: object, year: object, tmdb_id: object) -> FilmQuery:
        """The query from Snakemake params, where a missing year or id may arrive as ``""`` or ``"None"``."""
        return cls(str(title), _optional_int(year), _optional_int(tmdb_id))

    def body(self) -> dict:
        return {"title": self.title, "year": self.year, "tmdb_id": self.tmdb_id}


# --- choosing the film -----------------------------------------------------------------------------


def normalise_title(title: str) -> str:
    """Lowercase letters and digits only, accents folded, ``&`` as ``and``: for title comparison."""
    text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode().lower()
    text = text.replace("&", " and ")
    return " ".join(re.findall(r"[a-z0-9]+", text))


def _year_of(result: Mapping[str, Any]) -> int | None:
    date = str(result.get("release_date") or "")
    return int(date[:4]) if re.match(r"^\d{4}", date) else None


def title_similarity(title: str, result: Mapping[str, Any]) -> float:
    from rapidfuzz import fuzz

    wanted = normalise_title(title)
    names = [result.get("title") or "", result.get("original_title") or ""]
    return max((fuzz.ratio(wanted, normalise_title(n)) for n in names if n), default=0.0)


def choose_result(results: list[Mapping[str, Any]], title: str, year: int | None) -> Mapping[str, Any] | None:
    """The search result that is the film: title similar enough, release year equal (±1 when the
    file name's year is a re-release or festival year), best title then TMDB's own order."""
    best, best_rank = None, None
    for position, result in enumerate(results):
        similarity = title_similarity(title, result)
        if similarity < TITLE_MATCH_MIN:
            continue
        result_year = _year_of(result)
        if year is not None and (result_year is None or abs(result_year - year) > 1):
            continue
        year_rank = 0 if year is None or result_year == year else 1
        rank = (year_rank, -similarity, position)
        if best_rank is None or rank < best_rank:
            best, best_rank = result, rank
    return best


def find_tmdb_id(client: TmdbClient, query: FilmQuery) -> int:
    """The film's TMDB id: the sheet's, else a search by title and year (then by title alone)."""
    if query.tmdb_id:
        return int(query.tmdb_id)
    results = client.search_movie(query.title, query.year).get("results") or []
    chosen = choose_result(results, query.title, query.year)
    if chosen is None and query.year is not None:
        # TMDB's year filter uses any release date; a film listed under a neighbouring year is
        # found by the title alone, then still held to ±1 year by choose_result.
        results = client.search_movie(query.title, None).get("results") or []
        chosen = choose_result(results, query.title, query.year)
    if chosen is None:
        when = f" ({query.year})" if query.year else ""
        raise TmdbSkip(f"no TMDB match for {query.title!r}{when} among {len(results)} search result(s)")
    return int(chosen["id"])


# --- tmdb_data.json --------------------------------------------------------------------------------


def build_tmdb_data(details: Mapping[str, Any], credits: Mapping[str, Any], query: FilmQuery, max_cast: int) -> dict:
    """The ``metadata/tmdb_data.json`` body of a found film (docs/data-formats.md)."""
    cast_rows = sorted(credits.get("cast") or [], key=lambda c: (c.get("order", 10**6), c.get("name") or ""))
    cast = [
        {
            "name": (c.get("name") or "").strip(),
            "character": (c.get("character") or "").strip(),
            "order": int(c.get("order", i)),
            "id": c.get("id"),
        }
        for i, c in enumerate(cast_rows[:max_cast])
        if (c.get("name") or "").strip()
    ]
    crew, seen = [], set()
    for person in credits.get("crew") or []:
        job, name = person.get("job") or "", (person.get("name") or "").strip()
        if job in MAIN_JOBS and name and (name, job) not in seen:
            seen.add((name, job))
            crew.append({"name": name, "job": job, "department": person.get("department") or ""})
    crew.sort(key=lambda p: (MAIN_JOBS.index(p["job"]), p["name"]))
    collection = details.get("belongs_to_collection") or {}
    return {
        "status": "found",
        "reason": None,
        "tmdb_id": int(details["id"]),
        "imdb_id": details.get("imdb_id"),
        "title": details.get("title") or query.title,
        "original_title": details.get("original_title") or "",
        "year": _year_of(details) or query.year,
        "release_date": details.get("release_date") or "",
        "original_language": details.get("original_language") or "",
        "tagline": details.get("tagline") or "",
        "overview": details.get("overview") or "",
        "genres": [g.get("name") for g in details.get("genres") or [] if g.get("name")],
        "collection": collection.get("name") if isinstance(collection, dict) else None,
        "runtime_minutes": details.get("runtime"),
        "cast": cast,
        "cast_total": len(credits.get("cast") or []),
        "crew": crew,
        "query": query.body(),
    }


def skipped_data(query: FilmQuery, reason: str) -> dict:
    """A valid tmdb_data.json for a film TMDB could not give: the file name's title and year only."""
    return {
        "status": "skipped",
        "reason": reason,
        "tmdb_id": query.tmdb_id,
        "imdb_id": None,
        "title": query.title,
        "original_title": "",
        "year": query.year,
        "release_date": "",
        "original_language": "",
        "tagline": "",
        "overview": "",
        "genres": [],
        "collection": None,
        "runtime_minutes": None,
        "cast": [],
        "cast_total": 0,
        "crew": [],
        "query": query.body(),
    }


def fetch_movie(client: TmdbClient, query: FilmQuery) -> dict:
    """Search, details and credits → the tmdb_data.json body; :class:`TmdbSkip` when impossible."""
    tmdb_id = find_tmdb_id(client, query)
    details = client.details(tmdb_id)
    credits = client.credits(tmdb_id)
    return build_tmdb_data(details, credits, query, client.options.max_cast)


# --- the stage -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Lookup:
    """What the stage writes and records: the tmdb_data.json body, why TMDB was skipped, the request counts."""

    data: dict
    reason: str | None  # None when the film was found
    requests_made: int
    cache_hits: int


def lookup(
    options: TmdbOptions, query: FilmQuery, environ: Mapping[str, str], cache_path: Path, logger: logging.Logger
) -> Lookup:
    """The film's TMDB record, or the skipped record and its reason; the key is blanked out of ``logger``'s
    handlers first, and out of every reason and error."""
    api_key, key_source = load_api_key(environ, options.api_key_file)
    for handler in logger.handlers:
        handler.addFilter(SecretFilter(api_key))
    logger.info(
        "film %r (%s), tmdb_id %s; API %s; key: %s",
        query.title,
        query.year,
        query.tmdb_id,
        options.base_url,
        key_source if api_key else "none",
    )
    cache = ResponseCache(cache_path if options.cache else None)
    client = TmdbClient(options, api_key, cache, logger, no_key_reason=key_source)
    try:
        if not options.enabled:
            raise TmdbSkip("tmdb.enabled is false")
        data, reason = fetch_movie(client, query), None
    except TmdbSkip as skip:
        reason = redact(str(skip), api_key)
        data = skipped_data(query, reason)
    except Exception as exc:  # noqa: BLE001 — an unexpected error: fail, but never with the key in it
        raise StageError(redact(f"TMDB lookup failed: {type(exc).__name__}: {exc}", api_key)) from None
    return Lookup(data, reason, client.requests_made, client.cache_hits)
