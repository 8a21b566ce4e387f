"""Stage 6 (diarization): who speaks when → diarization/speaker_segments.json and speakers.rttm.

Backends (``diarization.backend``): ``offline`` (default; weights shipped in packages: pyannote's
segmentation model from whisperx, resemblyzer's voice encoder, agglomerative clustering) and
``pyannote`` (a pyannote pipeline from a local folder or the Hugging Face cache). Audio without
speech gives zero speakers and an empty, valid output. See subflow/diarization/.
"""

from pathlib import Path

from subflow.devices import resolve_device, set_torch_threads
from subflow.diarization.diarize import diarize, speaker_body, to_rttm
from subflow.io import load_wav, read_json, write_json
from subflow.stage import StageContext, run_stage


def work(ctx: StageContext) -> None:
    inp, out = ctx.snakemake.input, ctx.snakemake.output
    section = ctx.snakemake.params.options
    set_torch_threads(ctx.threads)
    device = resolve_device(ctx.snakemake.params.device)
    samples = load_wav(inp.audio)
    speech = read_json(inp.segments)["segments"]
    ctx.logger.info("backend %s on %s, %d speech segments", section["backend"], device, len(speech))
    scores = list(inp.scores)  # pyannote_vad's window scores, reused when model and step match
    turns, model = diarize(samples, speech, section, device, ctx.logger, scores_path=scores[0] if scores else None)
    body = speaker_body(turns, model, section["backend"])
    write_json(Path(out.speakers), body)
    Path(out.rttm).write_text(to_rttm(turns, ctx.movie_dir.name), encoding="utf-8")
    ctx.logger.info("%d speakers, %d turns", body["speaker_count"], len(turns))
    ctx.manifest.add_output("speakers", out.speakers, "Speaker segments")
    ctx.manifest.add_output("rttm", out.rttm, "Speaker segments (RTTM)")
    ctx.manifest.add_metadata("speaker_count", body["speaker_count"])
    ctx.manifest.add_metadata("model", model)
    ctx.manifest.add_metadata("backend", section["backend"])
    ctx.manifest.add_metadata("turn_count", len(turns))
    ctx.manifest.add_metadata("device", device)


if __name__ == "__main__":
    run_stage("diarization", work, snakemake)
