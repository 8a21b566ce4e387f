"""Stage 6 (diarization): who speaks when → diarization/speaker_segments.json and speakers.rttm.

Backends (``diarization.backend``): ``offline`` (default; weights shipped in packages: pyannote's
segmentation model from whisperx, resemblyzer's voice encoder, agglomerative clustering) and
``pyannote`` (a pyannote pipeline from a local folder or the Hugging Face cache). Audio without
speech gives zero speakers and an empty, valid output. See subflow/diarization/.
"""

from subflow.devices import resolve_device, set_torch_threads
from subflow.diarization.backends import diarize
from subflow.diarization.output import speaker_body, to_rttm
from subflow.io import atomic_write, load_wav, read_json, write_json
from subflow.options import DiarizationOptions
from subflow.stage import StageContext, run_stage


def work(ctx: StageContext) -> None:
    inp, out, params = ctx.snakemake.input, ctx.snakemake.output, ctx.snakemake.params
    options = DiarizationOptions.from_config(params.options)
    set_torch_threads(ctx.threads)
    device = resolve_device(params.device)
    samples = load_wav(inp.audio)
    speech = read_json(inp.segments)["segments"]
    ctx.logger.info("backend %s on %s, %d speech segments", options.backend, device, len(speech))
    # inp.scores: pyannote_vad's window scores, reused when model and step match
    turns, model = diarize(
        samples, speech, options, device, ctx.logger, scores_path=inp.scores, progress=ctx.report_progress
    )
    body = speaker_body(turns, model, options.backend)
    write_json(out.speakers, body)
    atomic_write(out.rttm, to_rttm(turns, ctx.movie_dir.name))
    ctx.logger.info("%d speakers, %d turns", body["speaker_count"], len(turns))
    ctx.manifest.add_output("speakers", out.speakers, "Speaker segments")
    ctx.manifest.add_output("rttm", out.rttm, "Speaker segments (RTTM)")
    ctx.manifest.add_metadata("speaker_count", body["speaker_count"])
    ctx.manifest.add_metadata("model", model)
    ctx.manifest.add_metadata("backend", options.backend)
    ctx.manifest.add_metadata("turn_count", len(turns))
    ctx.manifest.add_metadata("device", device)


if __name__ == "__main__":
    run_stage("diarization", work, snakemake)
