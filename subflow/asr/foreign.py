"""Lines in another language inside an English film: found, translated, and marked for the forced set.

The film-level vote says English; a few lines may not be (a French exchange, a German radio message). An
English decode of such a line is low-confidence words or nothing at all, so only those stretches are looked
at again (:func:`suspects`): a decoded segment or speech segment of at least ``MIN_LINE_S`` whose words' mean
probability is under ``SUSPECT_PROBABILITY`` (or that has no word) gets its own language identification.
When a multilingual model names another language with at least ``MIN_LANGUAGE_PROBABILITY``, the stretch is
decoded again by that model with ``task="translate"``: its English words replace the English-only guess, and
its segments carry ``spoken_language`` so that the subtitles stage can put them in the forced set. Cost comes
only from the suspect stretches: one language identification each, one decode for each line found.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from subflow.asr.detect import detect_language
from subflow.asr.redecode import decode_clips
from subflow.io import SAMPLE_RATE

MIN_LINE_S = 1.0
SUSPECT_PROBABILITY = 0.7
MIN_LANGUAGE_PROBABILITY = 0.5


def _inside(item: dict, start: float, end: float) -> bool:
    middle = (item["start"] + item["end"]) / 2
    return start <= middle <= end


def words_in(decoded: Sequence[dict], start: float, end: float) -> list[dict]:
    """The decoded words said between ``start`` and ``end`` (by their middle), whatever segment holds them."""
    return [w for s in decoded for w in s["words"] if w.get("start") is not None and _inside(w, start, end)]


def suspects(speech: Sequence[dict], decoded: Sequence[dict]) -> list[dict]:
    """The stretches an English decode may have got wrong because they are in another language: decoded
    segments (about a sentence each) first, then the speech segments they leave (voice activity, which may
    join two speakers' lines, finds speech with no word), of at least ``MIN_LINE_S`` whose words are unsure."""
    found: list[dict] = []
    for line in [*decoded, *speech]:
        start, end = float(line["start"]), float(line["end"])
        if end - start < MIN_LINE_S or any(f["start"] < end and start < f["end"] for f in found):
            continue
        probabilities = [w["probability"] for w in words_in(decoded, start, end)]
        if not probabilities or sum(probabilities) / len(probabilities) < SUSPECT_PROBABILITY:
            found.append({"start": start, "end": end})
    return sorted(found, key=lambda line: line["start"])


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
    detector: Any, translator: Any, samples: np.ndarray, speech: Sequence[dict], decoded: list[dict], beam_size: int
) -> tuple[list[dict], list[dict]]:
    """The transcript's segments with every foreign line translated, and one record per line found."""
    lines = []
    kept = list(decoded)
    for line in suspects(speech, decoded):
        start, end = float(line["start"]), float(line["end"])
        clip = samples[int(start * SAMPLE_RATE) : int(end * SAMPLE_RATE)]
        language, probability = detect_language(detector, clip)
        if language == "en" or probability < MIN_LANGUAGE_PROBABILITY:
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
