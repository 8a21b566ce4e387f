"""Stage 8 (post_ner): misheard names in the transcript corrected against pre_ner's entities.

The matching rule and the common-word guard are in subflow/names/fix.py's docstring. Output: the
corrected transcript (same shape as transcript.json, word timings kept) that the subtitles stage
reads, and entities/post_ner.json with every correction (time, before, after, score, entity).
"""

from pathlib import Path

from subflow.io import read_json, write_json
from subflow.models import load_spacy, whisper_tokenizer_file
from subflow.names.fix import FixSettings, common_words, fix_names
from subflow.stage import StageContext, run_stage


def work(ctx: StageContext) -> None:
    out = ctx.snakemake.output
    inp = ctx.snakemake.input
    params = ctx.snakemake.params
    settings = FixSettings.from_config(params.options)
    transcript = read_json(inp.transcript)
    entities = read_json(inp.entities).get("entities", [])
    lexicon = common_words(whisper_tokenizer_file(str(params.asr_model)))
    if not lexicon:
        ctx.logger.warning("no Whisper vocabulary found: every word counts as uncommon (guard weaker)")
    corrected, body, rejected = fix_names(
        transcript, entities, lexicon, settings, lambda: load_spacy(settings.spacy_model)
    )
    for record in body["corrections"]:
        ctx.logger.info(
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
        ctx.logger.info(
            "kept %r (near %r, score %.1f): %s",
            before,
            candidate.target.text,
            candidate.score,
            candidate.guard or "below threshold",
        )
    ctx.logger.info('kept %d lowercase common words that sound like a name ("mall" near "Mal")', lowercase_common)
    write_json(Path(out.transcript), corrected)
    write_json(Path(out.entities), body)
    ctx.manifest.add_output("entities", out.entities, "Corrected entities")
    ctx.manifest.add_output("transcript", out.transcript, "Transcript with names corrected")
    ctx.manifest.add_metadata("corrections_made", len(body["corrections"]))
    ctx.manifest.add_metadata("entity_count", len(body["entities"]))
    ctx.manifest.add_metadata("entities_mentioned", sum(1 for e in body["entities"] if e["mentions"]))
    ctx.manifest.add_metadata("near_misses_kept", len(rejected))


if __name__ == "__main__":
    run_stage("post_ner", work, snakemake)
