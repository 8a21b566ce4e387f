"""A transcript's words as the name fixer reads them: punctuation and possessive split off the word,
where each sentence starts, and where each word sits in the segment text spaCy reads."""

from __future__ import annotations

import re
from dataclasses import dataclass

SENTENCE_END = re.compile(r"[.?!…]")
_WORD = re.compile(r"^(\s*)([^\w]*)(.*?)([^\w]*)$", re.S)


@dataclass
class Token:
    """One transcript word split into parts: lead space, punctuation before, the word, possessive, after."""

    segment: int
    index: int
    lead: str
    pre: str
    core: str
    poss: str
    post: str
    start: float | None
    end: float | None
    sentence_start: bool = False
    char_start: int = 0  # offset of ``core`` in the segment text handed to spaCy

    @property
    def capitalised(self) -> bool:
        return self.core[:1].isupper()

    def render(self, core: str) -> str:
        return f"{self.lead}{self.pre}{core}{self.poss}{self.post}"


def split_word(text: str) -> tuple[str, str, str, str, str]:
    lead, pre, core, post = _WORD.match(text).groups()
    poss = ""
    for suffix in ("'s", "’s", "'", "’"):
        if core.endswith(suffix) and len(core) > len(suffix):
            core, poss = core[: -len(suffix)], suffix
            break
    return lead, pre, core, poss, post


def segment_words(segment: dict) -> list[dict]:
    """The segment's words, or words made from its text (segment times) when it has none."""
    words = segment.get("words") or []
    if words:
        return words
    return [
        {"word": f" {w}", "start": segment.get("start"), "end": segment.get("end")}
        for w in (segment.get("text") or "").split()
    ]


def tokenize(transcript: dict) -> tuple[list[list[Token]], list[str]]:
    """Tokens per segment and the text of each segment (what spaCy reads)."""
    all_tokens, texts = [], []
    previous_ends_sentence = True
    for s_index, segment in enumerate(transcript.get("segments", [])):
        tokens, text = [], ""
        for w_index, word in enumerate(segment_words(segment)):
            lead, pre, core, poss, post = split_word(str(word.get("word", "")))
            piece = (" " if text and not lead else lead) if text else ""
            token = Token(s_index, w_index, lead, pre, core, poss, post, word.get("start"), word.get("end"))
            token.sentence_start = previous_ends_sentence
            token.char_start = len(text) + len(piece) + len(pre)
            text += f"{piece}{pre}{core}{poss}{post}"
            if core:
                previous_ends_sentence = bool(SENTENCE_END.search(post))
            tokens.append(token)
        all_tokens.append(tokens)
        texts.append(text)
    return all_tokens, texts
