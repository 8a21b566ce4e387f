"""pre_ner: names from TMDB's record, and from the title alone when TMDB was skipped."""

from __future__ import annotations

import pytest

from subflow.names.entities import (
    build_entities,
    character_names,
    clean_name,
    is_role,
    name_aliases,
    rare_proper_nouns,
    source_counts,
)
from subflow.names.tmdb import FilmQuery, skipped_data


def test_character_field_cleaning():
    assert clean_name("Phillipa (3 years)") == "Phillipa"
    assert clean_name("Fischer's") == "Fischer"
    assert character_names("Dom Cobb / Narrator (voice)") == ["Dom Cobb"]
    assert character_names("Himself") == []
    assert character_names("Bartender #2") == []


@pytest.mark.parametrize(
    "role",
    [
        "Flight Attendant",
        "Japanese Security Guard",
        "Saito's Attendant",
        "Thin Man",
        "Bridge Sub Con",
        "young woman",
        "Businessman",
        "Cab Driver",
    ],
)
def test_roles_are_not_names(role):
    assert is_role(role)


@pytest.mark.parametrize("name", ["Mal", "Dom Cobb", "Professor Stephen Miles", "Father Brown", "Ariadne"])
def test_names_are_names(name):
    assert not is_role(name)


def test_aliases():
    assert name_aliases("Dom Cobb") == ["Dom", "Cobb"]
    assert name_aliases("Professor Stephen Miles") == ["Stephen Miles", "Professor Miles", "Stephen", "Miles"]
    assert name_aliases("Robert J. Fischer") == ["Robert", "Fischer"]
    assert name_aliases("Mal") == []


def test_inception_entities_in_priority_order(inception_entities):
    by_text = {e["text"]: e for e in inception_entities}
    characters = [e["text"] for e in inception_entities if e["source"] == "character"]
    assert characters[:9] == [
        "Dom Cobb",
        "Arthur",
        "Saito",
        "Eames",
        "Ariadne",
        "Yusuf",
        "Robert Fischer",
        "Browning",
        "Mal",
    ]
    assert inception_entities[0] == {
        "text": "Inception",
        "label": "WORK_OF_ART",
        "source": "title",
        "aliases": [],
        "order": None,
        "rank": 0,
    }
    assert by_text["Robert Fischer"]["aliases"] == ["Robert", "Fischer"]
    assert by_text["Maurice Fischer"]["aliases"] == ["Maurice"]  # "Fischer" already belongs to Robert
    for role in ("Flight Attendant", "Lawyer", "Bridge Sub Con", "Old Cobb", "Blonde", "Wasted Guy"):
        assert role not in by_text
    assert "Cobb" not in by_text  # the overview's "Cobb" is Dom Cobb's alias, not a new entity
    sources = [e["source"] for e in inception_entities]
    assert sources.index("cast") > max(i for i, s in enumerate(sources) if s == "character")  # actors last
    assert by_text["Leonardo DiCaprio"]["label"] == "PERSON"


def test_title_only_when_tmdb_skipped(nlp):
    data = skipped_data(FilmQuery("Harry Potter and the Goblet of Fire", 2005), "no key")
    entities = build_entities(data, nlp)
    assert [(e.text, e.source) for e in entities][:2] == [
        ("Harry Potter and the Goblet of Fire", "title"),
        ("Harry Potter", "title"),
    ]
    assert entities[1].aliases == ["Harry", "Potter"]
    assert [e.text for e in build_entities(skipped_data(FilmQuery("The Night Train", 2024), "no key"), nlp)] == [
        "The Night Train"
    ]


def test_source_counts(nlp):
    entities = build_entities(skipped_data(FilmQuery("Harry Potter and the Goblet of Fire", 2005), "no key"), nlp)
    assert source_counts(entities) == {"title": len(entities), "character": 0, "overview": 0, "cast": 0}


@pytest.mark.parametrize(
    ("text", "names"),
    [
        (
            "After a frost breaks the glass houses of Wrenfield, Leopold Ashgrove refuses to sell the orchard to a "
            "buyer from Cinderholt, on the banks of the Brackwater.",
            ["Wrenfield", "Leopold Ashgrove", "Cinderholt", "Brackwater"],
        ),
        ("Maps of Ondrevar", ["Ondrevar"]),
        ("An old map found at Port Imbrel shows the Tessellate Coast.", ["Port Imbrel", "Tessellate Coast"]),
        ("The Night Train", []),
        ("A thief who steals corporate secrets is given the inverse task of planting an idea.", []),
    ],
)
def test_rare_proper_nouns(lexicon, text, names):
    assert rare_proper_nouns(text, lexicon) == names
    assert rare_proper_nouns(text, frozenset()) == []  # no vocabulary, no guess


def test_places_spacy_misses_come_from_the_title_and_overview(nlp, lexicon):
    data = {
        "status": "found",
        "title": "Maps of Ondrevar",
        "overview": "Emeric Vasko finds a map of the Tessellate Coast in a chapel at Port Imbrel.",
        "cast": [{"name": "Daniel Roach", "character": "Emeric Vasko", "order": 0}],
    }
    entities = {e.text: e for e in build_entities(data, nlp, lexicon)}
    assert {"Ondrevar", "Tessellate Coast", "Port Imbrel"} <= set(entities)
    assert entities["Ondrevar"].source == "title" and entities["Ondrevar"].label == "NAME"
    assert "Vasko" not in entities and "Emeric" not in entities  # aliases of the character, not new names
    alone = build_entities({"status": "found", "title": "Oppenheimer", "overview": "", "cast": []}, nlp, lexicon)
    assert [(e.text, e.label) for e in alone] == [("Oppenheimer", "NAME")]


def test_a_foreign_films_original_title_gives_its_names(nlp, lexicon):
    data = {
        "status": "found",
        "title": "Amelie",
        "original_title": "Le fabuleux destin d'Amélie Poulain",
        "overview": "",
        "cast": [],
    }
    entities = {e.text: e for e in build_entities(data, nlp, lexicon)}
    assert entities["Amélie Poulain"].source == "title" and entities["Amélie Poulain"].label == "NAME"
    same = {"status": "found", "title": "Maps of Ondrevar", "original_title": "Maps of Ondrevar", "cast": []}
    assert [e.text for e in build_entities(same, nlp, lexicon)] == ["Maps of Ondrevar", "Ondrevar"]
