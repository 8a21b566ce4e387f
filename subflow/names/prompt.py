"""Stage 3 (pre_ner): the Whisper prompt that spells the film's names.

Whisper reads the prompt as the text said just before the window, and copies its style: a prompt that
opened with the title in Title Case made the next line come out in Title Case, and a bare list of names
was repeated as a list. So the prompt is one ordinary sentence in sentence case that holds the names
("We met Leopold Ashgrove, Thessaly Marchbank and Corwin Thale in Wrenfield and Cinderholt."); the title
is not in it (its rare words are entities of their own, :func:`subflow.names.entities.rare_proper_nouns`).

faster-whisper keeps only the last ``max_length // 2 - 1`` = 223 prompt tokens, so the names are added
in rank order (characters by billing order, other overview entities, then actors when asked for) while
the prompt, counted with the ASR model's own tokenizer, fits the budget. What did not fit is reported,
so the manifest says which names Whisper was not told about.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from subflow.names.entities import Entity

WHISPER_PROMPT_TOKENS = 223  # faster-whisper: previous_tokens[-(448 // 2 - 1):]


@dataclass
class PromptPlan:
    """The prompt and what went into it."""

    text: str
    tokens: int
    budget: int
    included: list[str]
    cut: list[str]
    counter: str


class TokenCounter:
    """Counts prompt tokens with a Whisper tokenizer (tokenizer.json of the ASR model)."""

    def __init__(self, tokenizer_json: str | Path | None) -> None:
        self.source = "estimate (2 characters per token)"
        self._tokenizer = None
        if tokenizer_json and Path(tokenizer_json).exists():
            from tokenizers import Tokenizer

            self._tokenizer = Tokenizer.from_file(str(tokenizer_json))
            self.source = str(tokenizer_json)

    def __call__(self, text: str) -> int:
        """Tokens the prompt takes in either faster-whisper path (batched: as is; sequential: " " + text)."""
        if self._tokenizer is None:
            return (len(text) + 2) // 2
        return max(
            len(self._tokenizer.encode(variant, add_special_tokens=False).ids) for variant in (text, " " + text.strip())
        )


def prompt_candidates(entities: list[Entity], include_actors: bool) -> list[Entity]:
    """Entities in the order they earn a place in the prompt."""
    wanted = [e for e in entities if e.source != "cast" or include_actors]
    return sorted(wanted, key=lambda e: e.rank)


def _listed(names: list[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def render_prompt(people: list[str], places: list[str]) -> str:
    """ "We met Dom Cobb, Arthur and Saito in Paris and Mombasa." — names in one plain sentence."""
    if people and places:
        return f"We met {_listed(people)} in {_listed(places)}."
    if people:
        return f"We met {_listed(people)}."
    if places:
        return f"We went to {_listed(places)}."
    return ""


def build_prompt(
    entities: list[Entity],
    count_tokens: Callable[[str], int],
    budget: int,
    include_actors: bool,
    counter_name: str = "",
) -> PromptPlan:
    """Add names in rank order while the prompt fits ``budget`` tokens; the first that does not fit
    and every name after it are cut (a lower-ranked name never displaces a higher one)."""
    ranked = [e for e in prompt_candidates(entities, include_actors) if e.source != "title" or e.label == "NAME"]
    people: list[str] = []
    places: list[str] = []
    included: list[str] = []
    cut: list[str] = []
    for position, entity in enumerate(ranked):
        group = people if entity.label == "PERSON" else places
        group.append(entity.text)
        if count_tokens(render_prompt(people, places)) > budget:
            group.pop()
            cut = [e.text for e in ranked[position:]]
            break
        included.append(entity.text)
    text = render_prompt(people, places)
    return PromptPlan(text, count_tokens(text) if text else 0, budget, included, cut, counter_name)
