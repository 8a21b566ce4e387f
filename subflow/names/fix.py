"""Stage 8 (post_ner): find misheard names in the transcript and spell them as pre_ner's entities do.

The matching rule
-----------------
Every run of 1–N consecutive words inside one clause (no , . ? ! ; : inside the run, a possessive
only on its last word) is compared with every name form (entity text and aliases, e.g. "Dom Cobb",
"Cobb"). The comparison is on lowercase letters only, so case, punctuation and possessives do not
count:

* ``ortho`` = rapidfuzz ``fuzz.ratio`` of the spellings (0–100);
* ``phonetic`` = ``fuzz.ratio`` of the sound codes of :mod:`subflow.names.phonetics` ("Fisher" and
  "Fischer" are both FXR);
* ``score`` = the mean of the two. Both must start with the same sound class (no "Seems" → "Eames"),
  and ``ortho`` must reach ``min_spelling`` (default 65: "Sheila" is not "Shelley", "FAQ" not "Fega",
  however alike they sound). Words in capitals (acronyms) are never changed.

Word counts agree (one word for one, "Dominic Cob" → "Dominic Cobb" word by word, so each word keeps
its own timing) or differ by one: two adjacent words merge into one name word ("Sai toe" → "Saito",
"Oz Rick Pellham" → "Osric Pellham") or one word splits into two ("Meiling" → "Mei Ling"), the choice
that spells the name best (:func:`partition`), only at ``strict_score``. A run that already is a name
form (exactly, same case) is never changed, and no correction may alter such a word.

Thresholds: a run Whisper capitalised needs ``min_score`` (default 70, tuned on the corpus dev half); a
lowercase run needs ``strict_score`` (default 90) — Whisper capitalises the names it hears as names. A run of the name's
own letters split in two or three ("brack water" → "Brackwater", six letters or more) is taken as
it is. A lowercase word is never capitalised into a name of unknown kind (``NAME``: the rare words of
the title and overview), so "the orchard" of "The Glass Orchard" stays.

Anchored names
--------------
ASR often hears one word of a name right and turns the other into common words. When a word of the
name is heard exactly (and is no common word, or is the name's title: "Quenneville", "Captain"), or a
capitalised title stands right before the run ("Captain" + "Hair Oh"), the name is sure to be there:
only the words that change are scored, against the name's words they become, and they need
``anchored_score`` (default 70) and ``min_spelling``, however common they are ("Mary Sol Quenneville" →
"Marisol Quenneville", "Captain Hair Oh" → "Captain Harrow"). A title that changes needs its sound
(``strict_score``) with looser spelling ("Kept in Ostrander" → "Captain Ostrander").

The common-word guard
---------------------
A run made only of common English words (:func:`~subflow.names.lexicon.common_words`, the lowercase
whole words of Whisper's own BPE vocabulary: "mall", "aims", "fisher", "say", "the", "one", "will",
"mel") is corrected only when all of these hold, so "mall" never becomes "Mal":

1. Whisper wrote it capitalised — a lowercase common word is never touched ("the mall" stays);
2. its score is at least ``common_word_score`` (default 80);
3. it does not follow an article or possessive determiner ("the Mall", "a Fisher" stay);
4. spaCy, reading the whole segment, sees a name there: inside a sentence every word is a proper
   noun (PROPN) or inside an entity, and no entity of another kind (for a character: PERSON, ORG
   or NORP — a place such as "the Mall" FAC does not count); at the start of a sentence, where
   capitalisation says nothing, every word must be inside an entity of the name's own kind
   (PERSON for a character: "Mel is not real." yes, "Mall closes at nine." no).

Corrections keep each word's start, end and probability (merged words span both, split words share
the time by letters); the segment text is rebuilt from its words.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from rapidfuzz import fuzz, process

from subflow.names.lexicon import DETERMINERS, HONORIFICS
from subflow.names.phonetics import onset, phonetic_key
from subflow.names.tokens import Token, segment_words, tokenize
from subflow.options import PostNerOptions

CONTEXT_LABELS = {"PERSON", "ORG", "NORP", "GPE", "LOC", "FAC"}  # spaCy labels that mark a name
PERSONLIKE_CONTEXT = {"PERSON", "ORG", "NORP"}
CLAUSE_END = re.compile(r"[,.?!;:…—]")


# --- targets ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """One spelling the transcript should use ("Dom Cobb", or the alias "Cobb") and its entity."""

    text: str
    words: tuple[str, ...]
    key: str
    phon: str
    entity: str
    label: str


def letters(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def build_targets(entities: list[dict], match_actors: bool = False) -> list[Target]:
    """Every name form of the entities (text and aliases), one target per spelling, entity order wins."""
    targets: dict[str, Target] = {}
    for entity in entities:
        if entity.get("source") == "cast" and not match_actors:
            continue
        for form in [entity["text"], *entity.get("aliases", [])]:
            form = " ".join(form.split())
            key = letters(form)
            if len(key) < 2 or form in targets:
                continue
            targets[form] = Target(form, tuple(form.split()), key, phonetic_key(form), entity["text"], entity["label"])
    return list(targets.values())


# --- finding corrections -----------------------------------------------------------------------------


Group = tuple[tuple[int, ...], tuple[str, ...]]  # run positions → the name's words they become


@dataclass
class Candidate:
    tokens: list[Token]
    target: Target
    score: float
    ortho: float
    phonetic: float
    keep_s: bool  # the run's last word ended in a plural/possessive "s" kept after the name
    groups: list[Group]
    rule: str
    anchor: str = ""  # why the name is sure to be there: a word of it heard right, or a title before it
    guard: str = ""

    @property
    def shape(self) -> str:
        return "1:1" if len(self.tokens) == len(self.target.words) else f"{len(self.tokens)}:{len(self.target.words)}"

    @property
    def new_cores(self) -> list[str]:
        return [word for _, words in self.groups for word in words]

    def changed_groups(self) -> list[Group]:
        """The groups whose words change ("Mary's all" → "Marisol"), not those heard right ("Quenneville")."""
        return [
            (positions, words)
            for positions, words in self.groups
            if [self.tokens[i].core for i in positions] != list(words)
        ]


def partition(cores: list[str], words: tuple[str, ...]) -> list[Group]:
    """Run words matched to a name's words, in order: one for one, or where the counts differ by one, the
    adjacent pair that merges into one name word ("Oz Rick" → "Osric") or the word that splits into two
    ("Portimbrel" → "Port Imbrel") — the choice that spells the name best."""
    n, m = len(cores), len(words)
    if n == m:
        return [((i,), (w,)) for i, w in enumerate(words)]
    options: list[list[Group]] = []
    if n == m + 1:
        for k in range(m):
            groups = [((i,), (words[i],)) for i in range(k)] + [((k, k + 1), (words[k],))]
            groups += [((i + 1,), (words[i],)) for i in range(k + 1, m)]
            options.append(groups)
    elif n + 1 == m:
        for k in range(n):
            groups = [((i,), (words[i],)) for i in range(k)] + [((k,), (words[k], words[k + 1]))]
            groups += [((i,), (words[i + 1],)) for i in range(k + 1, n)]
            options.append(groups)
    if not options:
        return []

    def fit(groups: list[Group]) -> float:
        return sum(fuzz.ratio(letters("".join(cores[i] for i in pos)), letters("".join(ws))) for pos, ws in groups)

    return max(options, key=fit)


@dataclass
class Context:
    """spaCy's reading of a segment, parsed on first need."""

    nlp_loader: Callable[[], Any]
    texts: list[str]
    _docs: dict[int, Any] = field(default_factory=dict)
    _nlp: Any = None

    def doc(self, segment: int) -> Any:
        if segment not in self._docs:
            if self._nlp is None:
                self._nlp = self.nlp_loader()
            self._docs[segment] = self._nlp(self.texts[segment])
        return self._docs[segment]

    def reading(self, tokens: list[Token]) -> list[tuple[str, str]]:
        """(POS, entity label) of each token's word."""
        doc = self.doc(tokens[0].segment)
        result = []
        for token in tokens:
            span = doc.char_span(token.char_start, token.char_start + len(token.core), alignment_mode="expand")
            if span is None or len(span) == 0:
                result.append(("", ""))
            else:
                result.append((span[0].pos_, span[0].ent_type_))
        return result


