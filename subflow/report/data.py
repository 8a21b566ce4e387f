"""What the report shows, read from the files the stages wrote (docs/data-formats.md).

Any file may be missing (a stage not built, or a run that failed before it): a view reads what exists and
says what does not, so a film that stopped early is still drawn.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from manifest_lib import MANIFEST_NAME, ManifestError, read_view
from subflow.errors import StageError
from subflow.io import read_json

WIDTH_PX = 1600  # the picture's width: the waveform envelope has one bin per pixel column
MAX_SPEAKER_ROWS = 12  # the speakers who talk most get a row each; the rest share one
SPEECH_COLOURS = {"silero_vad": "#8250df", "pyannote_vad": "#0969da"}
SPEAKER_PALETTE = ("#bf3989", "#1f883d", "#9a6700", "#0550ae", "#cf222e", "#6639ba", "#116329", "#953800")
OTHER_SPEAKERS_COLOUR = "#57606a"
COMPLIANT_COLOUR, NON_COMPLIANT_COLOUR = "#1a7f37", "#cf222e"

Interval = tuple[float, float]
Event = tuple[int, float, float, str]  # index, start, end, text


@dataclass
class Track:
    """One row of the picture: intervals in seconds, a label, a colour per interval."""

    label: str
    intervals: list[Interval] = field(default_factory=list)
    colours: list[str] | str = "#0969da"
    empty_text: str = "none"


@dataclass
class FilmData:
    """Everything the picture shows of one film."""

    movie: str
    duration: float = 0.0
    envelope: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None  # times, low, high (-1..1)
    peak_dbfs: float | None = None
    tracks: list[Track] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what is missing and why
    subtitle_count: int | None = None  # None: no subtitles track (the stage is not built or has not run)
    speaker_count: int = 0
    compliance: float | None = None


def optional_json(path: str | Path | None) -> Any:
    """A stage's JSON file, or None when there is none or it cannot be read: a view draws what exists."""
    if not path:
        return None
    try:
        return read_json(path)
    except StageError:
        return None


def read_manifest(movie_dir: Path) -> tuple[dict[str, Any] | None, str | None]:
    """The film's manifest.json (never moved or rebuilt: a view only reads), or why there is none."""
    try:
        return read_view(movie_dir / MANIFEST_NAME, quarantine=False), None
    except ManifestError as exc:
        return None, str(exc)


def waveform_envelope(
    path: str | Path, columns: int = WIDTH_PX
) -> tuple[np.ndarray, np.ndarray, np.ndarray, float, int]:
    """Min/max of the samples in ``columns`` bins, read in blocks (a 2-hour film is ~230 MB of PCM).

    Returns times (bin starts, s), low, high (-1..1), duration (s) and the sample rate.
    """
    import soundfile

    with soundfile.SoundFile(str(path)) as audio:
        frames, rate = audio.frames, audio.samplerate
        if frames <= 0:
            return np.zeros(0), np.zeros(0), np.zeros(0), 0.0, rate
        per_bin = max(1, math.ceil(frames / columns))
        low, high = [], []
        block = per_bin * max(1, 2_000_000 // per_bin)
        while True:
            data = audio.read(block, dtype="float32", always_2d=True)
            if data.size == 0:
                break
            mono = data.mean(axis=1)
            pad = (-mono.size) % per_bin
            if pad:  # the last bin: repeat its last sample so min/max are unchanged
                mono = np.concatenate([mono, np.full(pad, mono[-1], dtype=mono.dtype)])
            rows = mono.reshape(-1, per_bin)
            low.append(rows.min(axis=1))
            high.append(rows.max(axis=1))
    lows, highs = np.concatenate(low), np.concatenate(high)
    times = np.arange(lows.size) * per_bin / rate
    return times, lows, highs, frames / rate, rate


def subtitle_events(srt_path: str | None) -> list[Event]:
    """(index, start, end, text) of every event of an SRT file; [] when absent or empty."""
    if not srt_path or not Path(srt_path).exists():
        return []
    import srt

    text = Path(srt_path).read_text(encoding="utf-8-sig", errors="replace")
    try:
        return [
            (event.index, event.start.total_seconds(), event.end.total_seconds(), event.content)
            for event in srt.parse(text)
        ]
    except srt.SRTParseError:
        return []


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'s' if count != 1 else ''}"


def _segments(body: Any) -> list[Interval]:
    found = []
    for segment in (body or {}).get("segments", []) or []:
        try:
            start, end = float(segment["start"]), float(segment["end"])
        except (KeyError, TypeError, ValueError):
            continue
        if end > start:
            found.append((start, end))
    return found


