"""TMDB v3 through ``tmdbsimple``: a timeout, bounded retries with backoff, the response cache.

HTTP 429/5xx and timeouts are retried with exponential backoff (``Retry-After`` honoured up to a cap);
anything else that stops a request raises :class:`TmdbSkip`, whose message is the reason the stage
records. ``str()`` of a requests error holds the URL, and so the key: no message here uses one.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from subflow.names.tmdb_cache import ResponseCache, cache_key
from subflow.names.tmdb_key import NO_KEY, quiet_http_loggers
from subflow.options import TmdbOptions


class TmdbSkip(Exception):
    """TMDB data cannot be had (no key, network down, no match, API refusing); the message says why."""


def _retry_after(response: Any) -> float | None:
    value = getattr(response, "headers", {}).get("Retry-After") if response is not None else None
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None


@dataclass
class TmdbClient:
    """tmdbsimple against ``options.base_url`` with timeout, retries and the cache."""

    options: TmdbOptions
    api_key: str | None
    cache: ResponseCache = field(default_factory=lambda: ResponseCache(None))
    logger: logging.Logger = field(default_factory=lambda: logging.getLogger("subflow.names.tmdb"))
    sleep: Callable[[float], None] = time.sleep
    no_key_reason: str = NO_KEY
    requests_made: int = 0
    cache_hits: int = 0

    @property
    def host(self) -> str:
        return urlsplit(self.options.base_url).netloc or self.options.base_url

    def _configure(self) -> None:
        import requests
        import tmdbsimple

        quiet_http_loggers()
        tmdbsimple.API_KEY = self.api_key
        tmdbsimple.REQUESTS_TIMEOUT = (self.options.timeout_s, self.options.timeout_s)
        if tmdbsimple.REQUESTS_SESSION is None:
            tmdbsimple.REQUESTS_SESSION = requests.Session()

    def _endpoint(self, kind: str, tmdb_id: int | None = None) -> Any:
        import tmdbsimple

        self._configure()
        obj = tmdbsimple.Search() if kind == "search" else tmdbsimple.Movies(tmdb_id)
        obj.base_uri = self.options.base_url.rstrip("/")
        return obj

    def search_movie(self, title: str, year: int | None) -> dict:
        params = {"query": title, "year": year, "include_adult": False, "language": self.options.language}
        params = {k: v for k, v in params.items() if v is not None}
        return self._get("search/movie", params, lambda: self._endpoint("search").movie(**params))

    def details(self, tmdb_id: int) -> dict:
        params = {"language": self.options.language}
        return self._get(f"movie/{tmdb_id}", params, lambda: self._endpoint("movie", tmdb_id).info(**params))

    def credits(self, tmdb_id: int) -> dict:
        params = {"language": self.options.language}
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

        attempts = self.options.retries + 1
        problem = ""
        for attempt in range(attempts):
            wait = min(self.options.max_backoff_s, self.options.backoff_s * (2**attempt))
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
                    wait = min(self.options.max_backoff_s, hint)
            except requests.Timeout:
                problem = f"no answer within {self.options.timeout_s:g} s"
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
