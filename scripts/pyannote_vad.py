"""Stage 5 (pyannote_vad): pyannote's speech detection refines Silero's segments; ASR uses the result.

The segmentation model is the pyannote/segmentation PyanNet shipped in the whisperx package unless
``pyannote_vad.model`` names another (local checkpoint, or a Hugging Face id already in the cache).
The refinement rule (``pyannote_vad.combine``) is written into the output: see subflow/vad/refine.py.
The model's window scores are kept for diarization, which needs the same windows (vad/segmentation.npz).
"""

from subflow.devices import resolve_device, set_torch_threads
from subflow.io import SAMPLE_RATE, load_wav, read_json, write_json
from subflow.models import load_segmentation_model, resolve_segmentation_checkpoint
from subflow.options import PyannoteVadOptions
from subflow.stage import StageContext, run_stage
from subflow.vad.refine import refine_segments
from subflow.vad.segmentation import pyannote_speech, save_scores
from subflow.vad.segments import refined_summary


def work(ctx: StageContext) -> None:
    inp, out, params = ctx.snakemake.input, ctx.snakemake.output, ctx.snakemake.params
    options = PyannoteVadOptions.from_config(params.options)
    set_torch_threads(ctx.threads)
    device = resolve_device(params.device)
    samples = load_wav(inp.audio)
    duration = samples.size / SAMPLE_RATE
    silero = read_json(inp.segments)["segments"]
    model = load_segmentation_model(options.model, device)
    ctx.logger.info("segmentation model %s on %s", options.model, device)
    speech, scores = pyannote_speech(samples, model, options, ctx.report_progress)
    save_scores(out.scores, scores, model.receptive_field, resolve_segmentation_checkpoint(options.model), samples.size)
    refined, counts = refine_segments(silero, speech, options, duration)
    body = refined_summary(refined, duration, options, silero, speech, counts, device)
    write_json(out.segments, body)
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
    ctx.manifest.add_metadata("rule", options.combine)
    ctx.manifest.add_metadata("device", device)


if __name__ == "__main__":
    run_stage("pyannote_vad", work, snakemake)
