"""Measuring subtitles against references: WER of their text and timing of sentence boundaries."""

from __future__ import annotations

import difflib
import statistics
from collections.abc import Sequence

import srt

from bench.wer import normalise
from subflow.subtitles.format import DASH, Event


def event_text(event: Event) -> str:
    """What a viewer reads, without dialogue dashes."""
    return " ".join(line.removeprefix(DASH) for line in event.lines)


def events_text(events: Sequence[Event]) -> str:
    return " ".join(event_text(e) for e in events)


def events_from_srt(text: str) -> list[Event]:
    """Events of an SRT file written by any tool (no word times: their rules are not checked)."""
    return [Event(s.start.total_seconds(), s.end.total_seconds(), s.content.splitlines(), []) for s in srt.parse(text)]


def boundary_errors(reference: Sequence[tuple[float, float, str]], events: Sequence[Event]) -> dict:
    """Start/end errors (event − reference, seconds) for each reference segment.

    Matching is by text: reference and subtitle words are aligned (difflib, on normalised words);
    a segment's events are those holding any of its aligned words. Its start error is the first
    such event's in-time minus the segment start; its end error the last one's out-time minus the
    segment end. An event that runs across a sentence boundary therefore counts against both.
    """
    ref_tokens, ref_owner = [], []
    for index, (_, _, text) in enumerate(reference):
        tokens = normalise(text).split()
        ref_tokens += tokens
        ref_owner += [index] * len(tokens)
    hyp_tokens, hyp_owner = [], []
    for index, event in enumerate(events):
        tokens = normalise(event_text(event)).split()
        hyp_tokens += tokens
        hyp_owner += [index] * len(tokens)
    owners: dict[int, set[int]] = {}
    matcher = difflib.SequenceMatcher(None, ref_tokens, hyp_tokens, autojunk=False)
    for block in matcher.get_matching_blocks():
        for k in range(block.size):
            owners.setdefault(ref_owner[block.a + k], set()).add(hyp_owner[block.b + k])
    start_errors, end_errors = [], []
    for index, (start, end, _) in enumerate(reference):
        if index in owners:
            start_errors.append(round(min(events[e].start for e in owners[index]) - start, 3))
            end_errors.append(round(max(events[e].end for e in owners[index]) - end, 3))
    return {
        "matched_segments": len(start_errors),
        "reference_segments": len(reference),
        "median_abs_start_error_s": round(statistics.median(map(abs, start_errors)), 3) if start_errors else None,
        "median_abs_end_error_s": round(statistics.median(map(abs, end_errors)), 3) if end_errors else None,
        "start_errors_s": start_errors,
        "end_errors_s": end_errors,
    }
