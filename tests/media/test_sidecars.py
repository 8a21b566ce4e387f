"""Sidecar subtitles in a real folder tree: named for media servers, never over a file subflow did not write."""

from __future__ import annotations

from pathlib import Path

import pytest

from subflow.errors import StageError
from subflow.media.sidecars import LEDGER, export_sidecars, film_roots, sha256, sidecar_folder

SRT = "1\n00:00:01,000 --> 00:00:02,000\nHello.\n"
VTT = "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nHello.\n"


@pytest.fixture
def sources(tmp_path: Path) -> dict[str, Path]:
    folder = tmp_path / "out" / "Film_2010" / "subtitles"
    folder.mkdir(parents=True)
    (folder / "subtitles.srt").write_text(SRT, encoding="utf-8")
    (folder / "subtitles.vtt").write_text(VTT, encoding="utf-8")
    return {"srt": folder / "subtitles.srt", "vtt": folder / "subtitles.vtt"}


def export(film: Path, sources: dict[str, Path], folder: Path | None = None) -> dict[str, tuple[str, str | None]]:
    done = export_sidecars(str(film), sources, folder or film.parent, sources["srt"].parents[1] / LEDGER)
    return {Path(s.path).name: (s.status, s.reason) for s in done}


def test_sidecars_are_named_by_the_film_basename_and_language(tmp_path: Path, sources):
    film = tmp_path / "library" / "Inception (2010)" / "Inception (2010).mkv"
    film.parent.mkdir(parents=True)
    film.write_bytes(b"film")
    assert export(film, sources) == {
        "Inception (2010).en.srt": ("written", None),
        "Inception (2010).en.vtt": ("written", None),
    }
    assert (film.parent / "Inception (2010).en.srt").read_text(encoding="utf-8") == SRT
    assert sorted(p.name for p in film.parent.iterdir() if p.name.startswith(".")) == [], "no partial file is left"
    assert export(film, sources) == {
        "Inception (2010).en.srt": ("unchanged", None),
        "Inception (2010).en.vtt": ("unchanged", None),
    }


def test_a_rerun_replaces_its_own_file_and_nothing_else(tmp_path: Path, sources):
    film = tmp_path / "Film (2010).mkv"
    film.write_bytes(b"film")
    export(film, sources)
    sources["srt"].write_text(SRT.replace("Hello.", "Hello again."), encoding="utf-8")
    sources["vtt"].write_text(VTT.replace("Hello.", "Hello again."), encoding="utf-8")
    edited = tmp_path / "Film (2010).en.vtt"
    edited.write_text("WEBVTT\n\nfixed by hand\n", encoding="utf-8")
    assert export(film, sources) == {
        "Film (2010).en.srt": ("replaced", None),
        "Film (2010).en.vtt": ("skipped", "it changed since subflow wrote it"),
    }
    assert "Hello again." in (tmp_path / "Film (2010).en.srt").read_text(encoding="utf-8")
    assert edited.read_text(encoding="utf-8") == "WEBVTT\n\nfixed by hand\n"


def test_a_file_subflow_did_not_write_is_recorded_and_left_alone(tmp_path: Path, sources):
    film = tmp_path / "Film (2010).mkv"
    film.write_bytes(b"film")
    theirs = tmp_path / "Film (2010).en.srt"
    theirs.write_text("1\n00:00:00,000 --> 00:00:01,000\nBazarr's\n", encoding="utf-8")
    before = (theirs.read_bytes(), theirs.stat().st_mtime_ns)
    done = export_sidecars(str(film), sources, tmp_path, tmp_path / LEDGER)
    assert [(s.format, s.status, s.reason) for s in done] == [
        ("srt", "skipped", "it exists and subflow did not write it"),
        ("vtt", "written", None),
    ]
    assert done[0].sha256 == sha256(before[0]) and (theirs.read_bytes(), theirs.stat().st_mtime_ns) == before


def test_export_dir_mirrors_the_input_tree(tmp_path: Path):
    library, export_dir = tmp_path / "Movies", tmp_path / "subs"
    film = library / "Inception (2010)" / "Inception (2010).mkv"
    sheet = tmp_path / "sheets" / "movies.tsv"
    assert sidecar_folder(str(film), "", film_roots(str(library), None)) == film.parent
    assert sidecar_folder(str(film), str(export_dir), [str(library)]) == export_dir / "Inception (2010)"
    elsewhere = tmp_path / "sheets" / "more" / "Heat (1995).mkv"
    assert sidecar_folder(str(elsewhere), str(export_dir), film_roots(str(library), str(sheet))) == export_dir / "more"
    outside = Path("/srv/films/Heat (1995).mkv")
    assert sidecar_folder(str(outside), str(export_dir), [str(library)]) == export_dir / "srv" / "films"


def test_no_events_no_sidecars(tmp_path: Path, sources):
    sources["srt"].write_text("", encoding="utf-8")
    film = tmp_path / "Film (2010).mkv"
    assert set(export(film, sources).values()) == {("skipped", "the subtitles have no events")}
    assert not list(tmp_path.glob("*.en.*"))


def test_a_folder_it_cannot_write_is_one_clear_error(tmp_path: Path, sources):
    film = tmp_path / "Film (2010).mkv"
    blocked = tmp_path / "export"
    blocked.write_text("a file where export.dir wants a folder", encoding="utf-8")
    with pytest.raises(StageError, match=r"cannot write the sidecar .*Film \(2010\).en.srt: Not a directory"):
        export(film, sources, blocked / "Films")