class NameFixer:
    """Matches transcript runs against the targets under the rule and guard in the module docstring."""

    def __init__(
        self, targets: list[Target], lexicon: frozenset[str], options: PostNerOptions, nlp_loader: Callable[[], Any]
    ) -> None:
        self.targets = targets
        self.lexicon = lexicon
        self.options = options
        self.nlp_loader = nlp_loader
        self.exact_forms = {t.text for t in targets}
        self.exact_words = {w for t in targets for w in t.words}
        self.max_words = max([options.max_span_words, *(len(t.words) for t in targets)], default=1)
        self._keys = [t.key for t in targets]
        self._phons = [t.phon for t in targets]

    def is_common(self, tokens: list[Token]) -> bool:
        return all(t.core.lower() in self.lexicon for t in tokens)

    def _runs(self, tokens: list[Token]) -> Iterable[list[Token]]:
        for i in range(len(tokens)):
            run: list[Token] = []
            for token in tokens[i : i + self.max_words]:
                if not token.core or token.pre and run:
                    break
                run.append(token)
                yield list(run)
                if token.poss or CLAUSE_END.search(token.post):
                    break

    def _candidates(self, run: list[Token], floor: float, previous: Token | None) -> list[Candidate]:
        """Every target this run scores at least ``floor`` against (all targets scored at once)."""
        n_run = len(run)
        cores = [t.core for t in run]
        variants = [(cores, False)]
        last = cores[-1]
        if not run[-1].poss and len(last) > 3 and last[-1] in "sS":
            variants.append(([*cores[:-1], last[:-1]], True))  # "Cobbs", "Fishers": the name, then "s"
        found: dict[int, Candidate] = {}
        for words, keep_s in variants:
            key = letters("".join(words))
            if len(key) < 2:
                continue
            phon = phonetic_key(" ".join(words))
            orthos = process.cdist([key], self._keys, scorer=fuzz.ratio)[0]
            phons = process.cdist([phon], self._phons, scorer=fuzz.ratio)[0]
            for i in (((orthos + phons) / 2) >= floor).nonzero()[0]:
                target = self.targets[i]
                if abs(n_run - len(target.words)) > 1 or (keep_s and target.words[-1].lower().endswith("s")):
                    continue
                groups = partition(words, target.words)
                if not groups:
                    continue
                if keep_s:
                    positions, new = groups[-1]
                    groups[-1] = (positions, (*new[:-1], new[-1] + last[-1]))
                candidate = Candidate(
                    run, target, 0.0, 0.0, 0.0, keep_s, groups, "case" if key == target.key else "fuzzy+phonetic"
                )
                candidate.anchor = self._anchor(candidate, previous)
                if candidate.anchor:  # judged on the words that change, the anchor vouching for the rest
                    changed = candidate.changed_groups()
                    part = letters("".join(words[k] for positions, _ in changed for k in positions))
                    name_part = " ".join(w for _, new in changed for w in new)
                    ortho = fuzz.ratio(part, letters(name_part))
                    phonetic = fuzz.ratio(phonetic_key(part), phonetic_key(name_part))
                    candidate.rule = "anchored"
                    if onset(phonetic_key(part)) != onset(phonetic_key(name_part)):
                        continue
                else:
                    ortho, phonetic = float(orthos[i]), float(phons[i])
                    if onset(phon) != onset(target.phon) or not 0.5 <= len(key) / len(target.key) <= 2.0:
                        continue
                candidate.score = round((ortho + phonetic) / 2, 1)
                candidate.ortho, candidate.phonetic = round(ortho, 1), round(phonetic, 1)
                if i not in found or found[i].score < candidate.score:
                    found[i] = candidate
        return list(found.values())

    def _anchor(self, candidate: Candidate, previous: Token | None) -> str:
        """What makes the name certain here, so that the words that change may be common ones: another
        word of the same name heard right ("Mary Quenneville" → "Marisol Quenneville"), its title heard
        right ("Captain Hair Oh" → "Captain Harrow"), or a title just before it ("Captain" + "Hair Oh")."""
        changed = candidate.changed_groups()
        if not changed:
            return ""
        for positions, words in candidate.groups:
            if (positions, words) in changed or len(positions) != 1 or len(words) != 1:
                continue
            heard = candidate.tokens[positions[0]].core
            if heard.lower() != words[0].lower() or len(heard) < 3:
                continue
            if heard.lower() not in self.lexicon or heard.lower().rstrip(".") in HONORIFICS:
                return f"{heard!r} heard right"
        title_before = (
            previous is not None
            and previous.capitalised
            and not previous.post
            and previous.core.lower().rstrip(".") in HONORIFICS
        )
        if title_before and candidate.target.label == "PERSON" and len(candidate.groups) == len(changed):
            return f"after {previous.core!r}"
        return ""

    def _changes(self, candidate: Candidate) -> bool:
        """True when applying the candidate changes the text and touches no already-correct name word."""
        changed = candidate.changed_groups()
        touched = [candidate.tokens[i] for positions, _ in changed for i in positions]
        return bool(changed) and not any(t.core in self.exact_words for t in touched)

    def _accept(self, candidate: Candidate, context: Context, previous: Token | None) -> bool:
        s = self.options
        run = candidate.tokens
        if any(len(t.core) > 1 and t.core.isupper() for t in run):
            candidate.guard = "acronym"
            return False
        if candidate.anchor:
            honorific = all(w.lower() in HONORIFICS for _, new in candidate.changed_groups() for w in new)
            if honorific:  # "Kept in Ostrander": a title is short and sounds alike, spelled otherwise
                ok = candidate.phonetic >= s.strict_score and candidate.ortho >= s.min_spelling - 15
            else:
                ok = candidate.ortho >= s.min_spelling and candidate.score >= s.anchored_score
            candidate.guard = "" if ok else f"anchored ({candidate.anchor}), too far"
            return ok
        if candidate.ortho < s.min_spelling:
            candidate.guard = "spelling too far"
            return False
        if candidate.shape != "1:1" and candidate.target.key == letters("".join(t.core for t in run)):
            if len(candidate.target.key) >= 6:  # "wren field" → "Wrenfield": the name's own letters, split
                candidate.rule = "same letters, split"
                return True
        if candidate.shape != "1:1" and candidate.score < s.strict_score:
            return False
        if candidate.target.label == "NAME" and candidate.rule == "case" and not run[0].capitalised:
            candidate.guard = "lowercase word, name of unknown kind"  # "the orchard" of "The Glass Orchard"
            return False
        if self.is_common(run):
            if not run[0].capitalised:
                candidate.guard = "common word, lowercase"
                return False
            if candidate.score < s.common_word_score:
                candidate.guard = "common word, score"
                return False
            if previous is not None and previous.core.lower() in DETERMINERS and not previous.post:
                candidate.guard = f"common word after {previous.core!r}"
                return False
            reading = context.reading(run)
            label = candidate.target.label
            compatible = PERSONLIKE_CONTEXT if label == "PERSON" else {label, *CONTEXT_LABELS}
            if run[0].sentence_start:  # capitalisation says nothing here: spaCy must see this kind of name
                wanted = "PERSON" if label == "PERSON" else label
                ok = all(ent == wanted for _, ent in reading)
            else:
                ok = all((pos == "PROPN" or ent) and (not ent or ent in compatible) for pos, ent in reading)
            if not ok:
                candidate.guard = f"common word, no name context {reading}"
                return False
            candidate.rule = "common word in name context"
            return True
        if not run[0].capitalised:
            return candidate.score >= s.strict_score
        return candidate.score >= s.min_score

    def find(self, transcript: dict) -> tuple[list[Candidate], list[Candidate]]:
        """Accepted corrections (non-overlapping, best first) and the rejected near-misses (for the log)."""
        all_tokens, texts = tokenize(transcript)
        if not self.targets:
            return [], []
        context = Context(self.nlp_loader, texts)
        accepted: list[Candidate] = []
        rejected: list[Candidate] = []
        for tokens in all_tokens:
            protected: set[int] = set()
            for run in self._runs(tokens):
                if " ".join(t.core for t in run) in self.exact_forms:
                    protected.update(t.index for t in run)
            floor = min(self.options.min_score, self.options.common_word_score) - 10
            by_index = {t.index: t for t in tokens}
            candidates = [
                c
                for run in self._runs(tokens)
                for c in self._candidates(run, floor, by_index.get(run[0].index - 1))
                if self._changes(c)
            ]
            candidates.sort(key=lambda c: (-c.score, c.shape != "1:1", -len(c.tokens)))
            taken: set[int] = set()
            for candidate in candidates:
                indices = {t.index for t in candidate.tokens}
                if indices & taken:
                    continue
                changed = {candidate.tokens[i].index for positions, _ in candidate.changed_groups() for i in positions}
                if changed & protected:
                    continue
                previous = by_index.get(candidate.tokens[0].index - 1)
                if self._accept(candidate, context, previous):
                    accepted.append(candidate)
                    taken |= indices
                elif candidate.score >= min(self.options.min_score, self.options.common_word_score):
                    rejected.append(candidate)
        return accepted, rejected


