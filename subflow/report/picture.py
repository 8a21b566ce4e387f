"""The timeline picture: the waveform above, below it one row a track, on the film's time axis.

Whatever :class:`FilmData` holds is drawn: a silent film, or one whose later stages failed, is still a picture
(a flat waveform, empty rows that say so), so the report shows how far a film got.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import numpy as np

from subflow.io import atomic_write
from subflow.progress import clock_text
from subflow.report.data import WIDTH_PX, FilmData

DPI = 100
WAVE_IN, AXES_IN, ROW_IN = 1.7, 1.9, 0.34  # heights in inches: the waveform, titles and axis, a track row
MUTED, WAVE_COLOUR, GRID_COLOUR, NOTE_COLOUR = "#8c959f", "#57606a", "#eaeef2", "#cf222e"


def _hide_box(axes: Any) -> None:
    for spine in ("top", "right"):
        axes.spines[spine].set_visible(False)


def _draw_waveform(wave: Any, data: FilmData) -> None:
    """The envelope scaled to its peak, so quiet audio is still visible; the level in dBFS says how loud."""
    if data.envelope is not None and data.envelope[0].size:
        times, low, high = data.envelope
        peak = max(float(np.abs(low).max()), float(np.abs(high).max()), 1e-9)
        wave.fill_between(times, low / peak, high / peak, step="post", color=WAVE_COLOUR, linewidth=0)
        level = f"peak {data.peak_dbfs:.1f} dBFS" if data.peak_dbfs is not None else "silent: all samples zero"
        wave.set_ylabel(f"waveform\n{level}", fontsize=9)
    else:
        wave.text(0.5, 0.5, "no audio", transform=wave.transAxes, ha="center", va="center", color=MUTED)
        wave.set_ylabel("waveform", fontsize=9)
    wave.axhline(0, color="#d0d7de", linewidth=0.6)
    wave.set_ylim(-1.05, 1.05)
    wave.set_yticks([])
    _hide_box(wave)


def _draw_tracks(lanes: Any, data: FilmData, end: float) -> None:
    """One row a track, the first on top; every interval at least a pixel wide, so a short one still shows."""
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    labels = []
    for row, track in enumerate(reversed(data.tracks)):
        if track.intervals:
            spans = [(start, max(stop - start, end / WIDTH_PX)) for start, stop in track.intervals]
            lanes.broken_barh(spans, (row - 0.36, 0.72), facecolors=track.colours, linewidth=0)
        else:
            lanes.text(end / 2, row, track.empty_text, ha="center", va="center", fontsize=8, color=MUTED)
        labels.append(track.label)
    if not data.tracks:
        lanes.text(end / 2, 0, "no speech, speaker or subtitle track yet", ha="center", va="center", color=MUTED)
        labels = [""]
    lanes.set_yticks(range(len(labels)), labels, fontsize=9)
    lanes.set_ylim(-0.6, len(labels) - 0.4)
    lanes.grid(axis="x", color=GRID_COLOUR, linewidth=0.6)
    lanes.set_axisbelow(True)
    lanes.set_xlim(0, end)
    lanes.xaxis.set_major_locator(MaxNLocator(nbins=16, steps=[1, 2, 2.5, 5, 6, 10]))
    lanes.xaxis.set_major_formatter(FuncFormatter(lambda x, _: clock_text(x) if end >= 120 else f"{x:g}s"))
    lanes.set_xlabel("time in the film", fontsize=9)
    _hide_box(lanes)


def _title(data: FilmData, title: str | None) -> str:
    facts = [clock_text(data.duration) if data.duration >= 60 else f"{data.duration:.1f} s"]
    facts.append("no subtitles" if data.subtitle_count is None else f"{data.subtitle_count} subtitle events")
    if data.compliance is not None:
        facts.append(f"compliance {100 * data.compliance:.1f}%")
    if data.speaker_count:
        facts.append(f"{data.speaker_count} speakers")
    return f"{title or data.movie}: {', '.join(facts)}"


def draw_timeline(data: FilmData, target: str | Path, title: str | None = None) -> Path:
    """Draw ``data`` as a PNG ``WIDTH_PX`` wide: the waveform above, one row a track below."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = max(len(data.tracks), 1)
    height_in = AXES_IN + WAVE_IN + ROW_IN * rows
    figure, (wave, lanes) = plt.subplots(
        2,
        1,
        figsize=(WIDTH_PX / DPI, height_in),
        dpi=DPI,
        sharex=True,
        gridspec_kw={"height_ratios": [WAVE_IN, ROW_IN * rows + 0.1], "hspace": 0.06},
    )
    end = data.duration if data.duration > 0 else 1.0
    _draw_waveform(wave, data)
    _draw_tracks(lanes, data, end)
    figure.suptitle(_title(data, title), x=0.01, ha="left", fontsize=12)
    if data.notes:
        figure.text(0.99, 0.985, "; ".join(data.notes), ha="right", va="top", fontsize=8, color=NOTE_COLOUR)
    figure.subplots_adjust(left=0.2, right=0.99, top=1 - 0.55 / height_in, bottom=0.55 / height_in)
    png = io.BytesIO()
    figure.savefig(png, format="png", dpi=DPI)
    plt.close(figure)
    target = Path(target)
    atomic_write(target, png.getvalue())
    return target
