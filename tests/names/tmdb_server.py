"""A real HTTP server on 127.0.0.1 that answers like TMDB's v3 API, for tests and the benchmark.

It serves JSON in the shape TMDB returns (tests/names/data/*.json: written by hand after TMDB v3
responses for Inception, id 27205; person ids are illustrative) and can be told to misbehave per
endpoint: a list of scripted answers (HTTP status codes, ``"slow"`` to sleep past the client's
timeout, ``"ok"``) is consumed one request at a time, then it answers normally.

    with TmdbServer(api_key="k") as server:
        server.script("search", [429, "ok"])
        ... TmdbOptions(base_url=server.base_url) ...
        server.requests  # every request: (endpoint, path, query without api_key)
"""

from __future__ import annotations

import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

DATA = Path(__file__).with_name("data")


def load(name: str) -> Any:
    return json.loads((DATA / name).read_text(encoding="utf-8"))


class Film:
    """One film the server knows: its search result, details and credits."""

    def __init__(self, details: dict, credits: dict, search_result: dict | None = None) -> None:
        self.details = details
        self.credits = credits
        self.search_result = search_result or {
            key: details.get(key)
            for key in ("id", "title", "original_title", "overview", "release_date", "original_language", "popularity")
        }

    @classmethod
    def inception(cls) -> Film:
        return cls(
            load("inception_details.json"), load("inception_credits.json"), load("inception_search.json")["results"][0]
        )


class TmdbServer:
    """ThreadingHTTPServer on a free port of 127.0.0.1 serving /3/search/movie, /3/movie/{id}, /3/movie/{id}/credits."""

    def __init__(self, api_key: str = "test-key", films: list[Film] | None = None, slow_s: float = 3.0) -> None:
        self.api_key = api_key
        self.films = {int(f.details["id"]): f for f in (films if films is not None else [Film.inception()])}
        self.extra_results = load("inception_search.json")["results"][1:]
        self.slow_s = slow_s
        self.requests: list[tuple[str, str, dict]] = []
        self.raw_paths: list[str] = []
        self._scripts: dict[str, list[Any]] = {}
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/3"

    def script(self, endpoint: str, answers: list[Any]) -> None:
        """Answers for the next requests to ``endpoint`` (search | details | credits | any)."""
        with self._lock:
            self._scripts[endpoint] = list(answers)

    def count(self, endpoint: str | None = None) -> int:
        return sum(1 for e, _, _ in self.requests if endpoint in (None, e))

    def __enter__(self) -> TmdbServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    # --- request handling ---------------------------------------------------------------------------
    def _next_scripted(self, endpoint: str) -> Any:
        with self._lock:
            for key in (endpoint, "any"):
                if self._scripts.get(key):
                    return self._scripts[key].pop(0)
        return "ok"

    def _answer(self, endpoint: str, path: str, query: dict) -> tuple[int, dict, dict]:
        if query.get("api_key") != self.api_key:
            return (
                401,
                {
                    "status_code": 7,
                    "status_message": "Invalid API key: You must be granted a valid key.",
                    "success": False,
                },
                {},
            )
        scripted = self._next_scripted(endpoint)
        if scripted == "slow":
            time.sleep(self.slow_s)
        elif isinstance(scripted, int):
            headers = {"Retry-After": "0"} if scripted == 429 else {}
            return (
                scripted,
                {
                    "status_code": 25 if scripted == 429 else 11,
                    "status_message": f"scripted {scripted}",
                    "success": False,
                },
                headers,
            )
        if endpoint == "search":
            wanted = (query.get("query") or "").lower()
            year = query.get("year")
            results = [f.search_result for f in self.films.values()] + self.extra_results
            results = [r for r in results if wanted and wanted.split()[0] in (r.get("title") or "").lower()]
            if year:
                results = [r for r in results if str(r.get("release_date", "")).startswith(year)]
            return 200, {"page": 1, "results": results, "total_pages": 1, "total_results": len(results)}, {}
        film = self.films.get(int(re.search(r"/movie/(\d+)", path).group(1)))
        if film is None:
            return (
                404,
                {
                    "status_code": 34,
                    "status_message": "The resource you requested could not be found.",
                    "success": False,
                },
                {},
            )
        return 200, (film.credits if endpoint == "credits" else film.details), {}

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # keep test output clean
                pass

            def do_GET(self) -> None:
                url = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                if re.fullmatch(r"/3/search/movie", url.path):
                    endpoint = "search"
                elif re.fullmatch(r"/3/movie/\d+/credits", url.path):
                    endpoint = "credits"
                elif re.fullmatch(r"/3/movie/\d+", url.path):
                    endpoint = "details"
                else:
                    endpoint = "unknown"
                with server._lock:
                    server.requests.append((endpoint, url.path, {k: v for k, v in query.items() if k != "api_key"}))
                    server.raw_paths.append(self.path)
                if endpoint == "unknown":
                    status, body, headers = (
                        404,
                        {"status_code": 34, "status_message": "not found", "success": False},
                        {},
                    )
                else:
                    status, body, headers = server._answer(endpoint, url.path, query)
                data = json.dumps(body).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json;charset=utf-8")
                    self.send_header("Content-Length", str(len(data)))
                    for key, value in headers.items():
                        self.send_header(key, value)
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout test)

        return Handler
