"""Is the speech English? What an English-only model's own uncertainty says about it.

An English-only model (tiny.en) cannot detect a language, and on other languages it writes fluent,
confident-looking English that is not in the film. What it cannot hide is its own uncertainty: the mean
log-probability of its words falls far lower on other languages than on English, and it repeats itself
(zlib compression ratio of a segment's text over 2.4, Whisper's own hallucination threshold). Under
``NOT_ENGLISH_LOG_PROBABILITY``, or under ``REPETITIVE_LOG_PROBABILITY`` and repetitive, with at least
``MIN_WORDS_TO_JUDGE`` words, the verdict is "not English"; fewer words cannot be judged (recorded as such).
It detects "not understood as English"; it cannot name the language, and very poor English audio could be
taken for it. A multilingual model that detects another language (``asr.language: null``) is judged by that.
The thresholds' measurements: bench/results/figures.md.
"""

import math
import zlib

MIN_WORDS_TO_JUDGE = 5
NOT_ENGLISH_LOG_PROBABILITY = -0.6
REPETITIVE_LOG_PROBABILITY = -0.4
REPETITION_RATIO = 2.4


def compression_ratio(text: str) -> float:
    data = text.encode("utf-8")
    return len(data) / len(zlib.compress(data)) if data else 0.0


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
        "method": "mean log-probability of the recognised words and repetition; detects speech the model does"
        " not understand as English, cannot name its language",
    }
    if probabilities:
        mean_log = sum(math.log(max(p, 1e-4)) for p in probabilities) / len(probabilities)
        check["mean_log_word_probability"] = round(mean_log, 3)
        check["low_probability_words"] = round(sum(p < 0.3 for p in probabilities) / len(probabilities), 3)
    if body["language"] not in (None, "en"):
        check["verdict"] = "not_english"
    elif len(probabilities) < MIN_WORDS_TO_JUDGE:
        check["verdict"] = "too_little_speech_to_judge"
    elif check["mean_log_word_probability"] < NOT_ENGLISH_LOG_PROBABILITY or (
        check["mean_log_word_probability"] < REPETITIVE_LOG_PROBABILITY
        and check["max_compression_ratio"] > REPETITION_RATIO
    ):
        check["verdict"] = "not_english"
    else:
        check["verdict"] = "english"
    return check


def not_english_message(film: str, model: str, check: dict) -> str:
    if check["decoded_as"] not in (None, "en"):
        found = f"the model {model} detects {check['decoded_as']!r} (probability {check['language_probability']})"
    else:
        repeats = (
            f", repeating itself (ratio {check['max_compression_ratio']})"
            if check["max_compression_ratio"] > REPETITION_RATIO
            else ""
        )
        found = (
            f"the English-only model {model} does not understand the speech (mean word log-probability "
            f"{check['mean_log_word_probability']} over {check['words']} words{repeats}); it is probably not English"
        )
    return (
        f"{film}: {found}. subflow makes English subtitles from English speech: choose the English audio "
        "track (demux.audio_stream) or a multilingual asr.model"
    )
