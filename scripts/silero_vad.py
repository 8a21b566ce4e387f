"""Stage 4 (silero_vad): where the film has speech, with the Silero model shipped in silero-vad."""

from subflow.io import SAMPLE_RATE, load_wav, write_json
from subflow.options import SileroVadOptions
from subflow.stage import StageContext, run_stage
from subflow.vad.segments import segments_summary
from subflow.vad.silero import MODEL, detect_speech


def work(ctx: StageContext) -> None:
    out = ctx.snakemake.output
    options = SileroVadOptions.from_config(ctx.snakemake.params.options)
    samples = load_wav(ctx.snakemake.input.audio)
    segments = detect_speech(samples, options, ctx.report_progress)
    body = segments_summary(segments, samples.size / SAMPLE_RATE, MODEL)
    write_json(out.segments, body)
    ctx.logger.info("%d speech segments, %.1f%% speech", len(segments), body["speech_percentage"])
    ctx.manifest.add_output("segments", out.segments, "Silero VAD segments")
    ctx.manifest.add_metadata("segment_count", len(segments))
    ctx.manifest.add_metadata("speech_percentage", body["speech_percentage"])


if __name__ == "__main__":
    run_stage("silero_vad", work, snakemake)
