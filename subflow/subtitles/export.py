"""Subtitle events written out as the files players read."""

from collections.abc import Sequence
from datetime import timedelta

import srt

from subflow.subtitles.format import Event


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
