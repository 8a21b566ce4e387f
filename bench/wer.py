"""Word error rate of subtitles or transcripts against a reference script."""

from __future__ import annotations

import re

import srt

_PUNCT = re.compile(r"[^\w\s']+")


def normalise(text: str) -> str:
    """Lowercase, dialogue dashes and punctuation gone, numbers as written, single spaces."""
    text = _PUNCT.sub(" ", text.lower().replace("’", "'"))
    return " ".join(text.split())


def srt_text(srt_body: str) -> str:
    """All subtitle text of an SRT in order, lines joined by spaces."""
    return " ".join(event.content.replace("\n", " ") for event in srt.parse(srt_body))


def word_error_rate(reference: str, hypothesis: str) -> float:
    import jiwer

    return float(jiwer.wer(normalise(reference), normalise(hypothesis)))
