"""Stage 2 (tmdb): the film's TMDB v3 record (details + credits) through ``tmdbsimple``.

Everything here is a plain function or a small class the stage script and the tests call:

* :func:`load_api_key` reads the key from ``TMDB_API_KEY`` or a file; the key then lives only in
  ``tmdbsimple.API_KEY`` (sent as the ``api_key`` query parameter) and in :class:`SecretFilter`,
  which blanks it out of any log line. No message this module builds ever contains a URL.
* :class:`TmdbClient` makes the calls with a timeout, bounded retries with exponential backoff on
  HTTP 429/5xx and timeouts (``Retry-After`` honoured up to a cap), and a per-movie response cache
  so that a rerun makes no request at all.
* :func:`fetch_movie` searches (title + year, or the movies sheet's tmdb_id), then reads details and
  credits and returns the ``metadata/tmdb_data.json`` body. Anything that stops it (no key, network
  down, no match, 401, 404, retries exhausted) raises :class:`TmdbSkip`, whose message is the reason
  the stage records before ending ``skipped``; :func:`skipped_data` is the valid file written then.
"""

from __future__ import annotations

import json
import logging
import os
import re
import time
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

DEFAULT_BASE_URL = "https://api.themoviedb.org/3"
API_KEY_ENV = "TMDB_API_KEY"
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
CACHE_VERSION = 1


class TmdbSkip(Exception):
    """TMDB data cannot be had (no key, network down, no match, API refusing); the message says why."""


@dataclass(frozen=True)
class TmdbSettings:
    """The ``tmdb:`` block of config.yaml."""

    enabled: bool = True
    base_url: str = DEFAULT_BASE_URL
    api_key_file: str = ""
    language: str = "en-US"
    timeout_s: float = 10.0
    retries: int = 3
    backoff_s: float = 1.0
    max_backoff_s: float = 30.0
    cache: bool = True
    max_cast: int = 100

    @classmethod
    def from_config(cls, options: Mapping[str, Any]) -> TmdbSettings:
        known = {name: options[name] for name in cls.__dataclass_fields__ if name in options}
        return cls(**known)


@dataclass(frozen=True)
class FilmQuery:
    """What is known of the film before TMDB: the file name's title and year, the sheet's tmdb_id."""

    title: str
    year: int | None = None
    tmdb_id: int | None = None


# --- the API key -------------------------------------------------------------------------------


def load_api_key(environ: Mapping[str, str], key_file: str = "") -> tuple[str | None, str]:
    """The API key and where it came from: ``TMDB_API_KEY`` first, else the file ``key_file``.

    Returns ``(None, reason)`` when there is none; the reason never contains the key."""
    value = (environ.get(API_KEY_ENV) or "").strip()
    if value:
        return value, f"environment variable {API_KEY_ENV}"
    if key_file:
        path = Path(key_file).expanduser()
        try:
            value = path.read_text(encoding="utf-8").strip()
        except OSError as exc:
            return None, f"tmdb.api_key_file {path} cannot be read ({exc.strerror or type(exc).__name__})"
        if value:
            return value.splitlines()[0].strip(), f"file {path}"
        return None, f"tmdb.api_key_file {path} is empty"
    return None, f"no TMDB API key (set {API_KEY_ENV} or tmdb.api_key_file)"


def redact(text: str, secret: str | None) -> str:
    """``text`` with every occurrence of ``secret`` replaced by ``***``."""
    if secret and secret in text:
        return text.replace(secret, "***")
    return text


class SecretFilter(logging.Filter):
    """Blanks a secret out of every record a handler emits (message, arguments and traceback)."""

    def __init__(self, secret: str | None) -> None:
        super().__init__()
        self.secret = secret

    def filter(self, record: logging.LogRecord) -> bool:
        if self.secret:
            message = record.getMessage()
            if record.exc_info:
                message += "\n" + logging.Formatter().formatException(record.exc_info)
                record.exc_info = None
                record.exc_text = None
            record.msg, record.args = redact(message, self.secret), None
        return True


def quiet_http_loggers() -> None:
    """urllib3 logs each request line (with its query string) at DEBUG: never let that through."""
    for name in ("urllib3", "requests", "urllib3.connectionpool"):
        logging.getLogger(name).setLevel(logging.WARNING)


# --- the response cache ------------------------------------------------------------------------


def cache_key(path: str, params: Mapping[str, Any]) -> str:
    """``movie/27205?language=en-US``: the request without its key, as the cache's index."""
    clean = {k: v for k, v in sorted(params.items()) if k != "api_key" and v is not None}
    return f"{path}?{urlencode(clean)}" if clean else path


