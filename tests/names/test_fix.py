"""post_ner: the matching rule, the common-word guard, timings kept, and no correction of plain English."""

from __future__ import annotations

import re

import pytest

from subflow.names.fix import fix_names
from subflow.options import PostNerOptions
from tests.conftest import REALDATA


def transcript(*sentences: str, gap: float = 0.5) -> dict:
    """A transcript.json body: one segment per sentence, 0.3 s per word, Whisper's leading spaces."""
    segments, t = [], 0.0
    for sentence in sentences:
        words = []
        for word in sentence.split():
            words.append({"word": f" {word}", "start": round(t, 3), "end": round(t + 0.3, 3), "probability": 0.9})
            t += 0.3
        segments.append({"start": words[0]["start"], "end": words[-1]["end"], "text": sentence, "words": words})
        t += gap
    return {"language": "en", "text": " ".join(sentences), "segments": segments}


@pytest.fixture(scope="module")
def fix(inception_entities, lexicon, nlp):
    def run(*sentences: str, entities=None, **settings):
        body = transcript(*sentences)
        corrected, report, _ = fix_names(
            body, entities or inception_entities, lexicon, PostNerOptions(**settings), lambda: nlp
        )
        return corrected, report

    return run


def text_of(corrected: dict) -> list[str]:
    return [s["text"] for s in corrected["segments"]]


@pytest.mark.parametrize(
    ("heard", "meant"),
    [
        ("Tell Ariane that we are late.", "Tell Ariadne that we are late."),
        ("I saw Malky at the station.", "I saw Mal at the station."),
        ("Did you bring the file from Sato?", "Did you bring the file from Saito?"),
        ("We will plant the idea in Fisher's mind.", "We will plant the idea in Fischer's mind."),
        ("Robert Fisher will inherit the empire.", "Robert Fischer will inherit the empire."),
        ("Mel is not real.", "Mal is not real."),
        ("Where is cobb now?", "Where is Cobb now?"),
        ("Eams, stop pretending.", "Eames, stop pretending."),
        ("The Cobbs came home.", "The Cobbs came home."),
    ],
)
def test_misheard_names_are_corrected(fix, heard, meant):
    corrected, _ = fix(heard)
    assert text_of(corrected) == [meant]


def test_multi_word_name_word_by_word(fix, inception_entities):
    entities = [*inception_entities, {"text": "Dominic Cobb", "label": "PERSON", "source": "character", "aliases": []}]
    corrected, report = fix("I am Dominic Cob, the extractor.", entities=entities)
    assert text_of(corrected) == ["I am Dominic Cobb, the extractor."]
    assert [(c["before"], c["after"]) for c in report["corrections"]] == [("Dominic Cob,", "Dominic Cobb,")]


@pytest.mark.parametrize(
    "sentence",
    [
        "We met at the mall near the old station.",  # lowercase common word: never
        "We met at the Mall near the old station.",  # capitalised, but after "the"
        "Mall closes at nine.",  # sentence start, spaCy sees no person
        "He aims to finish the work before dawn.",
        "The fisher on the pier caught nothing today.",
        "Say the one thing you know.",
        "We drove for miles without a word.",
        "Malcolm owns a small shop in town.",
        "They ate corn on the cob by the river.",
        "Will you come with me?",
        "Seems fine to me.",
    ],
)
def test_common_words_and_other_names_are_left_alone(fix, sentence):
    corrected, report = fix(sentence)
    assert report["corrections"] == [] and text_of(corrected) == [sentence]


def test_sound_alone_is_not_enough(fix, inception_entities):
    entities = [
        *inception_entities,
        {"text": "Shelley Lang", "label": "PERSON", "source": "character", "aliases": ["Shelley"]},
        {"text": "Russ Fega", "label": "PERSON", "source": "character", "aliases": ["Fega"]},
    ]
    sentence = "Then Sheila read the FAQ to me."
    corrected, report = fix(sentence, entities=entities)
    assert report["corrections"] == [] and text_of(corrected) == [sentence]


