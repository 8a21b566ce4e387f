"""Is the text English? What the decoding plan says, and what an English-only model's own doubt says.

The film's language is detected before any decoding (:mod:`subflow.asr.detect`): another language is
translated (verdict ``translated``), kept in its own language when the user asks for that (``asr.translate:
never``, verdict ``spoken_language``), or, with an English-only model, refused before the batched pass.

An English-only model (tiny.en) cannot detect a language. What it cannot hide is its own uncertainty: the mean
log-probability of its words falls far lower on other languages than on English, and it repeats itself (zlib
compression ratio of a segment's text over 2.4, Whisper's own hallucination threshold). Under
``NOT_ENGLISH_LOG_PROBABILITY``, or under ``REPETITIVE_LOG_PROBABILITY`` and repetitive, with at least
``MIN_WORDS_TO_JUDGE`` words, the verdict is ``low_confidence``. That is a doubt, not a detection: hard English
audio (robotic voices, a name repeated, music under the dialogue) looks the same. So by default the film goes
on to its subtitles with the doubt recorded (manifest warning, ``status`` note, log warning); only
``asr.strict_language: true`` turns it into a refusal. Fewer words cannot be judged (recorded as such).
The thresholds' measurements: bench/results/figures.md.
"""

import math

from subflow.asr.trouble import COMPRESSION_RATIO, compression_ratio

MIN_WORDS_TO_JUDGE = 5
NOT_ENGLISH_LOG_PROBABILITY = -0.6
REPETITIVE_LOG_PROBABILITY = -0.4
REPETITION_RATIO = COMPRESSION_RATIO


def language_check(body: dict) -> dict:
    """How well the model understood the speech as English (see the module docstring)."""
    probabilities = [w["probability"] for s in body["segments"] for w in s["words"] if w.get("probability") is not None]
    check = {
        "decoded_as": body["language"],
        "language_probability": body["language_probability"],
        "words": len(probabilities),
        "mean_log_word_probability": None,
        "low_probability_words": None,
        "max_compression_ratio": round(max((compression_ratio(s["text"]) for s in body["segments"]), default=0.0), 2),
        "method": "the language a multilingual model detects; for an English-only model, the mean log-probability"
        " of the recognised words and repetition (a doubt, it cannot name the language)",
    }
    if probabilities:
        mean_log = sum(math.log(max(p, 1e-4)) for p in probabilities) / len(probabilities)
        check["mean_log_word_probability"] = round(mean_log, 3)
        check["low_probability_words"] = round(sum(p < 0.3 for p in probabilities) / len(probabilities), 3)
    if body.get("translated_from"):
        check["verdict"] = "translated"
    elif body["language"] not in (None, "en"):
        check["verdict"] = "spoken_language"
    elif len(probabilities) < MIN_WORDS_TO_JUDGE:
        check["verdict"] = "too_little_speech_to_judge"
    elif check["mean_log_word_probability"] < NOT_ENGLISH_LOG_PROBABILITY or (
        check["mean_log_word_probability"] < REPETITIVE_LOG_PROBABILITY
        and check["max_compression_ratio"] > REPETITION_RATIO
    ):
        check["verdict"] = "low_confidence"
    else:
        check["verdict"] = "english"
    return check


def refuses(check: dict, strict: bool) -> bool:
    """Whether asr fails: only the English-only model's doubt, and only when strict."""
    return strict and check["verdict"] == "low_confidence"


def not_english_message(film: str, model: str, check: dict) -> str:
    """Why the speech may not be English, and what the user can do, in one line."""
    repeats = (
        f", repeating itself (ratio {check['max_compression_ratio']})"
        if check["max_compression_ratio"] > REPETITION_RATIO
        else ""
    )
    return (
        f"{film}: the English-only model {model} does not understand the speech (mean word log-probability "
        f"{check['mean_log_word_probability']} over {check['words']} words{repeats}); it is probably not English. "
        "Choose the English audio track (demux.audio_stream), or asr.model: base to detect and translate the "
        "language; asr.strict_language: false lets such a film through"
    )


def low_confidence_warning(model: str, check: dict) -> str:
    """The warning of a film that goes on despite the English-only model's doubt."""
    return (
        f"low confidence: the English-only model {model} understood the speech poorly (mean word log-probability "
        f"{check['mean_log_word_probability']} over {check['words']} words, repetition ratio "
        f"{check['max_compression_ratio']}): hard audio, or not English; check the subtitles"
    )
