"""Stage 7 (asr): speech → words with timings (batched faster-whisper, WhisperX alignment if configured).

Two checks end the stage with an error instead of writing a transcript no one can use:

* no speech: the speech segments are empty (silence, noise), or Whisper recognised no word in them;
* not English: an English-only model (tiny.en) cannot detect a language, and on other languages it
  writes fluent, confident-looking English that is not in the film. What it cannot hide is its own
  uncertainty: the mean log-probability of its words falls from -0.03…-0.32 (English, real
  recordings and espeak) to -0.5…-1.5 (espeak French, German, Spanish, Italian, Russian, Japanese),
  and it repeats itself (zlib compression ratio of a segment's text over 2.4, Whisper's own
  hallucination threshold). Under -0.6, or under -0.4 and repetitive, with at least 5 words, the
  stage fails saying so; fewer words cannot be judged (recorded as such). The numbers and the
  verdict are in the manifest (metadata ``language_check``). It detects "not understood as
  English"; it cannot name the language, and very poor English audio could be taken for it.
  A multilingual model that detects another language (``asr.language: null``) fails the same way.
"""

import math
import zlib
from pathlib import Path

from subflow.asr.decode import AsrOptions, align_words, transcribe
from subflow.devices import resolve_ctranslate2_device, set_torch_threads
from subflow.io import SAMPLE_RATE, load_wav, read_json, write_json
from subflow.models import compute_type_for, resolve_whisper_model
from subflow.stage import StageContext, StageError, run_stage

MIN_WORDS_TO_JUDGE = 5
NOT_ENGLISH_LOG_PROBABILITY = -0.6
REPETITIVE_LOG_PROBABILITY = -0.4
REPETITION_RATIO = 2.4


def compression_ratio(text: str) -> float:
    data = text.encode("utf-8")
    return len(data) / len(zlib.compress(data)) if data else 0.0


def language_check(body: dict) -> dict:
    """How well the model understood the speech as English (see the module docstring)."""
    probabilities = [w["probability"] for s in body["segments"] for w in s["words"] if w.get("probability") is not None]
    check = {
        "decoded_as": body["language"],
        "language_probability": body["language_probability"],
        "words": len(probabilities),
        "mean_log_word_probability": None,
        "low_probability_words": None,
        "max_compression_ratio": round(max((compression_ratio(s["text"]) for s in body["segments"]), default=0.0), 2),
        "method": "mean log-probability of the recognised words and repetition; detects speech the model does"
        " not understand as English, cannot name its language",
    }
    if probabilities:
        mean_log = sum(math.log(max(p, 1e-4)) for p in probabilities) / len(probabilities)
        check["mean_log_word_probability"] = round(mean_log, 3)
        check["low_probability_words"] = round(sum(p < 0.3 for p in probabilities) / len(probabilities), 3)
    if body["language"] not in (None, "en"):
        check["verdict"] = "not_english"
    elif len(probabilities) < MIN_WORDS_TO_JUDGE:
        check["verdict"] = "too_little_speech_to_judge"
    elif check["mean_log_word_probability"] < NOT_ENGLISH_LOG_PROBABILITY or (
        check["mean_log_word_probability"] < REPETITIVE_LOG_PROBABILITY
        and check["max_compression_ratio"] > REPETITION_RATIO
    ):
        check["verdict"] = "not_english"
    else:
        check["verdict"] = "english"
    return check


def not_english_message(film: str, model: str, check: dict) -> str:
    if check["decoded_as"] not in (None, "en"):
        found = f"the model {model} detects {check['decoded_as']!r} (probability {check['language_probability']})"
    else:
        repeats = (
            f", repeating itself (ratio {check['max_compression_ratio']})"
            if check["max_compression_ratio"] > REPETITION_RATIO
            else ""
        )
        found = (
            f"the English-only model {model} does not understand the speech (mean word log-probability "
            f"{check['mean_log_word_probability']} over {check['words']} words{repeats}); it is probably not English"
        )
    return (
        f"{film}: {found}. subflow makes English subtitles from English speech: choose the English audio "
        "track (demux.audio_stream) or a multilingual asr.model"
    )


def read_prompt(paths: list[str]) -> str | None:
    """pre_ner's prompt when the workflow gives one, else None."""
    for path in paths:
        text = Path(path).read_text(encoding="utf-8").strip()
        return text or None
    return None


def work(ctx: StageContext) -> None:
    params = ctx.snakemake.params
    settings = params.options
    if settings["align_model"]:  # only WhisperX alignment needs torch; faster-whisper does not import it
        set_torch_threads(ctx.threads)
    device = resolve_ctranslate2_device(params.device)
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
    ctx.logger.info(
        "model %s on %s (%s), prompt: %s",
        options.model_path,
        device,
        options.compute_type,
        bool(options.initial_prompt),
    )
    samples = load_wav(ctx.snakemake.input.audio)
    segments = read_json(ctx.snakemake.input.segments)["segments"]
    if not segments:
        raise StageError(
            f"{ctx.film}: no speech found: voice activity detection found none in {samples.size / SAMPLE_RATE:.1f} s"
            " of audio (silence, noise or music only); nothing to subtitle"
        )

    def progress(fraction: float, message: str) -> None:
        ctx.logger.info("progress: %s", message)
        ctx.manifest.set_progress(fraction, message)

    body = transcribe(samples, segments, options, progress)
    speech_s = sum(s["end"] - s["start"] for s in segments)
    if not any(s["words"] for s in body["segments"]):
        raise StageError(
            f"{ctx.film}: no speech found: no word recognised in {speech_s:.1f} s of detected speech; nothing to subtitle"
        )
    check = language_check(body)  # on Whisper's own word probabilities, before any alignment
    ctx.manifest.add_metadata("language_check", check)
    ctx.logger.info("language check: %s", check)
    if check["verdict"] == "not_english":
        raise StageError(not_english_message(ctx.film, settings["model"], check))
    if settings["align_model"] and body["segments"]:
        body = align_words(body, samples, settings["align_model"], device)
    body["model_name"] = settings["model"]
    body["initial_prompt_used"] = bool(options.initial_prompt)
    word_count = sum(len(s["words"]) for s in body["segments"])
    write_json(Path(ctx.snakemake.output.transcript), body)
    ctx.manifest.add_output("transcript", ctx.snakemake.output.transcript, "WhisperX transcript")
    ctx.manifest.add_metadata("word_count", word_count)
    ctx.manifest.add_metadata("model", settings["model"])
    ctx.manifest.add_metadata("language", body["language"])
    ctx.manifest.add_metadata("language_probability", body["language_probability"])
    ctx.manifest.add_metadata("device", device)
    ctx.manifest.add_metadata("compute_type", options.compute_type)
    ctx.manifest.add_metadata("word_timestamps", "whisperx-align" if settings["align_model"] else "faster-whisper")


if __name__ == "__main__":
    run_stage("asr", work, snakemake)
