"""Stage 10 (mux): with export.sidecar, the subtitle files written first where media servers look (a library it
cannot write fails before the film is copied); then the film's streams copied into MP4 or Matroska with the SRT
added as a subtitle track (subflow/media/sidecars.py, mux.py)."""

from dataclasses import replace
from pathlib import Path

from subflow.asr.detect import language_name, track_language
from subflow.io import read_json
from subflow.media.mux import mux_film
from subflow.media.probe import probe
from subflow.media.sidecars import LANGUAGE, LEDGER, export_sidecars, film_roots, sidecar_folder
from subflow.options import ExportOptions, MuxOptions
from subflow.stage import StageContext, run_stage


def work(ctx: StageContext) -> None:
    job = ctx.snakemake
    film, target = job.input.film, Path(job.output.video)
    subtitles = {Path(path).suffix.lstrip("."): Path(path) for path in job.input.subtitles}
    export = ExportOptions.from_config(job.params.export)
    options = MuxOptions.from_config(job.params.options)
    language = LANGUAGE
    transcript = read_json(job.input.transcript)
    if transcript.get("task") == "transcribe" and transcript.get("language") not in (None, "en"):  # translate: never
        language = transcript["language"]
        name = language_name(language)
        options = replace(options, subtitle_language=track_language(language), subtitle_title=f"{name} (subflow)")
        ctx.logger.info("subtitles in the film's own language: %s (%s)", name, options.subtitle_language)
    forced = Path(job.input.forced)
    if export.sidecar:
        if forced.read_text(encoding="utf-8").strip():  # .en.forced.srt: the lines in another language
            subtitles = {**subtitles, "forced.srt": forced}
        folder = sidecar_folder(film, export.dir, film_roots(job.config.get("input_dir", ""), job.config.get("movies")))
        sidecars = export_sidecars(film, subtitles, folder, ctx.movie_dir / LEDGER, language)
        for sidecar in sidecars:
            ctx.logger.info("sidecar %s: %s %s", sidecar.path, sidecar.status, sidecar.reason or "")
            if sidecar.status == "skipped":
                ctx.manifest.add_warning(f"sidecar {sidecar.path} not written: {sidecar.reason}")
        ctx.manifest.add_metadata("sidecars", [sidecar.record() for sidecar in sidecars])
    result = mux_film(probe(film), subtitles["srt"], target, options, forced)
    ctx.logger.info("%s (%s)", target.name, result.reason)
    for warning in result.warnings:
        ctx.logger.warning("%s", warning)
        ctx.manifest.add_warning(warning)
    ctx.manifest.add_output("final_video", target, "Final video with subs")
    for key, value in result.metadata().items():
        ctx.manifest.add_metadata(key, value)


if __name__ == "__main__":
    run_stage("mux", work, snakemake)
