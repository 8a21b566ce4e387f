"""Lines in another language inside an English film: found, translated, and marked for the forced set.

The film-level vote says English; a few lines may not be (a French exchange, a German radio message). An
English decode of such a line is low-confidence words, English that nobody says, or nothing at all. So the
film's speech is cut into **pieces**, the lines as heard (:func:`pieces`: each speech segment, split where
its decoded words pause for ``PIECE_GAP_S``, since voice activity joins two speakers' lines that follow
closely), and each piece of at least ``MIN_LINE_S`` whose words are unsure (mean probability under
``SUSPECT_PROBABILITY``, or no word) gets its own language identification. A piece is in another language
when Whisper gives English under ``ENGLISH_AT_MOST`` (or under ``ENGLISH_DOUBTED`` while the English words
are lost, :func:`other_language`): a probability *against* English, not for the other language, because
Whisper names synthetic or accented speech unsurely (espeak-ng's Polish: Polish 0.29, Japanese 0.18) while
it rarely doubts English that much (bench/results/figures.md); the language is then the most probable other
one (Welsh, which Whisper hears in English, needs ``ENGLISH_LOOKALIKES``). A foreign piece cut from a
longer speech segment leaves when the whole segment is surely English, and a foreign piece of several
sentences hears each alone, so that an English line run into it leaves it (:func:`foreign_pieces`).
Neighbouring pieces found in one language are one line; the line is decoded again by the multilingual
model with ``task="translate"``: its English words replace the English-only guess, and its segments carry
``spoken_language`` so that the subtitles stage can put them in the forced set. Cost comes only from the
unsure pieces: one language identification each, one decode for each line found.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from subflow.asr.detect import language_rankings, top_language
from subflow.asr.redecode import decode_clips
from subflow.asr.trouble import timeless
from subflow.io import SAMPLE_RATE

MIN_LINE_S = 1.0
SUSPECT_PROBABILITY = 0.7
PIECE_GAP_S = 0.5  # a pause between decoded words this long may be a change of line
PIECE_EDGE_S = 0.1  # a piece cut at a pause keeps this much of it on each side
ENGLISH_AT_MOST = 0.1
ENGLISH_DOUBTED = 0.3
WORDS_LOST = 0.5
ENGLISH_SURE = 0.5  # a segment or sentence around a foreign piece this surely English is English
JOIN_S = 1.0
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


def pieces(speech: Sequence[dict], decoded: Sequence[dict]) -> list[dict]:
    """Each speech segment as the lines it holds: cut where its decoded words pause for ``PIECE_GAP_S`` or
    more (the cut keeps ``PIECE_EDGE_S`` of the pause on each side), whole when it has no word. Each piece
    carries its speech segment and its words, those said in some time: words Whisper piles up at one instant
    are its own text, not the speech (an Italian line decoded in English as the line before it, twice over,
    all at 25.44 s)."""
    found = []
    for segment in speech:
        start, end = float(segment["start"]), float(segment["end"])
        runs: list[list[dict]] = []
        for word in (w for w in words_in(decoded, start, end) if not timeless(w)):
            if runs and word["start"] - runs[-1][-1]["end"] < PIECE_GAP_S:
                runs[-1].append(word)
            else:
                runs.append([word])
        if not runs:
            found.append({"start": start, "end": end, "words": [], "segment": (start, end)})
        for i, run in enumerate(runs):
            found.append(
                {
                    "start": start if i == 0 else max(start, run[0]["start"] - PIECE_EDGE_S),
                    "end": end if i == len(runs) - 1 else min(end, run[-1]["end"] + PIECE_EDGE_S),
                    "words": run,
                    "segment": (start, end),
                }
            )
    return found


def unsure_pieces(speech: Sequence[dict], decoded: Sequence[dict]) -> list[dict]:
    """The pieces of at least ``MIN_LINE_S`` an English decode may have got wrong: no word, or words whose
    mean probability is under ``SUSPECT_PROBABILITY``."""
    return [
        piece
        for piece in pieces(speech, decoded)
        if piece["end"] - piece["start"] >= MIN_LINE_S and _mean_probability(piece["words"]) < SUSPECT_PROBABILITY
    ]


def _mean_probability(words: Sequence[dict]) -> float:
    """The words' mean probability; 0 for no word (speech with no word is unsure)."""
    return sum(w["probability"] for w in words) / len(words) if words else 0.0


def _english_probability(ranking: Sequence[tuple[str, float]]) -> float:
    return dict(ranking).get("en", 0.0)


def other_language(ranking: Sequence[tuple[str, float]], words: Sequence[dict]) -> tuple[str, float] | None:
    """The language of a piece that is not English, with its probability over the other languages; None for
    English. Not English: Whisper gives English under ``ENGLISH_AT_MOST``, or under ``ENGLISH_DOUBTED``
    while the English decode's words (``words``) are surer of nothing than ``WORDS_LOST``."""
    english = _english_probability(ranking)
    lost = _mean_probability(words) < WORDS_LOST
    if english >= ENGLISH_AT_MOST and not (english < ENGLISH_DOUBTED and lost):
        return None
    language, probability = top_language([(code, p) for code, p in ranking if code != "en"])
    if language in ENGLISH_LOOKALIKES:  # its bar holds against English too, as Whisper ranks them
        heard, over_all = top_language(ranking)
        if heard != language or over_all < ENGLISH_LOOKALIKES[language]:
            return None
    return language, probability


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


