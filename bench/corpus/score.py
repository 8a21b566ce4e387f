"""What a subtitle file gets right about a corpus film, given its exact reference.

Coverage and "events where nobody speaks" are measured on times alone, so an SRT from any tool is
scored the same way; WER and name recall reuse :mod:`bench.wer` and :mod:`bench.name_recall`.
"""

from __future__ import annotations

from collections.abc import Sequence

from bench.name_recall import score_text
from bench.subtitle_metrics import events_from_srt, events_text
from bench.wer import word_error_rate
from subflow.subtitles.format import Event


def overlap(a: tuple[float, float], b: tuple[float, float]) -> float:
    return max(0.0, min(a[1], b[1]) - max(a[0], b[0]))


def coverage(lines: Sequence[dict], events: Sequence[Event]) -> float:
    """Share of spoken lines that at least one subtitle event overlaps in time."""
    if not lines:
        return 1.0
    covered = sum(1 for line in lines if any(overlap((line["start"], line["end"]), (e.start, e.end)) for e in events))
    return covered / len(lines)


def silent_events(lines: Sequence[dict], events: Sequence[Event]) -> list[Event]:
    """Events that overlap no spoken line: subtitles over music, silence or noise alone."""
    return [e for e in events if not any(overlap((e.start, e.end), (li["start"], li["end"])) for li in lines)]


def passage_events(passages: Sequence[dict], events: Sequence[Event]) -> list[Event]:
    """Events shown during a music-only or silent passage (for more than a quarter second)."""
    return [e for e in events if any(overlap((e.start, e.end), (p["start"], p["end"])) > 0.25 for p in passages)]


def diarization_error(lines: Sequence[dict], turns: Sequence[dict], duration: float) -> float | None:
    """DER of speaker turns against the reference lines, scored as bench.der scores the real recordings."""
    if not turns:
        return None
    from pyannote.core import Segment, Timeline
    from pyannote.metrics.diarization import DiarizationErrorRate

    from bench.der import COLLAR, SKIP_OVERLAP, to_annotation

    metric = DiarizationErrorRate(collar=COLLAR, skip_overlap=SKIP_OVERLAP)
    uem = Timeline([Segment(0.0, duration)])
    return float(metric(to_annotation(list(lines), "film"), to_annotation(list(turns), "film"), uem=uem))


def score_srt(reference: dict, srt_body: str) -> dict:
    """WER, name recall, coverage and events where nobody speaks, for one SRT against one film."""
    events = events_from_srt(srt_body) if srt_body.strip() else []
    text = " ".join(line["text"] for line in reference["lines"])
    hypothesis = events_text(events)
    names = score_text(text, hypothesis, set(reference["name_words"]))
    silent = silent_events(reference["lines"], events)
    return {
        "wer": word_error_rate(text, hypothesis) if hypothesis else 1.0,
        "names": names["names"],
        "names_right": names["recalled"],
        "name_recall": names["recall"],
        "names_missed": names["missed"],
        "false_names": names["false_names"],
        "coverage": coverage(reference["lines"], events),
        "events": len(events),
        "silent_events": len(silent),
        "silent_event_texts": [e.text for e in silent],
        "passage_events": len(passage_events(reference["passages"], events)),
    }