# --- applying them -----------------------------------------------------------------------------------


def _split_time(start: float | None, end: float | None, parts: list[str]) -> list[tuple[Any, Any]]:
    if start is None or end is None:
        return [(start, end)] * len(parts)
    total = sum(len(p) for p in parts) or 1
    times, cursor = [], start
    for part in parts:
        stop = cursor + (end - start) * len(part) / total
        times.append((round(cursor, 3), round(stop, 3)))
        cursor = stop
    return times


def _regrouped(words: list[dict], candidate: Candidate) -> list[dict]:
    """The run's words as the name's words: one for one, two merged into one (spanning both), or one split
    into two (its time shared by letters); each keeps its timing and probability."""
    run = candidate.tokens
    out: list[dict] = []
    for positions, new in candidate.groups:
        first, last = run[positions[0]], run[positions[-1]]
        if len(positions) == 1 and len(new) == 1:
            word = dict(words[first.index])
            word["word"] = first.render(new[0])
            out.append(word)
        elif len(positions) > 1:
            merged = dict(words[first.index])
            merged["word"] = f"{first.lead}{first.pre}{new[0]}{last.poss}{last.post}"
            merged["end"] = words[last.index].get("end")
            probs = [words[run[k].index].get("probability") for k in positions]
            if any(p is not None for p in probs):
                merged["probability"] = min(p for p in probs if p is not None)
            out.append(merged)
        else:
            for k, (part, (start, end)) in enumerate(zip(new, _split_time(first.start, first.end, list(new)))):
                word = dict(words[first.index])
                lead, pre = (first.lead, first.pre) if k == 0 else (" ", "")
                tail = f"{first.poss}{first.post}" if k == len(new) - 1 else ""
                word.update({"word": f"{lead}{pre}{part}{tail}", "start": start, "end": end})
                out.append(word)
    return out