def sentences(piece: dict) -> list[dict]:
    """A piece cut after each decoded word that ends a sentence; the cuts fall halfway between the words."""
    runs: list[list[dict]] = [[]]
    for word in piece["words"]:
        if runs[-1] and runs[-1][-1]["word"].strip()[-1:] in ".?!":
            runs.append([])
        runs[-1].append(word)
    runs = [run for run in runs if run]
    if len(runs) < 2:
        return [piece]
    cuts = [piece["start"], *((a[-1]["end"] + b[0]["start"]) / 2 for a, b in zip(runs, runs[1:])), piece["end"]]
    return [{"start": a, "end": b, "words": run} for a, b, run in zip(cuts, cuts[1:], runs)]


def _english(ranking: Sequence[tuple[str, float]]) -> bool:
    return _english_probability(ranking) >= ENGLISH_SURE


def _rankings(detector: Any, samples: np.ndarray, stretches: Sequence[dict], workers: int) -> list[list]:
    clips = [samples[int(p["start"] * SAMPLE_RATE) : int(p["end"] * SAMPLE_RATE)] for p in stretches]
    return language_rankings(detector, clips, workers)


def foreign_pieces(
    detector: Any, samples: np.ndarray, speech: Sequence[dict], decoded: Sequence[dict], workers: int = 1
) -> list[dict]:
    """The unsure pieces that are not English, in time order, each with its ``language``, ``probability``
    and ``english`` (Whisper's probability of English); then :func:`_in_english_segments` and
    :func:`_without_english_sentences` take out what is English after all."""
    candidates = unsure_pieces(speech, decoded)
    found = []
    for piece, ranking in zip(candidates, _rankings(detector, samples, candidates, workers)):
        other = other_language(ranking, piece["words"])
        if other is not None:
            found.append(
                {**piece, "language": other[0], "probability": other[1], "english": _english_probability(ranking)}
            )
    found = [p for p, english in zip(found, _in_english_segments(detector, samples, found, workers)) if not english]
    return [part for piece in found for part in _without_english_sentences(detector, samples, piece, workers)]


def _in_english_segments(detector: Any, samples: np.ndarray, found: Sequence[dict], workers: int) -> list[bool]:
    """Whether each piece was cut from a longer speech segment that Whisper calls English at ``ENGLISH_SURE``
    or more. A line cut at a pause after a few names ("Who is he, Juniper," of "Who is he, Juniper? A
    lawyer?") was named Japanese, Vietnamese or French in three English dev films, their segments English at
    0.69-0.94, while each foreign line cut from a segment kept its segment's vote (bench/results/figures.md)."""
    cut = [i for i, p in enumerate(found) if (p["start"], p["end"]) != p["segment"]]
    segments = [{"start": found[i]["segment"][0], "end": found[i]["segment"][1]} for i in cut]
    english = {i for i, ranking in zip(cut, _rankings(detector, samples, segments, workers)) if _english(ranking)}
    return [i in english for i in range(len(found))]


def _without_english_sentences(detector: Any, samples: np.ndarray, piece: dict, workers: int) -> list[dict]:
    """A foreign piece of several decoded sentences may have taken in an English line that followed it with no
    pause (voice activity and the decode both run them together): each of its sentences of ``MIN_LINE_S`` or
    more is heard alone, and those Whisper calls English at ``ENGLISH_SURE`` or more leave it; the rest stays
    (:func:`foreign_lines` joins it again)."""
    parts = sentences(piece)
    judged = [i for i, part in enumerate(parts) if len(parts) > 1 and part["end"] - part["start"] >= MIN_LINE_S]
    heard = _rankings(detector, samples, [parts[i] for i in judged], workers)
    english = {i for i, ranking in zip(judged, heard) if _english(ranking)}
    return [{**piece, **part} for i, part in enumerate(parts) if i not in english]


def foreign_lines(pieces_found: Sequence[dict]) -> list[dict]:
    """Foreign pieces in one language less than ``JOIN_S`` apart as one line (a pause inside a line)."""
    lines: list[dict] = []
    for piece in pieces_found:
        if lines and lines[-1]["language"] == piece["language"] and piece["start"] - lines[-1]["end"] < JOIN_S:
            lines[-1]["end"] = max(lines[-1]["end"], piece["end"])
        else:
            lines.append({k: piece[k] for k in ("start", "end", "language", "probability", "english")})
    return lines


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
    unsure pieces are heard ``workers`` at a time; the lines found are translated one after another."""
    records = []
    kept = list(decoded)
    for line in foreign_lines(foreign_pieces(detector, samples, speech, decoded, workers)):
        start, end, language = line["start"], line["end"], line["language"]
        translated = decode_clips(translator, samples, [start, end], language, beam_size, "translate")
        for segment in translated:
            segment["spoken_language"] = language
        heard = " ".join(w["word"].strip() for w in words_in(kept, start, end))
        kept = without_words_in(kept, start, end) + translated
        records.append(
            {
                "start": round(start, 3),
                "end": round(end, 3),
                "language": language,
                "probability": round(line["probability"], 3),
                "english_probability": round(line["english"], 3),
                "heard_as_english": heard,
                "translation": " ".join(s["text"] for s in translated),
            }
        )
    kept.sort(key=lambda s: (s["start"], s["end"]))
    return kept, records
