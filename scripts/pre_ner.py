"""Stage 3 (pre_ner): the film's names (TMDB characters, cast, spaCy over the overview) and the
Whisper prompt that spells them, fitted to the 223 tokens faster-whisper keeps.

With TMDB skipped the entities come from the title alone and the stage still succeeds.
"""

from pathlib import Path

from subflow.io import read_json, write_json
from subflow.models import load_spacy, whisper_tokenizer_file
from subflow.names.entities import TokenCounter, build_entities, build_prompt, entities_body
from subflow.stage import StageContext, run_stage


def work(ctx: StageContext) -> None:
    out = ctx.snakemake.output
    inp = ctx.snakemake.input
    params = ctx.snakemake.params
    options = params.options
    tmdb_data = read_json(inp.tmdb_data)
    nlp = load_spacy(options["spacy_model"])
    entities = build_entities(tmdb_data, nlp)
    counter = TokenCounter(whisper_tokenizer_file(str(params.asr_model)))
    plan = build_prompt(
        entities, counter, int(options["prompt_max_tokens"]), bool(options["prompt_actors"]), counter.source
    )
    ctx.logger.info("prompt: %s", plan.text)
    write_json(Path(out.entities), entities_body(entities, tmdb_data))
    Path(out.prompt).parent.mkdir(parents=True, exist_ok=True)
    Path(out.prompt).write_text(plan.text + "\n" if plan.text else "", encoding="utf-8")
    ctx.logger.info(
        "%d entities (TMDB %s); prompt %d/%d tokens (%s), %d names cut",
        len(entities),
        tmdb_data.get("status"),
        plan.tokens,
        plan.budget,
        counter.source,
        len(plan.cut),
    )
    ctx.manifest.add_output("entities", out.entities, "Pre-ASR entities")
    ctx.manifest.add_output("prompt", out.prompt, "ASR initial prompt")
    ctx.manifest.add_metadata("entity_count", len(entities))
    ctx.manifest.add_metadata(
        "entity_sources", {s: sum(e.source == s for e in entities) for s in ("title", "character", "overview", "cast")}
    )
    ctx.manifest.add_metadata("tmdb_status", tmdb_data.get("status"))
    ctx.manifest.add_metadata("prompt_tokens", plan.tokens)
    ctx.manifest.add_metadata("prompt_token_budget", plan.budget)
    ctx.manifest.add_metadata("prompt_token_counter", counter.source)
    ctx.manifest.add_metadata("prompt_names", len(plan.included))
    ctx.manifest.add_metadata("prompt_cut_count", len(plan.cut))
    ctx.manifest.add_metadata("prompt_cut", plan.cut)


if __name__ == "__main__":
    run_stage("pre_ner", work, snakemake)
