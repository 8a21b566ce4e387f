"""Movie folder names from file names, and the film list built from them."""

from pathlib import Path

import pytest

from subflow.films import FilmListError, discover_films
from subflow.naming import parse_film_name


@pytest.mark.parametrize(
    "name, folder, title, year",
    [
        ("Inception (2010).mkv", "Inception_2010", "Inception", 2010),
        ("Inception.2010.1080p.mkv", "Inception_2010", "Inception", 2010),
        ("Blade_Runner_2049_(2017).mkv", "Blade_Runner_2049_2017", "Blade Runner 2049", 2017),
        ("1917.mkv", "1917", "1917", None),
        ("Amélie (2001).mp4", "Amélie_2001", "Amélie", 2001),
        ("Ocean's Eleven 2001.mkv", "Oceans_Eleven_2001", "Ocean's Eleven", 2001),
        ('He said "hi" (1999).mov', "He_said_hi_1999", 'He said "hi"', 1999),
        ("--rm -rf $(touch x).mp4", "rm_rf_touch_x", "rm -rf $(touch x)", None),
        ("千と千尋の神隠し (2001).mkv", "千と千尋の神隠し_2001", "千と千尋の神隠し", 2001),
    ],
)
def test_folder_names(name, folder, title, year):
    parsed = parse_film_name(name)
    assert (parsed.folder, parsed.title, parsed.year) == (folder, title, year)


def test_folder_name_never_escapes_output_dir():
    assert "/" not in parse_film_name("../../etc/passwd (2001).mkv").folder
    assert parse_film_name("../.. (2001).mkv").folder == "2001"


def test_discover_films_ignores_other_files(tmp_path: Path):
    for name in ["A Film (2001).mkv", "notes.txt", ".hidden.mp4", "B.Film.2002.720p.MP4"]:
        (tmp_path / name).write_bytes(b"x")
    films = discover_films(str(tmp_path))
    assert sorted(films) == ["A_Film_2001", "B_Film_2002"]
    assert films["B_Film_2002"].title == "B Film" and films["B_Film_2002"].year == 2002


def test_two_films_one_folder_is_an_error(tmp_path: Path):
    (tmp_path / "Inception (2010).mkv").write_bytes(b"x")
    (tmp_path / "Inception.2010.1080p.mp4").write_bytes(b"x")
    with pytest.raises(FilmListError, match="Inception_2010"):
        discover_films(str(tmp_path))


def test_movies_sheet(tmp_path: Path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "x.mkv").write_bytes(b"x")
    sheet = tmp_path / "movies.tsv"
    sheet.write_text("path\ttitle\tyear\ttmdb_id\nelsewhere/x.mkv\tThe Real Title\t1999\t603\n", encoding="utf-8")
    films = discover_films(str(tmp_path / "none"), str(sheet))
    film = films["The_Real_Title_1999"]
    assert (film.title, film.year, film.tmdb_id) == ("The Real Title", 1999, 603)
    assert Path(film.path) == elsewhere / "x.mkv"


def test_movies_sheet_without_path_column(tmp_path: Path):
    sheet = tmp_path / "movies.tsv"
    sheet.write_text("title\tyear\nX\t2000\n", encoding="utf-8")
    with pytest.raises(FilmListError, match="missing column"):
        discover_films(str(tmp_path), str(sheet))


def test_movies_sheet_audio_stream_column(tmp_path: Path):
    sheet = tmp_path / "movies.tsv"
    sheet.write_text("path\taudio_stream\nA (2001).mkv\t1\nB (2002).mkv\t\n", encoding="utf-8")
    films = discover_films(str(tmp_path / "none"), str(sheet))
    assert (films["A_2001"].audio_stream, films["B_2002"].audio_stream) == (1, None)
    sheet.write_text("path\taudio_stream\nA (2001).mkv\t-1\n", encoding="utf-8")
    with pytest.raises(FilmListError, match="line 2: audio_stream -1 is negative"):
        discover_films(str(tmp_path / "none"), str(sheet))
