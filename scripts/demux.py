"""Stage 1 (demux): the film's chosen audio stream → 16 kHz mono PCM wav in the film's time + metadata.json."""

from pathlib import Path

from subflow.io import write_json
from subflow.media.demux import audio_metadata, check_complete, choose_audio_stream, extract_audio, wav_duration
from subflow.media.probe import probe
from subflow.options import DemuxOptions
from subflow.stage import StageContext, run_stage


def work(ctx: StageContext) -> None:
    film, out, params = ctx.snakemake.input.film, ctx.snakemake.output, ctx.snakemake.params
    options = DemuxOptions.from_config(params.options)
    info = probe(film)
    choice = choose_audio_stream(info, params.sheet_audio_stream, options.audio_stream)
    stream = choice.stream
    ctx.logger.info(
        "audio stream a:%d (index %d, %s, language %s): %s",
        stream.kind_index,
        stream.index,
        stream.codec,
        stream.language,
        choice.reason,
    )
    for skipped in choice.skipped:
        ctx.logger.info("passed over %s: not dialogue", skipped.describe())
    audio = Path(out.audio)
    extract_audio(film, stream.kind_index, options.sample_rate, audio, ctx.threads, ctx.report_progress, info.duration)
    duration = wav_duration(audio)
    check_complete(film, duration, info.duration)
    metadata = audio_metadata(info, choice, duration, options.sample_rate)
    if metadata["start_offset_seconds"]:
        ctx.logger.info("the audio starts %.3f s into the film: padded to film time", metadata["start_offset_seconds"])
    write_json(out.metadata, metadata)
    ctx.manifest.add_output("audio", out.audio, "16kHz mono audio")
    ctx.manifest.add_output("metadata", out.metadata, "Audio metadata")
    recorded = ("sample_rate", "channels", "duration_seconds", "source_codec", "stream_index", "language")
    for key in (*recorded, "audio_choice", "start_offset_seconds"):
        ctx.manifest.add_metadata(key, metadata[key])


if __name__ == "__main__":
    run_stage("demux", work, snakemake)
