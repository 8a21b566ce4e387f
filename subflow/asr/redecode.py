"""Decoding again only the windows in trouble (:mod:`subflow.asr.trouble`), and keeping the best try.

Each window in trouble is decoded again the way faster-whisper's sequential ``transcribe`` decodes: without
the prompt, with temperature fallback (a try whose text repeats itself or whose log-probability is too low is
decoded again hotter), and, when that try is still in trouble or leaves speech without words and the window
holds several speech segments, once more with each segment on its own. Every try, the batched one included,
is judged by the same signals; the one with the fewest wins, then the one that leaves the least speech without
words, then the most confident. The batched try wins ties, so a
window that re-decoding cannot improve keeps what it had.
"""

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from subflow.asr.trouble import PROMPT_ECHO, Window, prompt_words, segments_in, signals, unheard, windows_of
from subflow.io import SAMPLE_RATE

TEMPERATURES = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)  # faster-whisper's default fallback
DECODE_SEED = 0  # CTranslate2's sampling seed, set before every clip decoded


@dataclass(frozen=True)
class Try:
    """One decode of one window, judged."""

    name: str
    segments: list[dict]
    signals: list[str]
    unheard_s: float
    mean_log: float

    def rank(self) -> tuple[int, float, float]:
        return (len(self.signals), round(self.unheard_s, 2), -self.mean_log)

    @property
    def clean(self) -> bool:
        """No signal and no speech left unheard: no later try can do better by the signals."""
        return self.rank()[:2] == (0, 0.0)

    def summary(self) -> dict:
        words = sum(len(s["words"]) for s in self.segments)
        return {"try": self.name, "signals": self.signals, "words": words, "unheard_seconds": round(self.unheard_s, 3)}


def segment_record(segment: Any, offset: float = 0.0) -> dict:
    """A faster-whisper segment as transcript.json stores it (docs/data-formats.md); ``offset``: seconds to add
    to its times (a segment decoded from a slice of the film)."""
    return {
        "start": round(segment.start + offset, 3),
        "end": round(segment.end + offset, 3),
        "text": segment.text.strip(),
        "words": [
            {
                "word": w.word,
                "start": round(w.start + offset, 3),
                "end": round(w.end + offset, 3),
                "probability": round(w.probability, 3),
            }
            for w in (segment.words or [])
        ],
    }


def judge(name: str, window: Window, segments: list[dict], prompt_words: frozenset[str]) -> Try:
    probabilities = [w["probability"] for s in segments for w in s["words"] if w.get("probability") is not None]
    mean_log = sum(math.log(max(p, 1e-4)) for p in probabilities) / len(probabilities) if probabilities else -10.0
    lost = sum(end - start for start, end in unheard(window, segments))
    return Try(name, segments, signals(window, segments, prompt_words), lost, mean_log)


def decode_clips(
    model: Any,
    samples: np.ndarray,
    clips: Sequence[float],
    language: str | None,
    beam_size: int,
    task: str,
    prompt: str | None = None,
):
    """The sequential decoder on some clips of the film: temperature fallback, word times, no prompt unless
    ``prompt`` (it conditions the first 30 s only: the previous text is never carried over).

    It is given the stretch of the film the clips lie in (and a second either side, so that the mel frames at
    the clips' edges see the film's sound), not the whole film: faster-whisper computes the mel spectrogram of
    all the audio it is given, which on a feature-length film took seconds and gigabytes for every clip
    decoded. Its log-mel floor (8 below the loudest frame) then comes from that stretch, as in the batched
    pass's windows, instead of from the loudest moment of the whole film."""
    import ctranslate2

    ctranslate2.set_random_seed(DECODE_SEED)  # the hotter tries sample: the same film gives the same words
    hop = SAMPLE_RATE // 100  # one mel frame
    first = max(0, int((min(clips) - 1.0) * SAMPLE_RATE) // hop * hop)
    last = min(samples.size, int((max(clips) + 1.0) * SAMPLE_RATE))
    offset = first / SAMPLE_RATE
    results, _ = model.transcribe(
        samples[first:last],
        language=language,
        task=task,
        beam_size=beam_size,
        initial_prompt=prompt,
        temperature=list(TEMPERATURES),
        compression_ratio_threshold=2.4,
        log_prob_threshold=-1.0,
        condition_on_previous_text=False,
        word_timestamps=True,
        vad_filter=False,
        clip_timestamps=[clip - offset for clip in clips],
    )
    return [segment_record(segment, offset) for segment in results if segment.text.strip()]


def repair(
    model: Any,
    samples: np.ndarray,
    chunks: Sequence[dict],
    speech: Sequence[dict],
    segments: list[dict],
    decode: tuple[str | None, int, str],
    prompt: str | None,
    on_window: Callable[[float], None] | None = None,
) -> tuple[list[dict], dict]:
    """The transcript's segments with every window in trouble decoded again, and what was done.

    ``decode``: (language, beam size, task) of the sequential decoder; ``prompt``: the batched pass's. Tries, in
    order, until one is clean: the sequential decoder with the prompt (unless the batched pass copied it: the
    names stay spelled), without it, then in shorter pieces. Returns the segments and a record: each window
    decoded again (its signals, every try, the one kept), the speech segments that still have no word after
    every try (``untranscribed``) and the seconds it took.
    """
    started = time.monotonic()
    language, beam_size, task = decode
    echo = prompt_words(prompt)
    kept: list[dict] = []
    redecoded = []
    for window in windows_of(chunks, speech):
        batched = judge("batched", window, segments_in(window, segments), echo)
        best = batched
        if batched.signals:
            whole = [window.start, window.end]
            tries = [batched]
            if prompt and PROMPT_ECHO not in batched.signals:
                prompted = decode_clips(model, samples, whole, language, beam_size, task, prompt)
                tries.append(judge("prompt", window, prompted, echo))
            if not tries[-1].clean:
                unprompted = decode_clips(model, samples, whole, language, beam_size, task)
                tries.append(judge("no_prompt", window, unprompted, frozenset()))
            if len(window.speech) > 1 and not tries[-1].clean:
                pieces = [edge for piece in window.speech for edge in piece]
                tries.append(
                    judge(
                        "short_pieces",
                        window,
                        decode_clips(model, samples, pieces, language, beam_size, task),
                        frozenset(),
                    )
                )
            best = min(tries, key=Try.rank)
            redecoded.append(
                {
                    "start": round(window.start, 3),
                    "end": round(window.end, 3),
                    "signals": batched.signals,
                    "tries": [t.summary() for t in tries],
                    "kept": best.name,
                }
            )
            if on_window is not None:
                on_window(window.end)
        kept += best.segments
    placed = {id(s) for window in windows_of(chunks, speech) for s in segments_in(window, segments)}
    kept += [s for s in segments if id(s) not in placed]  # none: the batched pass decodes inside the windows
    kept.sort(key=lambda s: (s["start"], s["end"]))
    lost = [
        {"start": round(start, 3), "end": round(end, 3)}
        for window in windows_of(chunks, speech)
        for start, end in unheard(window, segments_in(window, kept))
    ]
    record = {"redecoded": redecoded, "untranscribed": lost, "redecode_seconds": round(time.monotonic() - started, 2)}
    return kept, record
