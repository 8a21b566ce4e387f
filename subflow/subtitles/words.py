"""Words in: transcript.json → timed words, guarded against Whisper's hallucinations, with speakers.

Pure functions, no I/O; the formatter (:mod:`subflow.subtitles.format`) takes their output.
"""

from __future__ import annotations

import bisect
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from subflow.subtitles.breaks import bare, ends_sentence

MAX_LOOP_WORDS = 8  # longest phrase that collapse_repeats looks for
MIN_TURN_WORDS = 3  # a shorter speaker run inside a sentence is diarization noise
_TOL = 1e-6


@dataclass(frozen=True)
class Word:
    """One spoken word: text without Whisper's leading space, times in seconds, optional speaker."""

    text: str
    start: float
    end: float
    speaker: str | None = None


def _spread(segment: dict) -> list[dict]:
    """Word entries for a segment that has none, timed by character share, so no text is lost."""
    tokens = str(segment.get("text", "")).split()
    start, end = float(segment["start"]), float(segment["end"])
    total = sum(len(t) for t in tokens) or 1
    out, cursor = [], start
    for token in tokens:
        step = (end - start) * len(token) / total
        out.append({"word": token, "start": cursor, "end": cursor + step})
        cursor += step
    return out


def words_from_transcript(transcript: dict) -> list[Word]:
    """Words of transcript.json in order, Whisper's leading spaces stripped; missing times (WhisperX
    alignment leaves some numerals untimed) are taken from the neighbouring word."""
    words: list[Word] = []
    for segment in transcript.get("segments", []):
        entries = segment.get("words") or _spread(segment)
        previous_end = float(segment["start"])
        for entry in entries:
            text = str(entry["word"]).strip()
            if not text:
                continue
            start = entry.get("start")
            start = previous_end if start is None else float(start)
            end = entry.get("end")
            end = start if end is None else max(float(end), start)
            words.append(Word(text, start, end, entry.get("speaker")))
            previous_end = end
    return words


def _merged(spans: Sequence[tuple[float, float]]) -> list[tuple[float, float]]:
    """Sorted, non-overlapping union of time spans."""
    merged: list[tuple[float, float]] = []
    for lo, hi in sorted(spans):
        if merged and lo <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], hi))
        else:
            merged.append((lo, hi))
    return merged


def _fit_to_speech(word: Word, speech: list[tuple[float, float]], starts: list[float]) -> Word:
    """The word cut to the speech segment it overlaps most: Whisper hangs the silence before a
    word onto the word, which would show its subtitle (and place event breaks) in the silence."""
    lo = max(bisect.bisect_right(starts, word.start) - 1, 0)
    hi = bisect.bisect_left(starts, word.end)
    shares = [(min(word.end, e) - max(word.start, s), s, e) for s, e in speech[lo:hi]]
    shares = [share for share in shares if share[0] > 0]
    if not shares:
        return word
    _, s, e = max(shares)
    return Word(word.text, max(word.start, s), min(word.end, e), word.speaker)


def drop_words_outside_speech(
    words: Sequence[Word], speech_segments: list[dict], tolerance_s: float = 0.5
) -> tuple[list[Word], int]:
    """Drop words that touch no VAD speech segment (widened by ``tolerance_s``): Whisper invents text
    over silence and music, and such text must never be shown. Kept words that run into silence
    are cut to their speech segment. Returns (kept words, dropped count)."""
    speech = _merged([(float(s["start"]), float(s["end"])) for s in speech_segments])
    starts = [s for s, _ in speech]
    widened = _merged([(s - tolerance_s, e + tolerance_s) for s, e in speech])
    widened_starts = [s for s, _ in widened]
    kept = []
    for word in words:
        k = bisect.bisect_right(widened_starts, word.end) - 1
        if k >= 0 and widened[k][1] >= word.start:
            kept.append(_fit_to_speech(word, speech, starts))
    return kept, len(words) - len(kept)


