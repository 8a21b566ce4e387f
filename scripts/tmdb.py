"""Stage 2 (tmdb): the film's TMDB record (title, year, overview, cast with characters, main crew).

No API key, network down, no match, a refusing API or retries exhausted: the stage writes a valid
tmdb_data.json that says ``"status": "skipped"`` with the reason, records the reason in the manifest
and ends ``skipped``; the rest of the pipeline runs on the file name's title. The key never reaches
the manifest, the log or any file: it is only handed to tmdbsimple, and the log handlers blank it.
"""

import os
from pathlib import Path

from subflow.io import write_json
from subflow.names.tmdb import (
    FilmQuery,
    ResponseCache,
    SecretFilter,
    TmdbClient,
    TmdbSettings,
    TmdbSkip,
    fetch_movie,
    load_api_key,
    quiet_http_loggers,
    redact,
    skipped_data,
)
from subflow.stage import StageContext, StageError, run_stage


def _optional_int(value: object) -> int | None:
    return int(value) if value not in (None, "", "None") else None


def work(ctx: StageContext) -> None:
    out = ctx.snakemake.output
    params = ctx.snakemake.params
    settings = TmdbSettings.from_config(params.options)
    query = FilmQuery(str(params.title), _optional_int(params.year), _optional_int(params.tmdb_id))
    api_key, key_source = load_api_key(os.environ, settings.api_key_file)
    quiet_http_loggers()
    for handler in ctx.logger.handlers:
        handler.addFilter(SecretFilter(api_key))
    ctx.logger.info(
        "film %r (%s), tmdb_id %s; API %s; key: %s",
        query.title,
        query.year,
        query.tmdb_id,
        settings.base_url,
        key_source if api_key else "none",
    )
    cache_path = ctx.movie_dir / "metadata" / "tmdb_cache.json"
    cache = ResponseCache(cache_path if settings.cache else None)
    client = TmdbClient(settings, api_key, cache, ctx.logger, no_key_reason=key_source)
    reason = None
    try:
        if not settings.enabled:
            raise TmdbSkip("tmdb.enabled is false")
        data = fetch_movie(client, query)
    except TmdbSkip as skip:
        reason = redact(str(skip), api_key)
        data = skipped_data(query, reason)
    except Exception as exc:  # noqa: BLE001 — an unexpected error: fail, but never with the key in it
        raise StageError(redact(f"TMDB lookup failed: {type(exc).__name__}: {exc}", api_key)) from None
    write_json(Path(out.tmdb_data), data)
    ctx.manifest.add_output("tmdb_data", out.tmdb_data, "TMDB metadata")
    if settings.cache and cache_path.exists():
        ctx.manifest.add_output("tmdb_cache", str(cache_path), "TMDB responses cached for reruns")
    ctx.manifest.add_metadata("tmdb_id", data["tmdb_id"])
    ctx.manifest.add_metadata("title", data["title"])
    ctx.manifest.add_metadata("year", data["year"])
    ctx.manifest.add_metadata("cast_count", len(data["cast"]))
    ctx.manifest.add_metadata("tmdb_status", data["status"])
    ctx.manifest.add_metadata("api_requests", client.requests_made)
    ctx.manifest.add_metadata("cache_hits", client.cache_hits)
    if reason is not None:
        ctx.logger.warning("TMDB skipped: %s", reason)
        ctx.manifest.skip(reason)
    else:
        ctx.logger.info("TMDB %s: %r (%s), %d cast", data["tmdb_id"], data["title"], data["year"], len(data["cast"]))


if __name__ == "__main__":
    run_stage("tmdb", work, snakemake)