def test_actors_only_when_asked(fix):
    assert text_of(fix("I saw Leonardo DiCaprio.")[0]) == ["I saw Leonardo DiCaprio."]
    assert text_of(fix("I saw Leonardo DeCaprio.")[0]) == ["I saw Leonardo DeCaprio."]
    assert text_of(fix("I saw Leonardo DeCaprio.", match_actors=True)[0]) == ["I saw Leonardo DiCaprio."]


def test_nothing_to_do(lexicon, nlp):
    empty = {"language": "en", "text": "", "segments": []}
    corrected, report, _ = fix_names(empty, [], lexicon, PostNerOptions(), lambda: nlp)
    assert corrected == empty and report["corrections"] == [] and report["entities"] == []
    body = transcript("Tell Ariane.")
    assert fix_names(body, [], lexicon, PostNerOptions(), lambda: nlp)[0] == body


def test_correct_names_are_never_changed(fix):
    sentence = "Arthur, Ariadne, Mal and Robert Fischer met Maurice Fischer and Dom Cobb."
    corrected, report = fix(sentence)
    assert report["corrections"] == [] and text_of(corrected) == [sentence]


def test_word_timings_and_record(fix):
    corrected, report = fix("Did you bring the file from Sato?", "Tell Ariane.")
    words = corrected["segments"][0]["words"]
    assert words[-1] == {"word": " Saito?", "start": 1.8, "end": 2.1, "probability": 0.9}
    assert [w["start"] for w in words] == [round(0.3 * i, 3) for i in range(7)]
    first, second = report["corrections"]
    assert (first["time"], first["before"], first["after"], first["entity"]) == (1.8, "Sato?", "Saito?", "Saito")
    assert 75 <= first["score"] <= 100 and second["after"] == "Ariadne."
    assert corrected["text"] == "Did you bring the file from Saito? Tell Ariadne."
    assert {e["text"]: e["mentions"] for e in report["entities"]}["Saito"] == 1


def test_merge_and_split_keep_the_time(fix, inception_entities):
    entities = [*inception_entities, {"text": "Mei Ling", "label": "PERSON", "source": "character", "aliases": []}]
    corrected, report = fix("Ask Sai toe about it.", "Meiling is here.", entities=entities)
    assert text_of(corrected) == ["Ask Saito about it.", "Mei Ling is here."]
    merged = corrected["segments"][0]["words"][1]
    assert (merged["word"], merged["start"], merged["end"]) == (" Saito", 0.3, 0.9)
    split = corrected["segments"][1]["words"][:2]
    assert [w["word"] for w in split] == [" Mei", " Ling"] and split[0]["end"] == split[1]["start"]


STORY = [
    {"text": "Marisol Quenneville", "label": "PERSON", "source": "character", "aliases": ["Marisol", "Quenneville"]},
    {"text": "Osric Pellham", "label": "PERSON", "source": "character", "aliases": ["Osric", "Pellham"]},
    {
        "text": "Captain Idris Harrow",
        "label": "PERSON",
        "source": "character",
        "aliases": ["Idris Harrow", "Captain Harrow", "Idris", "Harrow"],
    },
    {"text": "Captain Ostrander", "label": "PERSON", "source": "character", "aliases": ["Ostrander"]},
    {"text": "Brackwater", "label": "NAME", "source": "overview", "aliases": []},
    {"text": "Orchard", "label": "NAME", "source": "title", "aliases": []},
]