def _loop_at(keys: list[str], i: int, min_repeats: int) -> tuple[int, int] | None:
    """(phrase length, repeats) of the shortest phrase starting at ``i`` that loops: a phrase of
    two or more words ``min_repeats`` times, a single word twice as often (people do say
    "Hello? Hello? Hello?", Whisper's one-word loops run on much longer)."""
    for size in range(1, MAX_LOOP_WORDS + 1):
        phrase = keys[i : i + size]
        if len(phrase) < size or not any(phrase):
            return None
        repeats = 1
        while keys[i + repeats * size : i + (repeats + 1) * size] == phrase:
            repeats += 1
        if repeats >= min_repeats * (2 if size == 1 else 1):
            return size, repeats
    return None


def collapse_repeats(words: Sequence[Word], min_repeats: int = 3) -> tuple[list[Word], int]:
    """Keep one copy of a phrase (up to 8 words) that loops in a row, Whisper's typical
    hallucination. Compared without case and punctuation. Returns (words, loops collapsed)."""
    keys = [bare(w.text) for w in words]
    out: list[Word] = []
    loops, i = 0, 0
    while i < len(words):
        found = _loop_at(keys, i, min_repeats)
        if found is None:
            out.append(words[i])
            i += 1
            continue
        size, repeats = found
        out.extend(words[i : i + size])
        loops += 1
        i += size * repeats
    return out, loops


def _overlaps(word: Word, segments: list[dict], starts: list[float], longest: float) -> Counter[str]:
    """Seconds of ``word`` each speaker's segments cover (a zero-length word inside one counts)."""
    overlap: Counter[str] = Counter()
    for segment in segments[bisect.bisect_left(starts, word.start - longest) : bisect.bisect_right(starts, word.end)]:
        shared = min(word.end, float(segment["end"])) - max(word.start, float(segment["start"]))
        if shared >= 0:
            overlap[str(segment["speaker"])] += shared + _TOL
    return overlap


def _nearest_speaker(word: Word, segments: list[dict], starts: list[float]) -> str | None:
    """The speaker of the segment closest in time to a word that overlaps none."""
    if not segments:
        return None
    i = bisect.bisect_left(starts, word.start)
    candidates = segments[max(0, i - 50) : i + 2]  # the segment just after, and those before (one may end late)
    nearest = min(
        candidates or segments,
        key=lambda s: max(float(s["start"]) - word.end, word.start - float(s["end"]), 0.0),
    )
    return str(nearest["speaker"])


def _smooth_sentence(speakers: list[str | None], overlaps: list[Counter[str]], a: int, b: int) -> None:
    """Runs of fewer than MIN_TURN_WORDS words in sentence a..b-1 take its main speaker."""
    total = sum((overlaps[k] for k in range(a, b)), Counter())
    if not total:
        return
    main = total.most_common(1)[0][0]
    k = a
    while k < b:
        r = k
        while r < b and speakers[r] == speakers[k]:
            r += 1
        if speakers[k] != main and r - k < MIN_TURN_WORDS:
            speakers[k:r] = [main] * (r - k)
        k = r


def assign_speakers(words: Sequence[Word], speaker_segments: list[dict]) -> list[Word]:
    """Give each word the speaker whose diarization segments overlap it most; a word in a gap takes
    the nearest segment's speaker (None only when there are no segments at all).
    Diarization edges are rougher than word times, so inside one sentence a run of fewer than
    MIN_TURN_WORDS words takes the sentence's main speaker ("And | I'm Sheila" is one turn)."""
    segments = sorted(speaker_segments, key=lambda s: float(s["start"]))
    starts = [float(s["start"]) for s in segments]
    longest = max((float(s["end"]) - float(s["start"]) for s in segments), default=0.0)
    overlaps = [_overlaps(word, segments, starts, longest) for word in words]
    speakers = [
        o.most_common(1)[0][0] if o else _nearest_speaker(word, segments, starts) for word, o in zip(words, overlaps)
    ]
    begin = 0
    for k, word in enumerate(words):
        if ends_sentence(word.text) or k == len(words) - 1:
            _smooth_sentence(speakers, overlaps, begin, k + 1)
            begin = k + 1
    return [Word(w.text, w.start, w.end, speaker) for w, speaker in zip(words, speakers)]
