"""Successful TMDB responses of one film, kept so that a rerun of the tmdb stage makes no request."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from subflow.errors import StageError
from subflow.io import read_json, write_json

CACHE_VERSION = 1


def cache_key(path: str, params: Mapping[str, Any]) -> str:
    """``movie/27205?language=en-US``: the request without its key, as the cache's index."""
    clean = {k: v for k, v in sorted(params.items()) if k != "api_key" and v is not None}
    return f"{path}?{urlencode(clean)}" if clean else path


class ResponseCache:
    """The responses in one JSON file beside tmdb_data.json (``None``: in memory only).

    The file is not a Snakemake output, so it survives a rerun of the stage (that is its point);
    delete it to force fresh requests."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.responses: dict[str, Any] = {}
        if path is not None and path.exists():
            try:
                data = read_json(path)
            except StageError:
                return  # a damaged cache is only a cache: start again
            if data.get("version") == CACHE_VERSION and isinstance(data.get("responses"), dict):
                self.responses = data["responses"]

    def get(self, key: str) -> Any:
        return self.responses.get(key)

    def put(self, key: str, value: Any) -> None:
        self.responses[key] = value
        if self.path is not None:
            write_json(self.path, {"version": CACHE_VERSION, "responses": self.responses}, indent=1)
