"""Stage 7 (asr): speech → words with timings (batched faster-whisper, WhisperX alignment if configured).

No speech ends the stage with an error (the speech segments are empty, or Whisper recognised no word in
them), and so does speech detected as another language; an English-only model's doubt is a warning unless
``asr.strict_language`` (subflow/asr/language.py).
"""

from subflow.asr.decode import DecodeOptions, align_words, read_prompt, transcribe
from subflow.asr.detect import tmdb_disagreement
from subflow.asr.language import language_check, low_confidence_warning, not_english_message, refuses
from subflow.asr.trouble import untranscribed_warning
from subflow.devices import resolve_ctranslate2_device, set_torch_threads
from subflow.errors import StageError
from subflow.io import SAMPLE_RATE, load_wav, read_json, write_json
from subflow.models import resolve_whisper_model
from subflow.options import AsrOptions
from subflow.stage import StageContext, run_stage


def work(ctx: StageContext) -> None:
    inp, params = ctx.snakemake.input, ctx.snakemake.params
    settings = AsrOptions.from_config(params.options)
    if settings.align_model:  # only WhisperX alignment needs torch; faster-whisper does not import it
        set_torch_threads(ctx.threads)
    device = resolve_ctranslate2_device(params.device)
    options = DecodeOptions.for_device(
        settings,
        resolve_whisper_model(settings.model, settings.allow_download),
        device,
        ctx.threads,
        read_prompt(list(inp.prompt)),
    )
    prompted = bool(options.initial_prompt)
    ctx.logger.info("model %s on %s (%s), prompt: %s", options.model_path, device, options.compute_type, prompted)
    ctx.logger.info("language: %s, translate: %s", settings.language or "detect", settings.translate)
    samples = load_wav(inp.audio)
    segments = read_json(inp.segments)["segments"]
    if not segments:
        raise StageError(
            f"{ctx.film}: no speech found: voice activity detection found none in {samples.size / SAMPLE_RATE:.1f} s"
            " of audio (silence, noise or music only); nothing to subtitle"
        )
    try:
        body = transcribe(samples, segments, options, ctx.report_progress)
    except StageError as exc:  # the model, or a language it cannot write: named with the film
        raise StageError(f"{ctx.film}: {exc}") from exc
    ctx.logger.info("film language %s, %s: %s", body["language"], body["task"], body["film_language"])
    original_language = read_json(inp.tmdb).get("original_language") or ""
    disagreement = tmdb_disagreement(body["language"], original_language)
    if disagreement:
        ctx.logger.warning("%s", disagreement)
        ctx.manifest.add_warning(disagreement)
    if not any(s["words"] for s in body["segments"]):
        speech_s = sum(s["end"] - s["start"] for s in segments)
        raise StageError(f"{ctx.film}: no speech found: no word recognised in {speech_s:.1f} s of detected speech")
    repaired = body.pop("redecoding")
    for line in body["foreign_lines"]:
        ctx.logger.info(
            "line in %s at %.1f-%.1f s translated: %r",
            line["language"],
            line["start"],
            line["end"],
            line["translation"],
        )
    ctx.manifest.add_metadata("redecoded", repaired["redecoded"])
    ctx.manifest.add_metadata("untranscribed", repaired["untranscribed"])
    ctx.manifest.add_metadata("redecode_seconds", repaired["redecode_seconds"])
    ctx.logger.info(
        "%d windows decoded again (%.1f s): %s",
        len(repaired["redecoded"]),
        repaired["redecode_seconds"],
        repaired["redecoded"],
    )
    if repaired["untranscribed"]:
        warning = untranscribed_warning(repaired["untranscribed"])
        ctx.logger.warning("%s", warning)
        ctx.manifest.add_warning(warning)
    check = language_check(body)  # on Whisper's own word probabilities, before any alignment
    ctx.manifest.add_metadata("language_check", check)
    ctx.logger.info("language check: %s", check)
    if refuses(check, settings.strict_language):
        raise StageError(not_english_message(ctx.film, settings.model, check))
    if check["verdict"] == "low_confidence":
        warning = low_confidence_warning(settings.model, check)
        ctx.logger.warning("%s", warning)
        ctx.manifest.add_warning(warning)
    if settings.align_model and body["segments"]:
        body = align_words(body, samples, settings.align_model, device)
    body["model_name"] = settings.model
    body["initial_prompt_used"] = prompted
    write_json(ctx.snakemake.output.transcript, body)
    ctx.manifest.add_output("transcript", ctx.snakemake.output.transcript, "WhisperX transcript")
    ctx.manifest.add_metadata("word_count", sum(len(s["words"]) for s in body["segments"]))
    ctx.manifest.add_metadata("model", settings.model)
    ctx.manifest.add_metadata("language", body["language"])
    ctx.manifest.add_metadata("language_probability", body["language_probability"])
    ctx.manifest.add_metadata("film_language", body["film_language"])  # the speech segments' votes, when detected
    ctx.manifest.add_metadata("task", body["task"])
    ctx.manifest.add_metadata("tmdb_original_language", original_language or None)
    ctx.manifest.add_metadata("translated_from", body["translated_from"])
    ctx.manifest.add_metadata("foreign_lines", body["foreign_lines"])  # lines in another language, translated
    ctx.manifest.add_metadata("device", device)
    ctx.manifest.add_metadata("compute_type", options.compute_type)
    ctx.manifest.add_metadata("word_timestamps", "whisperx-align" if settings.align_model else "faster-whisper")


if __name__ == "__main__":
    run_stage("asr", work, snakemake)
