"""The film's spoken language, by majority over speech windows spread through the film, and what asr does
with it: transcribe English, translate another language into English, or refuse at once.

Whisper's own language identification reads one 30 s window; a film that opens on a song, a title card in
another language or a foreign prologue would be judged by that alone. So up to ``LANGUAGE_WINDOWS`` of the
speech segments (the lines as voice activity finds them), spread evenly from the first to the last, each get
a vote (heard on at most their middle 15 s); the language with the most votes wins (ties: the higher summed
probability), and its probability is the mean over the segments that voted for it; voting ends once one
language has more than half of them. A segment votes, not a 30 s window: a window holds several lines, and
its one vote went to whatever the mix leaned to (on the language films' dev half, an English film with three
of seven lines in Italian and French voted Italian on its two windows; a vote per line got every dev film
right, bench/results/figures.md). Detection
needs a multilingual model: the ASR model itself, or else the packaged base
(:func:`subflow.models.language_detector_path`), loaded for these few windows only.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass

import numpy as np

from subflow.errors import StageError
from subflow.io import SAMPLE_RATE

LANGUAGE_WINDOWS = 9
# what Whisper names for speech it cannot place: Latin for espeak-ng's German, Italian and Portuguese voices
# (bench/results/figures.md); no film is spoken in it
STAND_INS = frozenset({"la"})
MIN_DETECTION_FRAMES = 1000  # 10 s of 10 ms mel frames: see detect_language
VOTE_SECONDS = 15.0  # of each window that votes on the film's language: see vote_clip
TRANSLATE_MODES = ("auto", "always", "never")

# ISO 639-1 → (English name, ISO 639-2/B for subtitle track tags), for the languages Whisper knows best.
LANGUAGES: dict[str, tuple[str, str]] = {
    "en": ("English", "eng"),
    "de": ("German", "ger"),
    "fr": ("French", "fre"),
    "es": ("Spanish", "spa"),
    "it": ("Italian", "ita"),
    "pt": ("Portuguese", "por"),
    "nl": ("Dutch", "dut"),
    "sv": ("Swedish", "swe"),
    "da": ("Danish", "dan"),
    "no": ("Norwegian", "nor"),
    "fi": ("Finnish", "fin"),
    "pl": ("Polish", "pol"),
    "cs": ("Czech", "cze"),
    "ru": ("Russian", "rus"),
    "uk": ("Ukrainian", "ukr"),
    "el": ("Greek", "gre"),
    "tr": ("Turkish", "tur"),
    "ar": ("Arabic", "ara"),
    "he": ("Hebrew", "heb"),
    "hi": ("Hindi", "hin"),
    "ja": ("Japanese", "jpn"),
    "ko": ("Korean", "kor"),
    "zh": ("Chinese", "chi"),
    "hu": ("Hungarian", "hun"),
    "ro": ("Romanian", "rum"),
    "ca": ("Catalan", "cat"),
    "cy": ("Welsh", "wel"),
    "ga": ("Irish", "gle"),
    "is": ("Icelandic", "ice"),
    "la": ("Latin", "lat"),
}


def language_name(code: str | None) -> str:
    return LANGUAGES.get(code or "", (code or "unknown", ""))[0]


def track_language(code: str | None) -> str:
    """The ISO 639-2 tag of a Whisper language code ("fr" → "fre"); "und" when unknown."""
    return LANGUAGES.get(code or "", ("", "und"))[1]


@dataclass(frozen=True)
class FilmLanguage:
    """What the speech segments voted (asr metadata ``film_language``)."""

    language: str
    probability: float
    votes: dict[str, int]
    windows: int  # speech segments heard (the name is the manifest's since the votes were windows)
    detector: str

    def record(self) -> dict:
        return asdict(self)


def spread(windows: Sequence[dict], count: int) -> list[dict]:
    """``count`` windows evenly spaced from the first to the last (all of them when there are fewer)."""
    if len(windows) <= count:
        return list(windows)
    step = (len(windows) - 1) / (count - 1)
    return [windows[round(i * step)] for i in range(count)]


def language_ranking(model, clip: np.ndarray) -> list[tuple[str, float]]:
    """Whisper's language identification of one clip of at most 30 s: every language with its probability,
    most probable first.

    faster-whisper's ``detect_language`` pads every clip with silence to 30 s. Here the encoder runs on the
    clip's own frames, padded to no less than ``MIN_DETECTION_FRAMES`` (CTranslate2 takes any length up to
    30 s, as whisper.cpp's ``audio_ctx`` does): a line of a few seconds costs a fraction of a full window,
    and its language is not drowned in 25 s of padding (tests/asr/test_detect.py). Under 10 s of context,
    short lines flip between neighbouring languages (Italian heard as Latin)."""
    from faster_whisper.audio import pad_or_trim

    features = model.feature_extractor(clip)[:, : model.feature_extractor.nb_max_frames]
    if features.shape[-1] < MIN_DETECTION_FRAMES:
        features = pad_or_trim(features, MIN_DETECTION_FRAMES)
    found = model.model.detect_language(model.encode(features))[0]
    return [(token[2:-2], float(p)) for token, p in found]  # "<|fr|>" → "fr"


def detect_language(model, clip: np.ndarray) -> tuple[str, float]:
    """The most probable language of one clip (:func:`language_ranking`, :func:`top_language`)."""
    return top_language(language_ranking(model, clip))


def top_language(ranked: Sequence[tuple[str, float]]) -> tuple[str, float]:
    """The most probable of Whisper's ranked languages but ``STAND_INS``, its probability over the others."""
    candidates = [(code, p) for code, p in ranked if code not in STAND_INS] or list(ranked)
    code, probability = candidates[0]
    return code, probability / sum(p for _, p in candidates)


