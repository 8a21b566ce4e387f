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
