"""Stage 3 (pre_ner): the names a film is likely to say, from its TMDB record and spaCy.

Entities come from TMDB's character list (billing order), the cast, spaCy's NER over the TMDB
overview, and the rare capitalised words of the title and overview that spaCy's small model passes over
(invented places: "Maps of Ondrevar", "on the banks of the Brackwater"); with TMDB skipped, from the
title alone. Each entity carries aliases (first and last
name alone, the name without its honorific) so that post_ner and the subtitles know every form.
Their order is the order in which they earn a place in the Whisper prompt (:mod:`subflow.names.prompt`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from subflow.names.lexicon import HONORIFICS, ROLE_NOUNS, VARIANT_MODIFIERS

OVERVIEW_LABELS = ("PERSON", "GPE", "LOC", "ORG", "NORP", "FAC", "EVENT", "WORK_OF_ART", "PRODUCT")
SOURCES = ("title", "character", "overview", "cast")
_PLAYS_SELF = {"self", "himself", "herself", "themselves"}
_PARENTHESES = re.compile(r"\s*[\(\[][^\)\]]*[\)\]]")
_POSSESSIVE = re.compile(r"(?:'s|’s|'|’)$")


@dataclass
class Entity:
    """One name the film is likely to say (pre_ner.json ``entities[]``)."""

    text: str
    label: str
    source: str  # one of SOURCES
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


_CAPITALISED_RUN = re.compile(r"[A-Z][\w'’-]*(?:\s+[A-Z][\w'’-]*)*")
_SENTENCE_START = re.compile(r"(?:^|[.?!…:;]\s+|[\"“(]\s*)$")


def rare_proper_nouns(text: str, common: frozenset[str]) -> list[str]:
    """Runs of capitalised words with at least one word outside the common vocabulary ("Port Imbrel",
    "Ondrevar"): names no tokenizer word spells, which spaCy's small model misses in invented worlds. A
    common first word at a sentence start is dropped ("After Wrenfield" → "Wrenfield"); a run of common
    words alone is no name here ("The Glass Orchard")."""
    if not common:
        return []
    found: list[str] = []
    for match in _CAPITALISED_RUN.finditer(text):
        words = [clean_name(w) for w in match.group().split()]
        if _SENTENCE_START.search(text[: match.start()]):
            while words and words[0].lower() in common:
                words = words[1:]
        while words and words[-1].lower() in common and len(words) > 1 and words[-1].lower() in {"the", "of"}:
            words = words[:-1]
        if any(w.lower() not in common and len(w) > 2 for w in words):
            name = " ".join(words)
            if name not in found:
                found.append(name)
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


def build_entities(tmdb_data: dict, nlp: Any, common: frozenset[str] = frozenset()) -> list[Entity]:
    """All entities of a film in prompt-priority order: title, characters by billing order, overview
    entities spaCy finds that are not characters, the rare capitalised words of the title, the original
    title (a foreign film's: "Le Fabuleux Destin d'Amélie Poulain") and overview
    (``common``: the ASR model's vocabulary, :func:`~subflow.names.lexicon.common_words`), then the actors.
    A skipped TMDB record gives the title and whatever spaCy finds in it."""
    entities = EntityList()
    title = (tmdb_data.get("title") or "").strip()
    if title:
        entities.add(Entity(title, "WORK_OF_ART", "title"))
    cast = sorted(tmdb_data.get("cast") or [], key=lambda c: c.get("order", 10**6))
    for member in cast:
        order = member.get("order")
        character = member.get("character") or ""
        parts = [clean_name(p).lower() for p in re.split(r"\s*/\s*", character)]
        names = character_names(character)
        if any(p in _PLAYS_SELF for p in parts):  # documentaries: the actor is the one named
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
    original = (tmdb_data.get("original_title") or "").strip()
    texts = [("title", title)] + ([("title", original)] if original.casefold() != title.casefold() else [])
    for source, text in [*texts, ("overview", tmdb_data.get("overview") or "")]:
        for name in rare_proper_nouns(text, common):
            if name.casefold() == title.casefold():  # the title is itself a name ("Oppenheimer")
                entities.entities[0].label = "NAME"
            elif not any(entities.has(word) for word in name.split()):
                entities.add(Entity(name, "NAME", source))
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


def source_counts(entities: list[Entity]) -> dict[str, int]:
    """How many entities each source gave (the manifest's ``entity_sources``)."""
    return {s: sum(e.source == s for e in entities) for s in SOURCES}