def language_rankings(model, clips: Sequence[np.ndarray], workers: int = 1) -> list[list[tuple[str, float]]]:
    """:func:`language_ranking` of each clip, ``workers`` at once (the model's CTranslate2 workers)."""
    if workers < 2 or len(clips) < 2:
        return [language_ranking(model, clip) for clip in clips]
    with ThreadPoolExecutor(min(workers, len(clips))) as pool:
        return list(pool.map(lambda clip: language_ranking(model, clip), clips))


def vote_clip(samples: np.ndarray, start: float, end: float) -> np.ndarray:
    """The middle ``VOTE_SECONDS`` of a speech segment: the encoder's cost grows faster than the clip, and
    half a window names the language as surely as the whole (bench/results/figures.md)."""
    middle, half = (start + end) / 2, min(VOTE_SECONDS, end - start) / 2
    return samples[int((middle - half) * SAMPLE_RATE) : int((middle + half) * SAMPLE_RATE)]


def detect_film_language(
    model,
    samples: np.ndarray,
    speech: Sequence[dict],
    detector: str,
    count: int = LANGUAGE_WINDOWS,
    workers: int = 1,
) -> FilmLanguage | None:
    """The majority language of up to ``count`` speech segments; None without speech. They are heard
    ``workers`` at a time, and the vote stops as soon as one language holds more than half of them: the rest
    could not change the winner. So a film in one language costs a majority of the votes, no more."""
    clips = [vote_clip(samples, s["start"], s["end"]) for s in spread(speech, count)]
    clips = [clip for clip in clips if clip.size >= SAMPLE_RATE // 2]
    votes: Counter[str] = Counter()
    summed: Counter[str] = Counter()
    heard = 0
    while heard < len(clips):  # first as many clips as make a majority, then ``workers`` more at a time
        take = max(1, workers) if heard else len(clips) // 2 + 1
        for ranking in language_rankings(model, clips[heard : heard + take], workers):
            language, probability = top_language(ranking)
            votes[language] += 1
            summed[language] += probability
        heard += take
        if 2 * max(votes.values()) > len(clips):
            break
    if not votes:
        return None
    language = max(votes, key=lambda code: (votes[code], summed[code]))
    return FilmLanguage(
        language, round(summed[language] / votes[language], 3), dict(votes.most_common()), sum(votes.values()), detector
    )


def tmdb_disagreement(spoken: str | None, original_language: str) -> str | None:
    """A warning when the speech is not in the language TMDB gives as the film's original one: a dub, or a
    wrong TMDB match (its names then do not belong to this film). The speech decides what is decoded."""
    if not spoken or not original_language or spoken == original_language:
        return None
    return (
        f"the speech is {language_name(spoken)} ({spoken}) but TMDB gives the film's original language as "
        f"{language_name(original_language)} ({original_language}): a dub, or TMDB matched another film; "
        "the subtitles follow the speech"
    )


@dataclass(frozen=True)
class Plan:
    """How the batched pass decodes the film: in which language, transcribing or translating."""

    language: str | None
    task: str

    @property
    def translated_from(self) -> str | None:
        return self.language if self.task == "translate" and self.language != "en" else None


def plan_decoding(spoken: str | None, english_only: bool, translate: str, model_name: str, evidence: str = "") -> Plan:
    """The plan for a film whose speech is ``spoken`` (detected or configured; None: unknown).

    ``translate``: auto translates a film in another language into English, always translates whatever is
    spoken, never keeps the spoken language (same-language subtitles). An English-only model on another
    language fails at once, naming the language and the model to choose: it would write English that is not
    in the film."""
    if translate not in TRANSLATE_MODES:
        raise StageError(f"asr.translate: {translate!r} is not one of {', '.join(TRANSLATE_MODES)}")
    if english_only:
        if spoken not in (None, "en"):
            raise StageError(
                f"the speech is {language_name(spoken)} ({spoken}{', ' + evidence if evidence else ''}) and "
                f"asr.model {model_name} is English-only: set asr.model: base (multilingual, shipped) to get "
                "English subtitles"
            )
        return Plan("en", "transcribe")
    if translate == "always" or (translate == "auto" and spoken not in (None, "en")):
        return Plan(spoken, "translate")
    return Plan(spoken, "transcribe")
