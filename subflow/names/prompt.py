"""Stage 3 (pre_ner): the Whisper prompt that spells the film's names.

faster-whisper keeps only the last ``max_length // 2 - 1`` = 223 prompt tokens, so the names are added
in rank order (title, characters by billing order, other overview entities, then actors when asked
for) while the prompt, counted with the ASR model's own tokenizer, fits the budget. What did not fit
is reported, so the manifest says which names Whisper was not told about.
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


def render_prompt(title: str | None, names: list[str]) -> str:
    """ "Inception. Dom Cobb, Arthur, Saito." — the title as a sentence, then the names, comma-separated."""
    head = f"{title.strip().rstrip('.')}." if title else ""
    tail = f"{', '.join(names)}." if names else ""
    return " ".join(p for p in (head, tail) if p)


def build_prompt(
    entities: list[Entity],
    count_tokens: Callable[[str], int],
    budget: int,
    include_actors: bool,
    counter_name: str = "",
) -> PromptPlan:
    """Add names in rank order while the prompt fits ``budget`` tokens; the first that does not fit
    and every name after it are cut (a lower-ranked name never displaces a higher one)."""
    ranked = prompt_candidates(entities, include_actors)
    title = next((e.text for e in ranked if e.source == "title"), None)
    names = [e.text for e in ranked if not (e.source == "title" and e.text == title)]
    if title and count_tokens(render_prompt(title, [])) > budget:
        title = None
    included: list[str] = []
    for position, name in enumerate(names):
        if count_tokens(render_prompt(title, [*included, name])) > budget:
            cut = names[position:]
            break
        included.append(name)
    else:
        cut = []
    text = render_prompt(title, included)
    return PromptPlan(
        text, count_tokens(text) if text else 0, budget, ([title] if title else []) + included, cut, counter_name
    )
