"""pre_ner: names from TMDB's record (and the title alone when TMDB was skipped), and the prompt budget."""

from __future__ import annotations

import pytest

from subflow.names.entities import (
    WHISPER_PROMPT_TOKENS,
    Entity,
    TokenCounter,
    build_entities,
    build_prompt,
    character_names,
    clean_name,
    is_role,
    name_aliases,
    render_prompt,
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


def test_token_count_matches_faster_whisper(tokenizer_json):
    from faster_whisper.tokenizer import Tokenizer
    from tokenizers import Tokenizer as HfTokenizer

    count = TokenCounter(tokenizer_json)
    fw = Tokenizer(HfTokenizer.from_file(tokenizer_json), multilingual=False)
    prompt = "Inception. Dom Cobb, Arthur, Saito, Eames, Ariadne, Yusuf, Robert Fischer."
    # batched pipeline: encode(prompt); sequential: encode(" " + prompt.strip())
    assert count(prompt) == max(len(fw.encode(prompt)), len(fw.encode(" " + prompt)))


def test_prompt_fits_the_budget_and_reports_the_cut(inception_entities, tokenizer_json):
    entities = [Entity(**e) for e in inception_entities]
    count = TokenCounter(tokenizer_json)
    full = build_prompt(entities, count, WHISPER_PROMPT_TOKENS, include_actors=True)
    assert full.tokens <= WHISPER_PROMPT_TOKENS and full.cut  # 51 cast members do not fit
    assert count(render_prompt("Inception", [*full.included[1:], full.cut[0]])) > WHISPER_PROMPT_TOKENS
    assert full.text.startswith(
        "Inception. Dom Cobb, Arthur, Saito, Eames, Ariadne, Yusuf, Robert Fischer, Browning, Mal,"
    )
    small = build_prompt(entities, count, 12, include_actors=False)
    assert small.text == "Inception. Dom Cobb, Arthur, Saito."
    assert small.tokens <= 12 and small.cut[:2] == ["Eames", "Ariadne"]
    characters_only = build_prompt(entities, count, WHISPER_PROMPT_TOKENS, include_actors=False)
    assert characters_only.cut == [] and "DiCaprio" not in characters_only.text
    assert build_prompt(entities, count, 0, include_actors=False).text == ""


def test_config_defaults_match_the_code():
    """config.yaml, the schema and the settings classes agree on the name stages' options."""
    from pathlib import Path

    import yaml

    from subflow.names.fix import FixSettings
    from subflow.names.tmdb import TmdbSettings

    root = Path(__file__).resolve().parents[2]
    config = yaml.safe_load((root / "config.yaml").read_text())
    schema = yaml.safe_load((root / "schemas" / "config.schema.yaml").read_text())["properties"]
    for section, settings in (("tmdb", TmdbSettings()), ("post_ner", FixSettings())):
        assert set(config[section]) == set(settings.__dataclass_fields__), section
        assert config[section] == {k: getattr(settings, k) for k in config[section]}, section
    for section in ("tmdb", "pre_ner", "post_ner"):
        properties = schema[section]["properties"]
        assert schema[section]["additionalProperties"] is False
        assert {k: v["default"] for k, v in properties.items()} == config[section], section
