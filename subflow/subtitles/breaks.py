"""Where a subtitle may break, between lines or between events: one cost per gap between two words.

Costs follow the Netflix/BBC English guidance: best after a sentence, then after a clause mark, then
before a conjunction or preposition; a line should not end on a function word; a break must never
split a name, an article (or possessive) from its noun, or a number from what it counts ("two
minutes", "15th century", "fourteen fifty-five"). Those "glued" pairs get a cost far above any
ordinary break, so the formatter only splits them when nothing else fits. Adjective + noun cannot
be told without a part-of-speech tagger and is not scored.
"""

from __future__ import annotations

import re
import string
from collections.abc import Sequence

SENTENCE = 0.0
CLAUSE = 1.0
BEFORE_FUNCTION = 2.0  # before a conjunction or preposition
BEFORE_DETERMINER = 3.0  # "... | the book": fine, but it often cuts a clause
PLAIN = 4.0
AFTER_FUNCTION = 8.0  # added: a line that ends on "of" or "and" reads badly
PRONOUN_VERB = 6.0  # added: "I | didn't"
GLUE = 30.0  # added: name, article + noun, number + unit

_STRIP = string.punctuation + "“”‘’«»…—–¿¡"
_CLOSERS = "\"'”’)]»"
DETERMINERS = frozenset("a an the my your his her its our their this these those every each".split())
CONJUNCTIONS = frozenset(
    "and but or nor so yet because although though while whereas if unless until when whenever where "
    "whether since that which who whom whose than as".split()
)
PREPOSITIONS = frozenset(
    "of in on at to for from with by about into onto over under after before between through during "
    "without within against among across behind beyond toward towards upon around along like near".split()
)
FUNCTION_WORDS = DETERMINERS | CONJUNCTIONS | PREPOSITIONS
_BEFORE = {word: BEFORE_FUNCTION for word in CONJUNCTIONS | PREPOSITIONS} | {
    word: BEFORE_DETERMINER for word in DETERMINERS
}
SUBJECT_PRONOUNS = frozenset("i you he she we they it".split())
_NUMBER_WORDS = frozenset(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety hundred thousand "
    "million billion".split()
)
_DIGITS = re.compile(r"^\d[\d,.:]*(st|nd|rd|th|s)?$")


def bare(text: str) -> str:
    """Lower-case word without surrounding punctuation: the form the word lists are written in."""
    return text.strip(_STRIP).lower()


def ends_sentence(text: str) -> bool:
    return text.rstrip(_CLOSERS).endswith((".", "?", "!", "…"))


def ends_clause(text: str) -> bool:
    return text.rstrip(_CLOSERS).endswith((",", ";", ":", "—", "–", "-"))


def is_number(token: str) -> bool:
    """Digits ("1,200", "3rd") or spelled numbers ("fifty-five"), as in LJSpeech's normalised text."""
    return bool(_DIGITS.match(token)) or (token != "" and all(p in _NUMBER_WORDS for p in token.split("-")))


def _is_i(token: str) -> bool:
    return token == "i" or token.startswith("i'")


def _name_pair(a: str, b: str) -> bool:
    """Two capitalised content words in a row ("Diane Smith", "New Jersey"): likely one name."""
    ta, tb = bare(a), bare(b)
    if not (ta and tb and a.lstrip(_STRIP)[:1].isupper() and b.lstrip(_STRIP)[:1].isupper()):
        return False
    plain = FUNCTION_WORDS | SUBJECT_PRONOUNS
    return ta not in plain and tb not in plain and not _is_i(ta) and not _is_i(tb)


def entity_glue(texts: Sequence[str], entities: Sequence[str]) -> set[int]:
    """Indices k where a break after word k would split one of the multi-word ``entities``."""
    by_first: dict[str, list[list[str]]] = {}
    for name in entities:
        tokens = [bare(t) for t in name.split()]
        if len(tokens) > 1 and all(tokens):
            by_first.setdefault(tokens[0], []).append(tokens)
    keys = [bare(t) for t in texts]
    glued: set[int] = set()
    for k, key in enumerate(keys):
        for tokens in by_first.get(key, ()):
            if keys[k : k + len(tokens)] == tokens:
                glued.update(range(k, k + len(tokens) - 1))
    return glued


def break_costs(texts: Sequence[str], entities: Sequence[str] = ()) -> list[float]:
    """Cost of a line or event break after each word but the last (lower = more natural)."""
    glued = entity_glue(texts, entities)
    costs = []
    for k in range(len(texts) - 1):
        a, b = texts[k], texts[k + 1]
        ta, tb = bare(a), bare(b)
        if ends_sentence(a):
            cost = SENTENCE
        elif ends_clause(a):
            cost = CLAUSE
        else:
            cost = _BEFORE.get(tb, PLAIN)
            if ta in DETERMINERS or (is_number(ta) and tb not in FUNCTION_WORDS) or _name_pair(a, b):
                cost += GLUE
            elif ta in FUNCTION_WORDS:
                cost += AFTER_FUNCTION
            elif ta in SUBJECT_PRONOUNS and tb not in FUNCTION_WORDS:
                cost += PRONOUN_VERB
        if k in glued:
            cost += GLUE
        costs.append(cost)
    return costs