def _speech_label(name: str, body: Any, path: str | None, used: str | None) -> str:
    label = f"{name}: {_plural(len(_segments(body)), 'segment')}"
    share = (body or {}).get("speech_percentage")
    if share is not None:
        label += f", {share:.0f}% speech"
    if path and used and Path(path).resolve() == Path(used).resolve():
        label += " (ASR input)"
    return label


def _add_audio(data: FilmData, audio: str | None, columns: int) -> None:
    if not (audio and Path(audio).exists()):
        data.notes.append("no audio (demux has not produced it)")
        return
    times, low, high, duration, _ = waveform_envelope(audio, columns)
    data.envelope = (times, low, high)
    data.duration = data.duration or duration
    peak = float(max(np.abs(low).max(initial=0.0), np.abs(high).max(initial=0.0)))
    data.peak_dbfs = 20 * math.log10(peak) if peak > 0 else None


def _add_speech(data: FilmData, name: str, stage: str, path: str, used: str | None) -> None:
    body = optional_json(path)
    if body is None:
        data.notes.append(f"no {stage} output")
    data.duration = data.duration or float((body or {}).get("duration_seconds") or 0.0)
    data.tracks.append(
        Track(_speech_label(name, body, path, used), _segments(body), SPEECH_COLOURS[stage], "no speech")
    )


def _add_speakers(data: FilmData, path: str) -> None:
    """A row per speaker (most speech first, at most :data:`MAX_SPEAKER_ROWS`), the rest on one row."""
    body = optional_json(path) or {}
    by_speaker: dict[str, list[Interval]] = {}
    for segment in body.get("segments", []) or []:
        if segment.get("end", 0) > segment.get("start", 0):
            by_speaker.setdefault(str(segment.get("speaker")), []).append((segment["start"], segment["end"]))
    data.speaker_count = len(by_speaker)
    ranked = sorted(by_speaker, key=lambda s: -sum(e - b for b, e in by_speaker[s]))
    shown, rest = ranked[:MAX_SPEAKER_ROWS], ranked[MAX_SPEAKER_ROWS:]
    for i, speaker in enumerate(sorted(shown)):
        spans = by_speaker[speaker]
        talk = sum(e - b for b, e in spans)
        colour = SPEAKER_PALETTE[i % len(SPEAKER_PALETTE)]
        data.tracks.append(Track(f"{speaker}: {len(spans)} turns, {talk:.0f} s", spans, colour))
    if rest:
        spans = [span for speaker in rest for span in by_speaker[speaker]]
        data.tracks.append(Track(f"{len(rest)} more speakers", spans, OTHER_SPEAKERS_COLOUR))
    if not by_speaker:
        data.tracks.append(Track("speakers: none", [], empty_text="no speaker found"))


def _add_subtitles(data: FilmData, srt_path: str | None, compliance: str | None) -> None:
    """The subtitle events, the ones the compliance report lists in red."""
    events = subtitle_events(srt_path)
    report = optional_json(compliance) or {}
    bad = {int(e["index"]) for e in report.get("events", []) if "index" in e}
    data.subtitle_count = len(events)
    data.compliance = report.get("compliance")
    label = f"subtitles: {_plural(len(events), 'event')}"
    if bad:
        label += f", {len(bad)} non-compliant"
    colours = [NON_COMPLIANT_COLOUR if index in bad else COMPLIANT_COLOUR for index, *_ in events]
    data.tracks.append(Track(label, [(start, end) for _, start, end, _ in events], colours, "no subtitle events"))
    data.duration = data.duration or max((end for _, _, end, _ in events), default=0.0)


def film_data(
    movie: str,
    audio: str | None = None,
    audio_metadata: str | None = None,
    silero: str | None = None,
    pyannote: str | None = None,
    speakers: str | None = None,
    srt_path: str | None = None,
    compliance: str | None = None,
    speech_used: str | None = None,
    columns: int = WIDTH_PX,
) -> FilmData:
    """Everything the picture shows, from the files that exist (any of them may be None: no track).

    The duration is the first known of: demux's metadata, the audio, the VAD outputs, the last subtitle.
    """
    data = FilmData(movie)
    data.duration = float((optional_json(audio_metadata) or {}).get("duration_seconds") or 0.0)
    _add_audio(data, audio, columns)
    for name, stage, path in (("Silero", "silero_vad", silero), ("pyannote", "pyannote_vad", pyannote)):
        if path is not None:
            _add_speech(data, name, stage, path, speech_used)
    if speakers is not None:
        _add_speakers(data, speakers)
    if srt_path is not None or compliance is not None:
        _add_subtitles(data, srt_path, compliance)
    return data