class ResponseCache:
    """Successful TMDB responses of one movie, in one JSON file beside tmdb_data.json.

    The file is not a Snakemake output, so it survives a rerun of the stage (that is its point);
    delete it to force fresh requests."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.responses: dict[str, Any] = {}
        if path is not None and path.exists():
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
                if data.get("version") == CACHE_VERSION and isinstance(data.get("responses"), dict):
                    self.responses = data["responses"]
            except (OSError, ValueError):
                self.responses = {}  # a damaged cache is only a cache: start again

    def get(self, key: str) -> Any:
        return self.responses.get(key)

    def put(self, key: str, value: Any) -> None:
        self.responses[key] = value
        if self.path is None:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f".{self.path.name}.tmp")
        body = {"version": CACHE_VERSION, "responses": self.responses}
        tmp.write_text(json.dumps(body, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        os.replace(tmp, self.path)


# --- the client ----------------------------------------------------------------------------------


def _retry_after(response: Any) -> float | None:
    value = getattr(response, "headers", {}).get("Retry-After") if response is not None else None
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None


@dataclass
class TmdbClient:
    """tmdbsimple against ``settings.base_url`` with timeout, retries and the cache."""

    settings: TmdbSettings
    api_key: str | None
    cache: ResponseCache = field(default_factory=lambda: ResponseCache(None))
    logger: logging.Logger = field(default_factory=lambda: logging.getLogger("subflow.names.tmdb"))
    sleep: Callable[[float], None] = time.sleep
    no_key_reason: str = f"no TMDB API key (set {API_KEY_ENV} or tmdb.api_key_file)"
    requests_made: int = 0
    cache_hits: int = 0

    @property
    def host(self) -> str:
        return urlsplit(self.settings.base_url).netloc or self.settings.base_url

    def _configure(self) -> None:
        import requests
        import tmdbsimple

        quiet_http_loggers()
        tmdbsimple.API_KEY = self.api_key
        tmdbsimple.REQUESTS_TIMEOUT = (self.settings.timeout_s, self.settings.timeout_s)
        if tmdbsimple.REQUESTS_SESSION is None:
            tmdbsimple.REQUESTS_SESSION = requests.Session()

    def _endpoint(self, kind: str, tmdb_id: int | None = None) -> Any:
        import tmdbsimple

        self._configure()
        obj = tmdbsimple.Search() if kind == "search" else tmdbsimple.Movies(tmdb_id)
        obj.base_uri = self.settings.base_url.rstrip("/")
        return obj

    def search_movie(self, title: str, year: int | None) -> dict:
        params = {"query": title, "year": year, "include_adult": False, "language": self.settings.language}
        params = {k: v for k, v in params.items() if v is not None}
        return self._get("search/movie", params, lambda: self._endpoint("search").movie(**params))

    def details(self, tmdb_id: int) -> dict:
        params = {"language": self.settings.language}
        return self._get(f"movie/{tmdb_id}", params, lambda: self._endpoint("movie", tmdb_id).info(**params))

    def credits(self, tmdb_id: int) -> dict:
        params = {"language": self.settings.language}
        return self._get(f"movie/{tmdb_id}/credits", params, lambda: self._endpoint("movie", tmdb_id).credits(**params))

    def _get(self, path: str, params: dict, call: Callable[[], Any]) -> dict:
        key = cache_key(path, params)
        cached = self.cache.get(key)
        if cached is not None:
            self.cache_hits += 1
            self.logger.info("TMDB %s: from the cache", path)
            return cached
        if not self.api_key:
            raise TmdbSkip(self.no_key_reason)
        data = self._with_retries(path, call)
        if not isinstance(data, dict):
            raise TmdbSkip(f"TMDB {path}: unexpected answer (not a JSON object)")
        self.cache.put(key, data)
        return data

    def _with_retries(self, path: str, call: Callable[[], Any]) -> Any:
        import requests

        attempts = self.settings.retries + 1
        problem = ""
        for attempt in range(attempts):
            wait = min(self.settings.max_backoff_s, self.settings.backoff_s * (2**attempt))
            started = time.monotonic()
            self.requests_made += 1
            try:
                data = call()
                self.logger.info("TMDB %s: HTTP 200 in %.2f s", path, time.monotonic() - started)
                return data
            except requests.HTTPError as exc:  # str(exc) holds the URL with the key: never used
                status = exc.response.status_code if exc.response is not None else 0
                if status == 401:
                    raise TmdbSkip("TMDB rejected the API key (HTTP 401)") from None
                if status == 404:
                    raise TmdbSkip(f"TMDB has no {path} (HTTP 404)") from None
                if status != 429 and status < 500:
                    raise TmdbSkip(f"TMDB {path} answered HTTP {status}") from None
                problem = f"HTTP {status}"
                hint = _retry_after(exc.response)
                if hint is not None:
                    wait = min(self.settings.max_backoff_s, hint)
            except requests.Timeout:
                problem = f"no answer within {self.settings.timeout_s:g} s"
            except requests.ConnectionError as exc:
                cause = type(exc).__name__
                raise TmdbSkip(f"cannot reach {self.host} ({cause}; network down?)") from None
            except requests.RequestException as exc:
                raise TmdbSkip(f"TMDB {path}: request failed ({type(exc).__name__})") from None
            except ValueError:
                raise TmdbSkip(f"TMDB {path}: the answer is not valid JSON") from None
            if attempt + 1 < attempts:
                self.logger.warning(
                    "TMDB %s: %s (attempt %d of %d); retrying in %.1f s", path, problem, attempt + 1, attempts, wait
                )
                self.sleep(wait)
        raise TmdbSkip(f"TMDB {path}: {problem} after {attempts} attempts")


# --- choosing the film and shaping tmdb_data.json --------------------------------------------------


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
        "query": {"title": query.title, "year": query.year, "tmdb_id": query.tmdb_id},
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
        "query": {"title": query.title, "year": query.year, "tmdb_id": query.tmdb_id},
    }


def fetch_movie(client: TmdbClient, query: FilmQuery) -> dict:
    """Search, details and credits → the tmdb_data.json body; :class:`TmdbSkip` when impossible."""
    tmdb_id = find_tmdb_id(client, query)
    details = client.details(tmdb_id)
    credits = client.credits(tmdb_id)
    return build_tmdb_data(details, credits, query, client.settings.max_cast)
