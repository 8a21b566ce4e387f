"""Per-movie folder names derived from film file names.

"Inception (2010).mkv" and "Inception.2010.1080p.mkv" both become ``Inception_2010``. The name
keeps unicode letters and digits only, so it can never escape the output directory and never
needs shell quoting.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

_YEAR = re.compile(r"(?:^|[\s._\-(\[])((?:19|20)\d\d)(?=$|[\s._\-)\]])")
_SEPARATORS = re.compile(r"[\s._]+")
_NOT_WORD = re.compile(r"[^\w]+", re.UNICODE)


@dataclass(frozen=True)
class FilmName:
    """Title and year parsed from a file name, and the folder name built from them."""

    title: str
    year: int | None
    folder: str


def parse_film_name(path: str | Path) -> FilmName:
    """Parse a film's title and year from its file name (release tags after the year are dropped)."""
    stem = unicodedata.normalize("NFC", Path(path).stem)
    # The last year-like token wins ("Blade Runner 2049 (2017)"); a name that is only a year
    # ("1917.mkv") keeps it as the title.
    candidates = [m for m in _YEAR.finditer(stem) if m.start(1) > 0]
    match = candidates[-1] if candidates else None
    year = int(match.group(1)) if match else None
    raw_title = stem[: match.start(1)] if match else stem
    title = _SEPARATORS.sub(" ", raw_title).strip(" -([")
    title = title or stem
    return FilmName(title=title, year=year, folder=folder_name(title, year))


def folder_name(title: str, year: int | None) -> str:
    """Folder name for a title and year: word characters joined by underscores."""
    words = [w for w in _NOT_WORD.split(title.replace("'", "").replace("’", "")) if w]
    words = [w.strip("_") for w in words if w.strip("_")]
    if year is not None and (not words or words[-1] != str(year)):
        words.append(str(year))
    if not words:
        raise ValueError(f"cannot derive a folder name from title {title!r}")
    return "_".join(words)
