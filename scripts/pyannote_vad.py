"""Stage 5 (pyannote_vad): pyannote's speech detection refines Silero's segments; ASR uses the result.

The segmentation model is the pyannote/segmentation PyanNet shipped in the whisperx package unless
``pyannote_vad.model`` names another (local checkpoint, or a Hugging Face id already in the cache).
The refinement rule (``pyannote_vad.combine``) is written into the output: see subflow/vad/refine.py.
"""

from pathlib import Path

from subflow.devices import resolve_device, set_torch_threads
from subflow.io import SAMPLE_RATE, load_wav, read_json, write_json
from subflow.models import load_segmentation_model, resolve_segmentation_checkpoint
from subflow.stage import StageContext, run_stage
from subflow.vad.refine import refine_segments, rule_text
from subflow.vad.segmentation import pyannote_speech, save_scores, segmentation_scores
from subflow.vad.segments import segments_summary


def work(ctx: StageContext) -> None:
    inp, out = ctx.snakemake.input, ctx.snakemake.output
    options = ctx.snakemake.params.options
    set_torch_threads(ctx.threads)
    device = resolve_device(ctx.snakemake.params.device)
    samples = load_wav(inp.audio)
    duration = samples.size / SAMPLE_RATE
    silero = read_json(inp.segments)["segments"]
    model = load_segmentation_model(options["model"], device)
    ctx.logger.info("segmentation model %s on %s", options["model"], device)
    # the model's window scores are kept for diarization, which needs the same windows (vad/segmentation.npz)
    enough = samples.size >= int(model.specifications.duration * SAMPLE_RATE * 0.1)
    scores = segmentation_scores(samples, model, options["batch_size"]) if enough else None
    speech = pyannote_speech(samples, model, options, options["batch_size"], scores=scores)
    if scores is not None:
        save_scores(Path(out.scores), scores, resolve_segmentation_checkpoint(options["model"]), samples.size)
    else:  # too short for one window: an empty file, so that diarization computes (nothing) itself
        Path(out.scores).write_bytes(b"")
    refined, counts = refine_segments(silero, speech, options, duration)
    body = segments_summary(refined, duration, f"pyannote VoiceActivityDetection ({options['model']}) refining Silero")
    body.update(
        rule=rule_text(options),
        silero_segment_count=len(silero),
        pyannote_segment_count=len(speech),
        pyannote_speech_seconds=round(sum(s["end"] - s["start"] for s in speech), 3),
        device=device,
        **counts,
    )
    write_json(Path(out.segments), body)
    ctx.logger.info(
        "%d Silero + %d pyannote segments → %d refined (%s), %.1f%% speech",
        len(silero),
        len(speech),
        len(refined),
        counts,
        body["speech_percentage"],
    )
    ctx.manifest.add_output("segments", out.segments, "PyAnnote VAD segments")
    ctx.manifest.add_output("scores", out.scores, "pyannote segmentation window scores (for diarization)")
    ctx.manifest.add_metadata("segment_count", len(refined))
    ctx.manifest.add_metadata("refined_segments", counts["refined_segments"])
    ctx.manifest.add_metadata("speech_percentage", body["speech_percentage"])
    ctx.manifest.add_metadata("rule", options["combine"])
    ctx.manifest.add_metadata("device", device)


if __name__ == "__main__":
    run_stage("pyannote_vad", work, snakemake)
