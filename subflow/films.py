"""Which films to subtitle: the input folder and the optional movies sheet, each with its folder name."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from subflow.naming import folder_name, parse_film_name

VIDEO_EXTENSIONS = (".mp4", ".mkv", ".mov", ".avi", ".m4v", ".webm")
# Audio-only inputs are subtitled too: the result is an MP4 with the audio and the subtitle track.
AUDIO_EXTENSIONS = (".m4a", ".mp3", ".wav", ".flac")
FILM_EXTENSIONS = VIDEO_EXTENSIONS + AUDIO_EXTENSIONS


@dataclass(frozen=True)
class Film:
    """One input film and what is known of it before any stage runs."""

    path: str
    title: str
    year: int | None
    tmdb_id: int | None = None
    audio_stream: int | None = None  # the movies sheet's choice among the film's audio streams (0, 1, …)


class FilmListError(ValueError):
    """The inputs cannot be mapped to movie folders (duplicates, bad sheet)."""


def _films_in_folder(input_dir: Path) -> list[Film]:
    if not input_dir.is_dir():
        return []
    films = []
    for path in sorted(input_dir.iterdir()):
        if path.suffix.lower() in FILM_EXTENSIONS and path.is_file() and not path.name.startswith("."):
            name = parse_film_name(path)
            films.append(Film(str(path.absolute()), name.title, name.year))
    return films


def _optional_int(value: object) -> int | None:
    if value is None or (isinstance(value, float) and value != value) or str(value).strip() == "":
        return None
    return int(float(str(value)))


def _films_in_sheet(sheet: Path) -> list[Film]:
    import pandas as pd  # only when a sheet is used: keeps plain runs light

    try:
        table = pd.read_csv(sheet, sep="\t", dtype=str, comment="#")
    except (OSError, ValueError) as exc:
        raise FilmListError(f"movies sheet {sheet}: {exc}") from exc
    missing = {"path"} - set(table.columns)
    if missing:
        raise FilmListError(f"movies sheet {sheet}: missing column(s) {', '.join(sorted(missing))}")
    films = []
    for row_number, row in enumerate(table.to_dict("records"), start=2):
        path = Path(str(row["path"])).expanduser()
        if not path.is_absolute():
            path = sheet.parent / path
        parsed = parse_film_name(path)
        title = str(row.get("title") or "").strip() if row.get("title") == row.get("title") else ""
        try:
            year = _optional_int(row.get("year")) if "year" in row else None
            tmdb_id = _optional_int(row.get("tmdb_id")) if "tmdb_id" in row else None
            audio_stream = _optional_int(row.get("audio_stream")) if "audio_stream" in row else None
        except ValueError as exc:
            raise FilmListError(f"movies sheet {sheet}, line {row_number}: {exc}") from exc
        if audio_stream is not None and audio_stream < 0:
            raise FilmListError(f"movies sheet {sheet}, line {row_number}: audio_stream {audio_stream} is negative")
        path_text = str(path.absolute())
        films.append(Film(path_text, title or parsed.title, year if year else parsed.year, tmdb_id, audio_stream))
    return films


def discover_films(input_dir: str, movies_sheet: str = "") -> dict[str, Film]:
    """Map each movie folder name to its film; two films that share a folder are an error."""
    films = _films_in_folder(Path(input_dir))
    if movies_sheet:
        films += _films_in_sheet(Path(movies_sheet))
    by_folder: dict[str, Film] = {}
    for film in films:
        folder = folder_name(film.title, film.year)
        if folder in by_folder and by_folder[folder].path != film.path:
            raise FilmListError(
                f"{by_folder[folder].path!r} and {film.path!r} both map to the movie folder "
                f"{folder!r}; rename one or give it another title/year in the movies sheet"
            )
        by_folder[folder] = film
    return by_folder
