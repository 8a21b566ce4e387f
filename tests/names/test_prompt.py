"""pre_ner: the Whisper prompt, counted with Whisper's own tokenizer and fitted to the prompt window."""

from __future__ import annotations

from subflow.names.entities import Entity
from subflow.names.prompt import WHISPER_PROMPT_TOKENS, TokenCounter, build_prompt, render_prompt
from subflow.options import PreNerOptions


def test_default_budget_is_the_prompt_window():
    assert PreNerOptions().prompt_max_tokens == WHISPER_PROMPT_TOKENS


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
    assert full.text.startswith("We met Dom Cobb, Arthur, Saito, Eames, Ariadne, Yusuf, Robert Fischer, Browning, Mal,")
    people = [e.text for e in entities if e.text in full.included and e.label == "PERSON"]
    places = [e.text for e in entities if e.text in full.included and e.label != "PERSON"]
    first_cut = next(e for e in entities if e.text == full.cut[0])
    (people if first_cut.label == "PERSON" else places).append(first_cut.text)
    assert count(render_prompt(people, places)) > WHISPER_PROMPT_TOKENS
    budget = count("We met Dom Cobb, Arthur and Saito.")
    small = build_prompt(entities, count, budget, include_actors=False)
    assert small.text == "We met Dom Cobb, Arthur and Saito."
    assert small.tokens <= budget and small.cut[:2] == ["Eames", "Ariadne"]
    characters_only = build_prompt(entities, count, WHISPER_PROMPT_TOKENS, include_actors=False)
    assert characters_only.cut == [] and "DiCaprio" not in characters_only.text
    assert build_prompt(entities, count, 0, include_actors=False).text == ""


def test_prompt_is_one_plain_sentence_without_the_title():
    """Whisper copies the prompt's style: no Title Case title, no bare list, one sentence in sentence case."""
    entities = [
        Entity("The Glass Orchard", "WORK_OF_ART", "title", rank=0),
        Entity("Leopold Ashgrove", "PERSON", "character", rank=1),
        Entity("Thessaly Marchbank", "PERSON", "character", rank=2),
        Entity("Wrenfield", "NAME", "overview", rank=3),
        Entity("Cinderholt", "GPE", "overview", rank=4),
    ]
    plan = build_prompt(entities, len, 1000, include_actors=False)
    assert plan.text == "We met Leopold Ashgrove and Thessaly Marchbank in Wrenfield and Cinderholt."
    assert plan.included == ["Leopold Ashgrove", "Thessaly Marchbank", "Wrenfield", "Cinderholt"]
    assert render_prompt([], ["Wrenfield"]) == "We went to Wrenfield." and render_prompt([], []) == ""
    titled = [Entity("Oppenheimer", "NAME", "title"), Entity("Kitty", "PERSON", "character", rank=1)]
    assert build_prompt(titled, len, 1000, include_actors=False).text == "We met Kitty in Oppenheimer."
