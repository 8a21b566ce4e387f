"""ASR: WhisperX's engine (batched faster-whisper) over our own speech segments, with word timings."""

import math
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from subflow.asr.detect import Plan, detect_film_language, plan_decoding
from subflow.asr.foreign import translate_foreign_lines, unsure_pieces
from subflow.asr.redecode import repair, segment_record
from subflow.errors import StageError
from subflow.io import SAMPLE_RATE
from subflow.models import compute_type_for, multilingual_detector_path
from subflow.options import AsrOptions
from subflow.progress import ProgressCallback, ProgressTicker


@dataclass(frozen=True)
class DecodeOptions:
    """What the asr stage passes to faster-whisper: the ``asr`` options resolved for this machine and film."""

    model_path: str
    device: str
    compute_type: str
    threads: int
    language: str | None
    beam_size: int
    batch_size: int
    initial_prompt: str | None
    translate: str = "auto"
    model_name: str = ""
    foreign_lines: bool = True
    workers: int = 1  # batches decoded at once (decode_workers), sharing the threads

    @classmethod
    def for_device(
        cls, options: AsrOptions, model_path: str, device: str, threads: int, prompt: str | None
    ) -> "DecodeOptions":
        return cls(
            model_path=model_path,
            device=device,
            compute_type=compute_type_for(device, options.compute_type),
            threads=threads,
            language=options.language,
            beam_size=options.beam_size,
            batch_size=options.batch_size,
            initial_prompt=prompt,
            translate=options.translate,
            model_name=options.model,
            foreign_lines=options.foreign_lines,
        )


def read_prompt(paths: list[str]) -> str | None:
    """pre_ner's prompt when the workflow gives one (``asr.use_prompt``), else None."""
    for path in paths:
        return Path(path).read_text(encoding="utf-8").strip() or None
    return None


def chunk_segments(segments: list[dict], max_chunk_s: float = 30.0, duration: float | None = None) -> list[dict]:
    """Merge neighbouring speech segments into windows of at most ``max_chunk_s`` (Whisper's 30 s),
    as WhisperX does, so short turns are decoded with context; longer segments are cut. Ends are kept
    within ``duration``: segment times are rounded to the millisecond, and a window reaching past the
    last sample made faster-whisper fail ("non-negative timestamp expected") on speech with no gaps."""
    chunks: list[dict] = []
    limit = float("inf") if duration is None else duration
    for segment in segments:
        start, end = max(0.0, float(segment["start"])), min(limit, float(segment["end"]))
        while end - start > max_chunk_s:
            chunks.append({"start": start, "end": start + max_chunk_s})
            start += max_chunk_s
        if chunks and end - chunks[-1]["start"] <= max_chunk_s and start >= chunks[-1]["end"]:
            chunks[-1]["end"] = end
        elif end > start:
            chunks.append({"start": start, "end": end})
    return chunks


def decode_workers(options: DecodeOptions, windows: int) -> int:
    """Batches decoded at once: on the CPU one per thread, no more than there are windows; on a GPU one, which
    batches by itself."""
    if options.device != "cpu":
        return 1
    return max(1, min(options.threads, windows))


