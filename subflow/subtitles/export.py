"""Subtitle events written out as the files players read: SRT always, WebVTT and ASS when configured.

All three are made from the same events, so their times and lines agree; ``FORMATS`` maps each
``subtitles.formats`` name to its writer.
"""

from collections.abc import Callable, Sequence
from datetime import timedelta

import srt

from subflow.subtitles.format import Event

# ASS: a plain bottom-centred style on a 1080-line canvas (players scale it to the picture).
ASS_HEADER = """[Script Info]
; written by subflow
ScriptType: v4.00+
PlayResX: 1920
PlayResY: 1080
ScaledBorderAndShadow: yes
WrapStyle: 2

[V4+ Styles]
Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, BackColour, Bold, Italic, \
Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, Outline, Shadow, Alignment, MarginL, MarginR, \
MarginV, Encoding
Style: Default,Arial,64,&H00FFFFFF,&H000000FF,&H00000000,&H80000000,0,0,0,0,100,100,0,0,1,3,1,2,120,120,60,1

[Events]
Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text
"""


def to_srt(events: Sequence[Event]) -> str:
    """SRT text of ``events`` (numbered from 1, times in whole milliseconds)."""
    return srt.compose(
        [
            srt.Subtitle(
                k, timedelta(milliseconds=round(e.start * 1000)), timedelta(milliseconds=round(e.end * 1000)), e.text
            )
            for k, e in enumerate(events, 1)
        ]
    )


def _clock(seconds: float, decimals: int) -> tuple[int, int, int, int]:
    """(hours, minutes, seconds, fraction in 10^-decimals s) of a time, rounded to that fraction."""
    scale = 10**decimals
    ticks = round(seconds * scale)
    whole, fraction = divmod(ticks, scale)
    minutes, secs = divmod(whole, 60)
    hours, minutes = divmod(minutes, 60)
    return hours, minutes, secs, fraction


def _vtt_time(seconds: float) -> str:
    return "{:02d}:{:02d}:{:02d}.{:03d}".format(*_clock(seconds, 3))


def to_vtt(events: Sequence[Event]) -> str:
    """WebVTT text of ``events``; ``&``, ``<`` and ``>`` are escaped, as cue text requires."""
    cues = ["WEBVTT\n"]
    for e in events:
        text = e.text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        cues.append(f"{_vtt_time(e.start)} --> {_vtt_time(e.end)}\n{text}\n")
    return "\n".join(cues)


def _ass_time(seconds: float) -> str:
    return "{}:{:02d}:{:02d}.{:02d}".format(*_clock(seconds, 2))


def to_ass(events: Sequence[Event]) -> str:
    """ASS text of ``events`` in one default style. ASS has no escapes for override braces or backslashes, so
    ``{}`` become ``()`` and ``\\`` becomes ``/``; line breaks are ``\\N``."""
    lines = [ASS_HEADER.rstrip("\n")]
    for e in events:
        text = e.text.replace("\\", "/").replace("{", "(").replace("}", ")").replace("\n", "\\N")
        lines.append(f"Dialogue: 0,{_ass_time(e.start)},{_ass_time(e.end)},Default,,0,0,0,,{text}")
    return "\n".join(lines) + "\n"


FORMATS: dict[str, Callable[[Sequence[Event]], str]] = {"srt": to_srt, "vtt": to_vtt, "ass": to_ass}
