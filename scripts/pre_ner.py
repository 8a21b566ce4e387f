"""Stage 3 (pre_ner): the film's names (TMDB characters, cast, spaCy over the overview) and the
Whisper prompt that spells them, fitted to the 223 tokens faster-whisper keeps.

With TMDB skipped the entities come from the title alone and the stage still succeeds.
"""

from subflow.io import atomic_write, read_json, write_json
from subflow.models import load_spacy, whisper_tokenizer_file
from subflow.names.entities import build_entities, entities_body, source_counts
from subflow.names.lexicon import common_words
from subflow.names.prompt import TokenCounter, build_prompt
from subflow.options import PreNerOptions
from subflow.stage import StageContext, run_stage


def work(ctx: StageContext) -> None:
    out, params = ctx.snakemake.output, ctx.snakemake.params
    options = PreNerOptions.from_config(params.options)
    tmdb_data = read_json(ctx.snakemake.input.tmdb_data)
    tokenizer = whisper_tokenizer_file(str(params.asr_model))
    entities = build_entities(tmdb_data, load_spacy(options.spacy_model), common_words(tokenizer))
    counter = TokenCounter(tokenizer)
    plan = build_prompt(entities, counter, options.prompt_max_tokens, options.prompt_actors, counter.source)
    ctx.logger.info("prompt: %s", plan.text)
    write_json(out.entities, entities_body(entities, tmdb_data))
    atomic_write(out.prompt, plan.text + "\n" if plan.text else "")
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
    ctx.manifest.add_metadata("entity_sources", source_counts(entities))
    ctx.manifest.add_metadata("tmdb_status", tmdb_data.get("status"))
    ctx.manifest.add_metadata("prompt_tokens", plan.tokens)
    ctx.manifest.add_metadata("prompt_token_budget", plan.budget)
    ctx.manifest.add_metadata("prompt_token_counter", counter.source)
    ctx.manifest.add_metadata("prompt_names", len(plan.included))
    ctx.manifest.add_metadata("prompt_cut_count", len(plan.cut))
    ctx.manifest.add_metadata("prompt_cut", plan.cut)


if __name__ == "__main__":
    run_stage("pre_ner", work, snakemake)
