"""Hand-made words with times, as the subtitle tests build them."""

from subflow.subtitles.words import Word


def timed(text: str, start: float = 0.0, step: float = 0.3, speaker: str | None = None) -> list[Word]:
    """One word per ``step`` seconds, back to back."""
    return [
        Word(t, round(start + k * step, 3), round(start + (k + 1) * step, 3), speaker)
        for k, t in enumerate(text.split())
    ]
