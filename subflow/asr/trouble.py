"""Speech that the fast batched pass may have lost, found by the signals Whisper's own decoder uses.

The batched pass (one prompt, temperature 0, every window at once) is fast, but one bad window can lose
speech without a trace: the prompt's names repeated in place of the dialogue, a loop, a phantom phrase, or
no word at all where the voice activity detection hears speech. Each window (and each speech segment in
it) is checked for these signals; a window in trouble is decoded again (:mod:`subflow.asr.redecode`) and
the try with the fewest signals is kept. The thresholds are Whisper's and faster-whisper's own where they
have one (compression ratio 2.4, log-probability -1.0).
"""

import math
import re
import zlib
from collections.abc import Sequence
from dataclasses import dataclass

COMPRESSION_RATIO = 2.4  # Whisper's hallucination threshold (compression_ratio_threshold)
LOG_PROBABILITY = -1.0  # faster-whisper's log_prob_threshold, here on the words' mean log-probability
LOOP_REPEATS = 3  # the same 1–4 words this many times in a row is a loop
PROMPT_SHARE = 0.6  # a window whose words are mostly the prompt's copied it (with at least PROMPT_MIN_WORDS)
PROMPT_MIN_WORDS = 3
MAX_WORDS_PER_S = 6.0  # faster than any dialogue
MIN_WORDS_PER_S = 0.5  # far slower than any dialogue, over at least SLOW_SPEECH_S of speech
SLOW_SPEECH_S = 5.0
MIN_UNHEARD_S = 1.0  # a speech segment this long with no word is speech lost
PILED_WORDS = 5  # this many words in a row said in no time: text Whisper could not place in the speech
PROMPT_ECHO = "mostly the prompt's words"
PHANTOMS = (  # what Whisper writes into music and silence (WhisperX and faster-whisper users' reports)
    "thanks for watching",
    "thank you for watching",
    "thank you so much for watching",
    "please subscribe",
    "like and subscribe",
    "subtitles by the amara.org community",
    "subtitles by",
    "transcribed by",
    "translated by",
    "www.",
)
_WORD = re.compile(r"[\w']+")


@dataclass(frozen=True)
class Window:
    """One decoding window and the speech segments (voice activity) inside it, in seconds."""

    start: float
    end: float
    speech: tuple[tuple[float, float], ...]

    @property
    def speech_s(self) -> float:
        return sum(end - start for start, end in self.speech)


def compression_ratio(text: str) -> float:
    data = text.encode("utf-8")
    return len(data) / len(zlib.compress(data)) if data else 0.0


def words_of(text: str) -> list[str]:
    return [word.lower() for word in _WORD.findall(text)]


def has_loop(words: Sequence[str]) -> bool:
    """The same phrase of 1–4 words ``LOOP_REPEATS`` times in a row."""
    for size in range(1, 5):
        for start in range(len(words) - size * LOOP_REPEATS + 1):
            phrase = words[start : start + size]
            if all(words[start + k * size : start + (k + 1) * size] == phrase for k in range(1, LOOP_REPEATS)):
                return True
    return False


def timeless(word: dict) -> bool:
    """A word Whisper's alignment gave no time: one it could not find in the sound."""
    return word["end"] <= word["start"]


def piled(segments: Sequence[dict]) -> bool:
    """``PILED_WORDS`` words in a row that take no time: Whisper's alignment puts words it cannot find in the
    sound at one instant (a line in another language decoded as the English line before it, repeated)."""
    run = 0
    for word in (w for s in segments for w in s["words"] if w.get("start") is not None):
        run = run + 1 if timeless(word) else 0
        if run >= PILED_WORDS:
            return True
    return False


def unheard(window: Window, segments: Sequence[dict]) -> list[tuple[float, float]]:
    """The window's speech segments of at least ``MIN_UNHEARD_S`` in which no word was recognised."""
    middles = [(w["start"] + w["end"]) / 2 for s in segments for w in s["words"] if w.get("start") is not None]
    return [
        (start, end)
        for start, end in window.speech
        if end - start >= MIN_UNHEARD_S and not any(start - 0.2 <= m <= end + 0.2 for m in middles)
    ]


def signals(window: Window, segments: Sequence[dict], prompt_words: frozenset[str]) -> list[str]:
    """Every sign of trouble in one window's decoded segments (empty: the window looks right).

    ``prompt_words``: the words of the prompt the decode used (empty when it used none), so that names a
    decode without the prompt hears are not taken for an echo.
    """
    text = " ".join(s["text"] for s in segments).strip()
    words = words_of(text)
    found = []
    if compression_ratio(text) > COMPRESSION_RATIO:
        found.append("repetition: compression ratio over 2.4")
    elif has_loop(words):
        found.append("repetition: a phrase repeated in a loop")
    if prompt_words and len(words) >= PROMPT_MIN_WORDS:
        if sum(word in prompt_words for word in words) / len(words) >= PROMPT_SHARE:
            found.append(PROMPT_ECHO)
    probabilities = [w["probability"] for s in segments for w in s["words"] if w.get("probability") is not None]
    if probabilities and sum(math.log(max(p, 1e-4)) for p in probabilities) / len(probabilities) < LOG_PROBABILITY:
        found.append("very low log-probability")
    if any(phrase in " ".join(words) or phrase in text.lower() for phrase in PHANTOMS):
        found.append("a phrase Whisper writes into music and silence")
    speech_s = window.speech_s
    if speech_s > 0 and len(words) / speech_s > MAX_WORDS_PER_S:
        found.append("more words per second than anyone speaks")
    elif speech_s >= SLOW_SPEECH_S and len(words) / speech_s < MIN_WORDS_PER_S:
        found.append("far fewer words than the speech holds")
    if piled(segments):
        found.append("words said in no time")
    if unheard(window, segments):
        found.append("speech with no word")
    return found


def windows_of(chunks: Sequence[dict], speech: Sequence[dict]) -> list[Window]:
    """The decoding windows with the speech segments that fall in each (by their middle)."""
    windows = []
    for chunk in chunks:
        inside = [
            (max(float(s["start"]), chunk["start"]), min(float(s["end"]), chunk["end"]))
            for s in speech
            if chunk["start"] <= (float(s["start"]) + float(s["end"])) / 2 < chunk["end"]
        ]
        windows.append(Window(chunk["start"], chunk["end"], tuple((a, b) for a, b in inside if b > a)))
    return windows


def segments_in(window: Window, segments: Sequence[dict]) -> list[dict]:
    """The decoded segments whose middle lies in the window."""
    return [s for s in segments if window.start <= (s["start"] + s["end"]) / 2 < window.end]


def untranscribed_warning(lost: Sequence[dict]) -> str:
    """The warning for speech segments that have no word after every try (their times, a few of them)."""
    shown = ", ".join(f"{s['start']:.1f}–{s['end']:.1f} s" for s in lost[:5]) + (", …" if len(lost) > 5 else "")
    seconds = sum(s["end"] - s["start"] for s in lost)
    return f"{len(lost)} speech segment(s) untranscribed ({seconds:.1f} s) after every try: {shown}"


def prompt_words(prompt: str | None) -> frozenset[str]:
    """The prompt's names (its capitalised words but each sentence's first, lowercase): a window made
    mostly of them copied the prompt ("We met Osric and Ines." gives osric, ines)."""
    names = [
        word
        for sentence in re.split(r"(?<=[.?!])\s+", prompt or "")
        for word in sentence.replace(",", " ").replace(".", " ").split()[1:]
        if word[:1].isupper()
    ]
    return frozenset(words_of(" ".join(names))) - {"the", "a", "an", "of", "and", "i"}