def apply_corrections(transcript: dict, accepted: list[Candidate]) -> tuple[dict, list[dict]]:
    """The corrected transcript (same shape, word timings kept) and one record per correction."""
    corrected = json.loads(json.dumps(transcript))
    records = []
    by_segment: dict[int, list[Candidate]] = {}
    for candidate in accepted:
        by_segment.setdefault(candidate.tokens[0].segment, []).append(candidate)
    for s_index, candidates in by_segment.items():
        segment = corrected["segments"][s_index]
        had_words = bool(segment.get("words"))
        words = [dict(w) for w in segment_words(segment)]
        for candidate in sorted(candidates, key=lambda c: -c.tokens[0].index):
            first, last = candidate.tokens[0], candidate.tokens[-1]
            before = "".join(words[t.index]["word"] for t in candidate.tokens).strip()
            words[first.index : last.index + 1] = _regrouped(words, candidate)
            after = " ".join(candidate.new_cores)
            records.append(
                {
                    "time": first.start if first.start is not None else segment.get("start"),
                    "end": last.end if last.end is not None else segment.get("end"),
                    "segment": s_index,
                    "before": before,
                    "after": f"{first.pre}{after}{last.poss}{last.post}".strip(),
                    "score": candidate.score,
                    "ortho": candidate.ortho,
                    "phonetic": candidate.phonetic,
                    "rule": candidate.rule,
                    "anchor": candidate.anchor,
                    "entity": candidate.target.entity,
                    "form": candidate.target.text,
                }
            )
        text = "".join(w["word"] for w in words).strip()
        segment["text"] = text
        if had_words:
            segment["words"] = words
    corrected["text"] = " ".join(s.get("text", "") for s in corrected.get("segments", [])).strip()
    records.sort(key=lambda r: r["time"] if r["time"] is not None else 0.0)
    return corrected, records


