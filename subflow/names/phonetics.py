"""A hand-written Metaphone-style sound code, so that a misheard name matches by how it sounds.

"Fisher" and "Fischer" are both FXR, "Sato" and "Saito" both ST, "Mel" and "Mal" both ML. The
:func:`onset` class of a key lets the fixer refuse matches that start with another sound.
"""

from __future__ import annotations

import re

_VOWELS = set("aeiou")
_ONSET = dict.fromkeys("AEIOUYWH", "A") | dict.fromkeys("GQC", "K") | {"Z": "S", "V": "F", "D": "T", "0": "T"}


def _word_key(word: str) -> str:
    """One word's code: spelling rules first (kn → n, ph → f, doubled letters once), then a code per sound."""
    w = re.sub(r"[^a-z]", "", word.lower())
    if not w:
        return ""
    for start, repl in (("kn", "n"), ("gn", "n"), ("pn", "n"), ("wr", "r"), ("ps", "s"), ("wh", "w"), ("x", "s")):
        if w.startswith(start):
            w = repl + w[len(start) :]
            break
    w = "g" + w[2:] if w.startswith("gh") else w
    for old, new in (("tch", "ch"), ("sch", "sh"), ("ph", "f"), ("ck", "k"), ("gh", ""), ("dg", "j"), ("mb", "m")):
        w = w.replace(old, new)
    w = re.sub(r"(.)\1+", r"\1", w)  # doubled letters sound once
    out: list[str] = []
    n = len(w)
    i = 0
    while i < n:
        c = w[i]
        nxt = w[i + 1] if i + 1 < n else ""
        code = ""
        if c in _VOWELS:
            code = "A" if i == 0 else ""
        elif c == "c":
            if nxt == "h":
                code, i = "X", i + 1
            else:
                code = "S" if nxt in ("e", "i", "y") else "K"
        elif c == "g":
            code = "J" if nxt in ("e", "i", "y") else "K"
        elif c == "d":
            code = "T"
        elif c == "s":
            if nxt == "h":
                code, i = "X", i + 1
            elif w[i + 1 : i + 3] in ("io", "ia"):
                code = "X"
            else:
                code = "S"
        elif c == "t":
            if nxt == "h":
                code, i = "0", i + 1
            elif w[i + 1 : i + 3] in ("io", "ia"):
                code = "X"
            else:
                code = "T"
        elif c == "h":
            code = "H" if nxt in _VOWELS and (i == 0 or w[i - 1] in _VOWELS) else ""
        elif c in ("w", "y"):
            code = c.upper() if nxt in _VOWELS else ("A" if i == 0 else "")
        elif c in ("q", "k"):
            code = "K"
        elif c == "x":
            code = "KS"
        elif c == "z":
            code = "S"
        elif c == "v":
            code = "F"
        else:
            code = c.upper()
        if code and not (out and out[-1] == code):
            out.append(code)
        i += 1
    return "".join(out)


def phonetic_key(text: str) -> str:
    """Metaphone-style sound code of a word or words ("Dom Cobb" → "TMKB", "Fischer" → "FXR")."""
    return "".join(_word_key(w) for w in text.split())


def onset(key: str) -> str:
    """The sound class a phonetic key starts with (vowels, y, w and h together; g with k; d with t)."""
    return _ONSET.get(key[:1], key[:1]) if key else ""
