"""Stage 8 (post_ner): misheard names in the transcript corrected against pre_ner's entities.

The matching rule and the common-word guard are in subflow/names/fix.py's docstring. Output: the
corrected transcript (same shape as transcript.json, word timings kept) that the subtitles stage
reads, and entities/post_ner.json with every correction (time, before, after, score, entity).
"""

from subflow.io import read_json, write_json
from subflow.models import load_spacy, whisper_tokenizer_file
from subflow.names.fix import fix_names, log_fixes
from subflow.names.lexicon import common_words
from subflow.options import PostNerOptions
from subflow.stage import StageContext, run_stage


def work(ctx: StageContext) -> None:
    inp, out, params = ctx.snakemake.input, ctx.snakemake.output, ctx.snakemake.params
    options = PostNerOptions.from_config(params.options)
    transcript = read_json(inp.transcript)
    entities = read_json(inp.entities).get("entities", [])
    lexicon = common_words(whisper_tokenizer_file(str(params.asr_model)))
    if not lexicon:
        ctx.logger.warning("no Whisper vocabulary found: every word counts as uncommon (guard weaker)")
    corrected, body, rejected = fix_names(
        transcript, entities, lexicon, options, lambda: load_spacy(options.spacy_model)
    )
    log_fixes(ctx.logger, body["corrections"], rejected)
    write_json(out.transcript, corrected)
    write_json(out.entities, body)
    ctx.manifest.add_output("entities", out.entities, "Corrected entities")
    ctx.manifest.add_output("transcript", out.transcript, "Transcript with names corrected")
    ctx.manifest.add_metadata("corrections_made", len(body["corrections"]))
    ctx.manifest.add_metadata("entity_count", len(body["entities"]))
    ctx.manifest.add_metadata("entities_mentioned", sum(1 for e in body["entities"] if e["mentions"]))
    ctx.manifest.add_metadata("near_misses_kept", len(rejected))


if __name__ == "__main__":
    run_stage("post_ner", work, snakemake)