def count_mentions(transcript: dict, entities: list[dict]) -> list[dict]:
    """How often each entity (any of its forms, whole words) occurs in a transcript."""
    text = " ".join(s.get("text", "") for s in transcript.get("segments", []))
    rows = []
    for entity in entities:
        forms = sorted({entity["text"], *entity.get("aliases", [])}, key=len, reverse=True)
        pattern = r"(?<![\w])(?:" + "|".join(re.escape(f) for f in forms) + r")(?![\w])"
        rows.append(
            {
                "text": entity["text"],
                "label": entity["label"],
                "source": entity["source"],
                "mentions": len(re.findall(pattern, text)),
            }
        )
    return rows


def fix_names(
    transcript: dict,
    entities: list[dict],
    lexicon: frozenset[str],
    options: PostNerOptions,
    nlp_loader: Callable[[], Any],
) -> tuple[dict, dict, list[Candidate]]:
    """The corrected transcript, the post_ner.json body and the rejected near-misses."""
    targets = build_targets(entities, options.match_actors)
    fixer = NameFixer(targets, lexicon, options, nlp_loader)
    accepted, rejected = fixer.find(transcript)
    corrected, records = apply_corrections(transcript, accepted)
    used = [e for e in entities if e.get("source") != "cast" or options.match_actors]
    body = {
        "corrections": records,
        "entities": count_mentions(corrected, used),
        "rules": {
            "min_score": options.min_score,
            "strict_score": options.strict_score,
            "common_word_score": options.common_word_score,
            "min_spelling": options.min_spelling,
            "anchored_score": options.anchored_score,
            "max_span_words": options.max_span_words,
            "common_words": len(lexicon),
        },
    }
    return corrected, body, rejected


def log_fixes(logger: logging.Logger, corrections: list[dict], rejected: list[Candidate]) -> None:
    """Each correction, and each near-miss kept with the guard that kept it (lowercase common words counted)."""
    for record in corrections:
        logger.info(
            "%.2f s: %r -> %r (score %.1f, %s)",
            record["time"] or 0.0,
            record["before"],
            record["after"],
            record["score"],
            record["rule"],
        )
    lowercase_common = 0
    for candidate in rejected:
        if candidate.guard == "common word, lowercase":
            lowercase_common += 1
            continue
        before = " ".join(t.core for t in candidate.tokens)
        logger.info(
            "kept %r (near %r, score %.1f): %s",
            before,
            candidate.target.text,
            candidate.score,
            candidate.guard or "below threshold",
        )
    logger.info('kept %d lowercase common words that sound like a name ("mall" near "Mal")', lowercase_common)
