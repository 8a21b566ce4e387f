"""Stage 7 (asr): speech → words with timings (batched faster-whisper, WhisperX alignment if configured)."""

from pathlib import Path

from subflow.audio import load_wav
from subflow.devices import resolve_device, set_torch_threads
from subflow.models import compute_type_for, resolve_whisper_model
from subflow.stage import StageContext, read_json, run_stage, write_json
from subflow.transcribe import AsrOptions, align_words, transcribe


def read_prompt(paths: list[str]) -> str | None:
    """pre_ner's prompt when the workflow gives one, else None."""
    for path in paths:
        text = Path(path).read_text(encoding="utf-8").strip()
        return text or None
    return None


def work(ctx: StageContext) -> None:
    params = ctx.snakemake.params
    settings = params.options
    set_torch_threads(ctx.threads)
    device = resolve_device(params.device)
    options = AsrOptions(
        model_path=resolve_whisper_model(settings["model"], settings["allow_download"]),
        device=device,
        compute_type=compute_type_for(device, settings["compute_type"]),
        threads=ctx.threads,
        language=settings["language"],
        beam_size=settings["beam_size"],
        batch_size=settings["batch_size"],
        initial_prompt=read_prompt(list(ctx.snakemake.input.prompt)),
    )
    ctx.logger.info("model %s on %s (%s), prompt: %s", options.model_path, device, options.compute_type, bool(options.initial_prompt))
    samples = load_wav(ctx.snakemake.input.audio)
    segments = read_json(ctx.snakemake.input.segments)["segments"]

    def progress(fraction: float, message: str) -> None:
        ctx.logger.info("progress: %s", message)
        ctx.manifest.set_progress(fraction, message)

    body = transcribe(samples, segments, options, progress)
    if settings["align_model"] and body["segments"]:
        body = align_words(body, samples, settings["align_model"], device)
    body["model_name"] = settings["model"]
    body["initial_prompt_used"] = bool(options.initial_prompt)
    write_json(Path(ctx.snakemake.output.transcript), body)
    word_count = sum(len(s["words"]) for s in body["segments"])
    ctx.manifest.add_output("transcript", ctx.snakemake.output.transcript, "WhisperX transcript")
    ctx.manifest.add_metadata("word_count", word_count)
    ctx.manifest.add_metadata("model", settings["model"])
    ctx.manifest.add_metadata("language", body["language"])
    ctx.manifest.add_metadata("language_probability", body["language_probability"])
    ctx.manifest.add_metadata("device", device)
    ctx.manifest.add_metadata("compute_type", options.compute_type)
    ctx.manifest.add_metadata("word_timestamps", "whisperx-align" if settings["align_model"] else "faster-whisper")


if __name__ == "__main__":
    run_stage("asr", work, snakemake)  # noqa: F821 — Snakemake injects `snakemake`
