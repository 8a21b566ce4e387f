"""The TMDB API key: where it comes from, and keeping it out of every log line and message.

The key lives only in ``tmdbsimple.API_KEY`` (sent as the ``api_key`` query parameter) and in
:class:`SecretFilter`; no message the TMDB modules build ever contains a URL.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path

API_KEY_ENV = "TMDB_API_KEY"
NO_KEY = f"no TMDB API key (set {API_KEY_ENV} or tmdb.api_key_file)"


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
    return None, NO_KEY


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
