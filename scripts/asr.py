"""Stage 7 (asr): speech → words with timings (batched faster-whisper, WhisperX alignment if configured).

Two checks end the stage with an error instead of writing a transcript no one can use: no speech (the
speech segments are empty, or Whisper recognised no word in them) and not English (subflow/asr/language.py).
"""

from subflow.asr.decode import DecodeOptions, align_words, read_prompt, transcribe
from subflow.asr.language import language_check, not_english_message
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
    samples = load_wav(inp.audio)
    segments = read_json(inp.segments)["segments"]
    if not segments:
        raise StageError(
            f"{ctx.film}: no speech found: voice activity detection found none in {samples.size / SAMPLE_RATE:.1f} s"
            " of audio (silence, noise or music only); nothing to subtitle"
        )
    body = transcribe(samples, segments, options, ctx.report_progress)
    if not any(s["words"] for s in body["segments"]):
        speech_s = sum(s["end"] - s["start"] for s in segments)
        raise StageError(f"{ctx.film}: no speech found: no word recognised in {speech_s:.1f} s of detected speech")
    check = language_check(body)  # on Whisper's own word probabilities, before any alignment
    ctx.manifest.add_metadata("language_check", check)
    ctx.logger.info("language check: %s", check)
    if check["verdict"] == "not_english":
        raise StageError(not_english_message(ctx.film, settings.model, check))
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
    ctx.manifest.add_metadata("device", device)
    ctx.manifest.add_metadata("compute_type", options.compute_type)
    ctx.manifest.add_metadata("word_timestamps", "whisperx-align" if settings.align_model else "faster-whisper")


if __name__ == "__main__":
    run_stage("asr", work, snakemake)
