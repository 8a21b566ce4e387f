"""Lines in another language inside an English film: found, translated, and marked for the forced set.

The film-level vote says English; a few lines may not be (a French exchange, a German radio message). An
English decode of such a line is low-confidence words or nothing at all, so only those stretches are looked
at again (:func:`suspects`): a decoded segment or speech segment of at least ``MIN_LINE_S`` whose words' mean
probability is under ``SUSPECT_PROBABILITY`` (or that has no word) gets its own language identification.
When a multilingual model names another language with at least ``MIN_LANGUAGE_PROBABILITY`` (more for the
languages Whisper takes English for, ``ENGLISH_LOOKALIKES``), the stretch is
decoded again by that model with ``task="translate"``: its English words replace the English-only guess, and
its segments carry ``spoken_language`` so that the subtitles stage can put them in the forced set. Cost comes
only from the suspect stretches: one language identification each, one decode for each line found.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from subflow.asr.detect import detect_languages
from subflow.asr.redecode import decode_clips
from subflow.io import SAMPLE_RATE

MIN_LINE_S = 1.0
SUSPECT_PROBABILITY = 0.7
MIN_LANGUAGE_PROBABILITY = 0.5
# Whisper's language identification is known to take English, accented or synthetic, for Welsh (its users
# report English "translated into Welsh"); on the corpus's dev half every false foreign line was Welsh, one
# of them at p 0.71 on one machine's CPU and 0.81 on another's
ENGLISH_LOOKALIKES = {"cy": 0.9}


def _inside(item: dict, start: float, end: float) -> bool:
    middle = (item["start"] + item["end"]) / 2
    return start <= middle <= end


def words_in(decoded: Sequence[dict], start: float, end: float) -> list[dict]:
    """The decoded words said between ``start`` and ``end`` (by their middle), whatever segment holds them."""
    return [w for s in decoded for w in s["words"] if w.get("start") is not None and _inside(w, start, end)]


def suspects(speech: Sequence[dict], decoded: Sequence[dict]) -> list[dict]:
    """The stretches an English decode may have got wrong because they are in another language: decoded
    segments (about a sentence each) first, then the speech segments they leave (voice activity, which may
    join two speakers' lines, finds speech with no word), of at least ``MIN_LINE_S`` whose words are unsure.
    Unsure stretches inside one speech segment with no sure words between them are one line, and a line that
    holds every word of its speech segment is the whole segment: a foreign line the English decode broke into
    pieces is identified on all of its speech (a piece of a second, padded, is any language)."""
    found: list[dict] = []
    for line in [*decoded, *speech]:
        start, end = float(line["start"]), float(line["end"])
        if any(f["start"] < end and start < f["end"] for f in found):
            continue
        if _unsure(words_in(decoded, start, end)):
            found.append({"start": start, "end": end})
    joined: list[dict] = []
    for line in sorted(found, key=lambda line: line["start"]):
        if (
            joined
            and _unsure(words_in(decoded, joined[-1]["end"], line["start"]))
            and any(_holds(segment, joined[-1]["start"], line["end"]) for segment in speech)
        ):
            joined[-1]["end"] = max(joined[-1]["end"], line["end"])
        else:
            joined.append(line)
    lines = [_widened(line, speech, decoded) for line in joined]
    return [line for line in lines if line["end"] - line["start"] >= MIN_LINE_S]


def _widened(line: dict, speech: Sequence[dict], decoded: Sequence[dict]) -> dict:
    """The speech segment that holds ``line`` when none of its words lies outside the line, else the line."""
    for segment in speech:
        start, end = float(segment["start"]), float(segment["end"])
        if _holds(segment, line["start"], line["end"]):
            if all(_inside(w, line["start"], line["end"]) for w in words_in(decoded, start, end)):
                return {"start": min(start, line["start"]), "end": max(end, line["end"])}
            break
    return line


def _unsure(words: Sequence[dict]) -> bool:
    return not words or sum(w["probability"] for w in words) / len(words) < SUSPECT_PROBABILITY


def _holds(segment: dict, start: float, end: float, slack: float = 0.2) -> bool:
    """Whether a speech segment holds the stretch (decoded times may pass its edges by a little)."""
    return float(segment["start"]) - slack <= start and end <= float(segment["end"]) + slack


def without_words_in(decoded: Sequence[dict], start: float, end: float) -> list[dict]:
    """The segments with the words said between ``start`` and ``end`` taken out. A segment left empty goes;
    one whose words lay before and after the stretch becomes two, so that the translation put in between
    stays in time order with the words around it."""
    kept = []
    for segment in decoded:
        runs: list[list[dict]] = [[]]
        for word in segment["words"]:
            if word.get("start") is not None and _inside(word, start, end):
                runs.append([])
            else:
                runs[-1].append(word)
        runs = [run for run in runs if run]
        if len(runs) == 1 and len(runs[0]) == len(segment["words"]):
            kept.append(segment)
            continue
        for words in runs:
            text = "".join(w["word"] for w in words).strip()
            kept.append({**segment, "start": words[0]["start"], "end": words[-1]["end"], "text": text, "words": words})
    return kept


def translate_foreign_lines(
    detector: Any,
    translator: Any,
    samples: np.ndarray,
    speech: Sequence[dict],
    decoded: list[dict],
    beam_size: int,
    workers: int = 1,
) -> tuple[list[dict], list[dict]]:
    """The transcript's segments with every foreign line translated, and one record per line found. The
    suspect lines are heard ``workers`` at a time; the lines found are translated one after another."""
    lines = []
    kept = list(decoded)
    candidates = [(float(line["start"]), float(line["end"])) for line in suspects(speech, decoded)]
    clips = [samples[int(start * SAMPLE_RATE) : int(end * SAMPLE_RATE)] for start, end in candidates]
    for (start, end), (language, probability) in zip(candidates, detect_languages(detector, clips, workers)):
        if language == "en" or probability < ENGLISH_LOOKALIKES.get(language, MIN_LANGUAGE_PROBABILITY):
            continue
        translated = decode_clips(translator, samples, [start, end], language, beam_size, "translate")
        for segment in translated:
            segment["spoken_language"] = language
        heard = " ".join(w["word"].strip() for w in words_in(kept, start, end))
        kept = without_words_in(kept, start, end) + translated
        lines.append(
            {
                "start": round(start, 3),
                "end": round(end, 3),
                "language": language,
                "probability": round(probability, 3),
                "heard_as_english": heard,
                "translation": " ".join(s["text"] for s in translated),
            }
        )
    kept.sort(key=lambda s: (s["start"], s["end"]))
    return kept, lines