@pytest.mark.parametrize(
    ("heard", "meant"),
    [
        # one word of the name heard right vouches for the other, even a common word
        ("Ask Mary Sol Quenneville about it.", "Ask Marisol Quenneville about it."),
        ("Ask Marissa Quenneville about it.", "Ask Marisol Quenneville about it."),
        ("Then Oz Rick Pellham has earned it.", "Then Osric Pellham has earned it."),
        # the title heard right, the surname split into common words
        ("Tell Captain Hair Oh to wait.", "Tell Captain Harrow to wait."),
        # the surname heard right, the title heard as common words
        ("Ask kept in Ostrander now.", "Ask Captain Ostrander now."),
        # a place split into its own letters
        ("The banks of the brack water flooded.", "The banks of the Brackwater flooded."),
    ],
)
def test_names_misheard_as_common_words_next_to_a_sure_word(fix, heard, meant):
    corrected, report = fix(heard, entities=STORY)
    assert text_of(corrected) == [meant], report["corrections"]


@pytest.mark.parametrize(
    "sentence",
    [
        "Mary went to the market with Quenneville's dog.",  # the anchor is not next to it
        "We walked through the orchard at dawn.",  # a title word, lowercase: a thing, not a name
        "The captain said hello to everyone.",  # a title in lowercase is no anchor
        "Captain, hair or not, you are late.",  # punctuation after the title
    ],
)
def test_anchors_do_not_reach_past_the_name(fix, sentence):
    corrected, report = fix(sentence, entities=STORY)
    assert report["corrections"] == [] and text_of(corrected) == [sentence]


def test_anchored_merge_keeps_the_time(fix):
    corrected, report = fix("Then Oz Rick Pellham has earned it.", entities=STORY)
    words = corrected["segments"][0]["words"]
    assert [(w["word"], w["start"], w["end"]) for w in words[1:3]] == [(" Osric", 0.3, 0.9), (" Pellham", 0.9, 1.2)]
    (record,) = report["corrections"]
    assert record["rule"] == "anchored" and record["anchor"] == "'Pellham' heard right"


def test_segments_without_words_are_corrected_in_text(fix, inception_entities, lexicon, nlp):
    body = {"segments": [{"start": 1.0, "end": 2.0, "text": "Tell Ariane.", "words": []}]}
    corrected, report, _ = fix_names(body, inception_entities, lexicon, PostNerOptions(), lambda: nlp)
    assert corrected["segments"][0]["text"] == "Tell Ariadne." and corrected["segments"][0]["words"] == []
    assert report["corrections"][0]["time"] == 1.0


def plain_english() -> list[str]:
    """Sentences with no film names: the demo film's script, the reference texts of ../shared/realdata
    when present, and the prose of Python's own help topics (always installed)."""
    import csv
    from pydoc_data.topics import topics

    from bench.synth import DEMO_SCRIPT

    texts = [text for _, text in DEMO_SCRIPT]
    for pattern in (
        "jfk/jfk.txt",
        "librivox_sense_sensibility/*.txt",
        "ljspeech_lj001/lj001_concat.txt",
        "faster_whisper_tests/*.txt",
    ):
        texts += [p.read_text(encoding="utf-8", errors="replace") for p in sorted(REALDATA.glob(pattern))]
    for path in REALDATA.glob("pyannote_sample/sample.txt"):
        texts += [line.partition(":")[2] for line in path.read_text(encoding="utf-8").splitlines()]
    for path in REALDATA.glob("speechbrain_harvard/transcripts.tsv"):
        texts += [row["corrected_reference"] for row in csv.DictReader(path.open(encoding="utf-8"), delimiter="\t")]
    for name in ("assignment", "if", "while", "for", "try", "with", "function", "class", "naming", "exceptions"):
        prose = [line.strip() for line in topics[name].splitlines() if line.strip() and not line.startswith("   ")]
        texts += [line for line in prose if re.fullmatch(r"[A-Za-z ,.;:'()-]+", line)]
    return [s.strip() for t in texts for s in re.split(r"(?<=[.?!])\s+|\n+", t) if len(s.split()) >= 3]


def test_no_correction_in_plain_english(fix):
    sentences = plain_english()
    corrected, report = fix(*sentences)
    assert report["corrections"] == [], report["corrections"]
    assert sum(len(s.split()) for s in sentences) > 1500
