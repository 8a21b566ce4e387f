"""Stage 2 (tmdb): the film's TMDB record (title, year, overview, cast with characters, main crew).

No API key, network down, no match, a refusing API or retries exhausted: the stage writes a valid
tmdb_data.json that says ``"status": "skipped"`` with the reason, records the reason in the manifest
and ends ``skipped``; the rest of the pipeline runs on the file name's title. The key never reaches
the manifest, the log or any file: it is only handed to tmdbsimple, and the log handlers blank it.
"""

import os

from subflow.io import write_json
from subflow.names.tmdb import FilmQuery, lookup
from subflow.options import TmdbOptions
from subflow.stage import StageContext, run_stage


def work(ctx: StageContext) -> None:
    out, params = ctx.snakemake.output, ctx.snakemake.params
    options = TmdbOptions.from_config(params.options)
    query = FilmQuery.from_params(params.title, params.year, params.tmdb_id)
    cache_path = ctx.movie_dir / "metadata" / "tmdb_cache.json"
    result = lookup(options, query, os.environ, cache_path, ctx.logger)
    data = result.data
    write_json(out.tmdb_data, data)
    ctx.manifest.add_output("tmdb_data", out.tmdb_data, "TMDB metadata")
    if options.cache and cache_path.exists():
        ctx.manifest.add_output("tmdb_cache", str(cache_path), "TMDB responses cached for reruns")
    ctx.manifest.add_metadata("tmdb_id", data["tmdb_id"])
    ctx.manifest.add_metadata("title", data["title"])
    ctx.manifest.add_metadata("year", data["year"])
    ctx.manifest.add_metadata("cast_count", len(data["cast"]))
    ctx.manifest.add_metadata("tmdb_status", data["status"])
    ctx.manifest.add_metadata("api_requests", result.requests_made)
    ctx.manifest.add_metadata("cache_hits", result.cache_hits)
    if result.reason is not None:
        ctx.logger.warning("TMDB skipped: %s", result.reason)
        ctx.manifest.skip(result.reason)
    else:
        ctx.logger.info("TMDB %s: %r (%s), %d cast", data["tmdb_id"], data["title"], data["year"], len(data["cast"]))


if __name__ == "__main__":
    run_stage("tmdb", work, snakemake)
