"""The timeline picture, checked by rendering it: size, and that it is not blank (pixel variance, colours of
the tracks present); a silent film or one with nothing yet is still a picture."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from subflow.report.data import WIDTH_PX, film_data
from subflow.report.picture import draw_timeline


def picture(path: Path) -> np.ndarray:
    with Image.open(path) as image:
        assert image.format == "PNG"
        return np.asarray(image.convert("RGB")).astype(float)


def has_colour(pixels: np.ndarray, hex_colour: str, at_least: int = 50) -> bool:
    rgb = np.array([int(hex_colour[i : i + 2], 16) for i in (1, 3, 5)])
    return int((np.abs(pixels - rgb).sum(axis=2) < 30).sum()) >= at_least


def test_timeline_has_every_track_on_one_axis(film: dict[str, str], tmp_path: Path):
    data = film_data(**film, speech_used=film["pyannote"])
    path = draw_timeline(data, tmp_path / "report" / "timeline.png", "The Night Train (2024)")
    pixels = picture(path)
    height, width, _ = pixels.shape
    assert width == WIDTH_PX and 400 <= height <= 1200
    assert pixels.std() > 20  # not blank
    for colour in ("#57606a", "#8250df", "#0969da", "#1a7f37", "#cf222e"):  # waveform, tracks, red event
        assert has_colour(pixels, colour), colour
    assert [p.name for p in path.parent.iterdir()] == ["timeline.png"]  # written whole: no partial file left


def test_a_silent_film_with_empty_subtitles_is_still_a_picture(tmp_path: Path, silent_film: dict[str, str]):
    pixels = picture(draw_timeline(film_data(**silent_film), tmp_path / "silent.png"))
    assert pixels.shape[1] == WIDTH_PX and pixels.std() > 5  # axes, labels, "no speech": a picture


def test_nothing_yet_is_still_a_picture(tmp_path: Path):
    pixels = picture(draw_timeline(film_data("Unstarted_2020"), tmp_path / "nothing.png"))
    assert pixels.shape[1] == WIDTH_PX and pixels.std() > 5
