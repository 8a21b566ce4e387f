"""The asr stage's "is this English?" rule on transcripts shaped like the ones tiny.en writes.

The thresholds come from tiny.en on real English recordings (../shared/realdata: JFK, LibriVox,
LJ Speech, AMI; mean word log-probability -0.03…-0.32) and on espeak-ng speech in six other
languages (-0.50…-1.49); the workflow test (test_bad_inputs) runs the real model on real French.
"""

from __future__ import annotations

import math

import pytest

from subflow.asr import language as asr


def body(probabilities: list[float], text: str = "", language: str = "en") -> dict:
    words = [{"word": f" w{i}", "start": i, "end": i + 0.5, "probability": p} for i, p in enumerate(probabilities)]
    return {
        "language": language,
        "language_probability": 1.0,
        "segments": [{"text": text or "some words", "words": words}],
    }


def mean_log(probabilities: list[float]) -> float:
    return sum(math.log(p) for p in probabilities) / len(probabilities)


@pytest.mark.parametrize(
    ("probabilities", "text", "verdict"),
    [
        ([0.99, 0.98, 0.95, 0.9, 0.97, 0.6, 0.99, 0.93], "", "english"),  # clear English
        ([0.95, 0.6, 0.9, 0.7, 0.8, 0.99, 0.5, 0.92], "", "english"),  # hard English, about -0.26
        ([0.6, 0.4, 0.5, 0.7, 0.3, 0.65, 0.45, 0.55], "", "low_confidence"),  # espeak French-like, about -0.7
        ([0.9, 0.95, 0.4, 0.5, 0.85, 0.6, 0.9, 0.3], "Chinese later " * 12, "low_confidence"),  # repeats, -0.42
        ([0.9, 0.95, 0.4, 0.5, 0.85, 0.6, 0.9, 0.3], "", "english"),  # the same words without repeating
        ([0.2, 0.3, 0.25], "", "too_little_speech_to_judge"),  # three words prove nothing
    ],
)
def test_verdict(probabilities: list[float], text: str, verdict: str):
    check = asr.language_check(body(probabilities, text))
    assert check["verdict"] == verdict, (mean_log(probabilities), check)
    assert check["words"] == len(probabilities)


def test_translated_and_spoken_language_text_is_never_refused():
    translated = asr.language_check({**body([0.99] * 10, language="fr"), "translated_from": "fr"})
    spoken = asr.language_check(body([0.99] * 10, language="fr"))
    assert (translated["verdict"], spoken["verdict"]) == ("translated", "spoken_language")
    assert not asr.refuses(translated, strict=True) and not asr.refuses(spoken, strict=True)


def test_only_the_doubt_refuses_and_only_when_strict():
    doubt = asr.language_check(body([0.6, 0.4, 0.5, 0.7, 0.3, 0.65, 0.45, 0.55]))
    english = asr.language_check(body([0.99] * 10))
    assert [asr.refuses(check, strict=False) for check in (doubt, english)] == [False, False]
    assert [asr.refuses(check, strict=True) for check in (doubt, english)] == [True, False]
    warning = asr.low_confidence_warning("tiny.en", doubt)
    assert warning.startswith("low confidence: the English-only model tiny.en") and str(doubt["words"]) in warning
    message = asr.not_english_message("/films/x.mkv", "tiny.en", doubt)
    assert "asr.model: base" in message and "asr.strict_language: false" in message