def load_model(options: DecodeOptions):
    """Load the CTranslate2 model; any load error becomes a StageError naming the model."""
    from faster_whisper import WhisperModel

    try:
        return WhisperModel(
            options.model_path,
            device=options.device,
            compute_type=options.compute_type,
            cpu_threads=max(1, options.threads // options.workers),
            num_workers=options.workers,
        )
    except Exception as exc:
        raise StageError(f"asr.model: cannot load {options.model_path} ({exc})") from exc


def film_plan(model, samples: np.ndarray, speech: list[dict], options: DecodeOptions) -> tuple[Plan, dict | None, Any]:
    """The decoding plan (:mod:`subflow.asr.detect`), the film's detected language when asked to detect, and
    the multilingual model that detected it (None when none did).

    ``asr.language`` set: that language, no detection. Unset: a multilingual model detects it, the ASR model
    itself or else the packaged base; with no multilingual model at all, English is assumed."""
    english_only = not model.model.is_multilingual
    if options.language:
        plan = plan_decoding(options.language, english_only, options.translate, options.model_name, "asr.language")
        return plan, None, None
    detector, name = (model, options.model_name) if not english_only else (load_detector(options), "base")
    found = (
        detect_film_language(detector, samples, speech, name, workers=options.workers)
        if detector is not None and speech
        else None
    )
    if found is None:
        return plan_decoding(None, english_only, options.translate, options.model_name), None, detector
    evidence = f"probability {found.probability}, {found.votes[found.language]} of {found.windows} windows"
    plan = plan_decoding(found.language, english_only, options.translate, options.model_name, evidence)
    return plan, found.record(), detector


def load_detector(options: DecodeOptions):
    """The packaged multilingual base for language identification, or None when it is not installed."""
    path = multilingual_detector_path()
    if path is None:
        return None
    return load_model(DecodeOptions(**{**options.__dict__, "model_path": path, "model_name": "base"}))


def transcribe(
    samples: np.ndarray, segments: list[dict], options: DecodeOptions, progress: ProgressCallback | None = None
) -> dict:
    """Transcribe the speech segments; returns the transcript.json body (docs/data-formats.md).

    ``progress(fraction, message)`` is called every few seconds (:class:`ProgressTicker`), from the
    model's loading on: percent of the audio transcribed, real-time factor so far.
    """

    duration = samples.size / SAMPLE_RATE
    with ProgressTicker(progress, duration) as ticker:
        ticker.update(0, "loading the model")
        chunks = chunk_segments(segments, duration=duration)
        options = replace(options, workers=decode_workers(options, len(chunks)))
        model = load_model(options)
        ticker.update(0, "detecting the language")
        plan, film_language, detector = film_plan(model, samples, segments if chunks else [], options)
        body = {
            "language": plan.language,
            "language_probability": film_language["probability"] if film_language else None,
            "film_language": film_language,
            "task": plan.task,
            "translated_from": plan.translated_from,
            "model": options.model_path,
            "device": options.device,
            "compute_type": options.compute_type,
            "duration_seconds": round(duration, 3),
            "chunk_count": len(chunks),
            "segments": [],
        }
        if not chunks:
            body["text"] = ""
            return body
        ticker.update(0, "computing features")
        decoded, info = batched_pass(
            model,
            samples,
            chunks,
            options.workers if plan.language else 1,  # one pass detects the language once, for all windows
            ticker,
            language=plan.language,
            task=plan.task,
            beam_size=options.beam_size,
            batch_size=options.batch_size,
            initial_prompt=options.initial_prompt or None,
            word_timestamps=True,
            vad_filter=False,
        )
        if plan.language is None:  # a multilingual model with no detector run: the batched pass detected it
            body["language"] = info.language
            body["language_probability"] = round(float(info.language_probability), 3)
        ticker.update(duration, "checking every window, decoding again those in trouble")
        body["segments"], body["redecoding"] = repair(
            model,
            samples,
            chunks,
            segments,
            decoded,
            (body["language"], options.beam_size, plan.task),
            options.initial_prompt or None,
        )
        body["foreign_lines"] = []
        english = plan.task == "transcribe" and body["language"] == "en"
        if english and options.foreign_lines and options.translate != "never":
            if unsure_pieces(segments, body["segments"]):
                ticker.update(duration, "looking for lines in another language")
                detector = detector or (model if model.model.is_multilingual else load_detector(options))
            else:
                detector = None
            if detector is not None:
                translator = model if model.model.is_multilingual else detector
                body["segments"], body["foreign_lines"] = translate_foreign_lines(
                    detector, translator, samples, segments, body["segments"], options.beam_size, options.workers
                )
                lost = body["redecoding"]["untranscribed"]  # a foreign line translated is no longer lost
                body["redecoding"]["untranscribed"] = [
                    u for u in lost if not any(f["start"] <= u["start"] < f["end"] for f in body["foreign_lines"])
                ]
    body["text"] = " ".join(s["text"] for s in body["segments"]).strip()
    return body


def worker_shares(chunks: list[dict], workers: int, batch_size: int) -> tuple[list[list[dict]], list[int]]:
    """The windows cut into ``workers`` runs of neighbours as even as can be, and each run's batch size: the
    most windows that batch it evenly with none over ``batch_size`` (11 windows by 8: batches of 6 and 5).
    One worker keeps ``batch_size``."""
    if workers < 2:
        return [chunks], [batch_size]
    cuts = [round(i * len(chunks) / workers) for i in range(workers + 1)]
    shares = [chunks[a:b] for a, b in zip(cuts, cuts[1:]) if b > a]
    return shares, [math.ceil(len(share) / math.ceil(len(share) / batch_size)) for share in shares]


def batched_pass(
    model, samples: np.ndarray, chunks: list[dict], workers: int, ticker: ProgressTicker, **decode: Any
) -> tuple[list[dict], Any]:
    """faster-whisper's batched pass over the windows: the segment records in time order, and its info.

    With ``workers`` > 1 the runs of :func:`worker_shares` are decoded at once by CTranslate2's workers (one
    thread each): the decoder's small steps use a second core better that way than as one decode on two
    threads (bench/results/figures.md), and even batches leave no worker decoding alone at the end."""
    from faster_whisper import BatchedInferencePipeline

    shares, sizes = worker_shares(chunks, workers, decode.pop("batch_size"))
    heard = [0.0] * len(shares)  # seconds of the film each worker has decoded, for the progress line
    scale = samples.size / SAMPLE_RATE / max(1e-9, sum(c["end"] - c["start"] for c in chunks))

    def decode_share(worker: int) -> tuple[list[dict], Any]:
        pipeline = BatchedInferencePipeline(model)
        results, info = pipeline.transcribe(samples, clip_timestamps=shares[worker], batch_size=sizes[worker], **decode)
        ticker.update(0, "transcribing")
        records = []
        for segment in results:
            records.append(segment_record(segment))
            heard[worker] += segment.end - segment.start
            ticker.update(sum(heard) * scale)
        return records, info

    with ThreadPoolExecutor(len(shares)) as pool:
        parts = list(pool.map(decode_share, range(len(shares))))
    return sorted((s for records, _ in parts for s in records), key=lambda s: s["start"]), parts[0][1]


def align_words(body: dict, samples: np.ndarray, align_model: str, device: str) -> dict:
    """Replace word timings by WhisperX's forced alignment with a local wav2vec2 model."""
    import whisperx

    try:
        model, metadata = whisperx.load_align_model(body["language"] or "en", device, model_name=align_model)
    except Exception as exc:
        raise StageError(
            f"asr.align_model: cannot load {align_model!r} ({exc}); give a local wav2vec2 model directory or null"
        ) from exc
    aligned = whisperx.align(body["segments"], model, metadata, samples, device, return_char_alignments=False)
    for segment, new in zip(body["segments"], aligned["segments"]):
        segment["words"] = [
            {"word": " " + w["word"], "start": w.get("start"), "end": w.get("end"), "probability": w.get("score")}
            for w in new.get("words", [])
        ]
    body["alignment"] = align_model
    return body
