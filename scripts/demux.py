"""Stage 1 (demux): the film's chosen audio stream → 16 kHz mono PCM wav + metadata.json."""

from pathlib import Path

from subflow.io import write_json
from subflow.media.demux import audio_metadata, check_complete, choose_audio_stream, extract_audio, wav_duration
from subflow.media.probe import probe
from subflow.options import DemuxOptions
from subflow.stage import StageContext, run_stage


def work(ctx: StageContext) -> None:
    film, out = ctx.snakemake.input.film, ctx.snakemake.output
    options = DemuxOptions.from_config(ctx.snakemake.params.options)
    info = probe(film)
    stream = choose_audio_stream(info, options.audio_stream)
    ctx.logger.info(
        "audio stream a:%d (index %d, %s, language %s)", stream.audio_index, stream.index, stream.codec, stream.language
    )
    audio = Path(out.audio)
    extract_audio(film, stream.audio_index, options.sample_rate, audio, ctx.threads, ctx.report_progress, info.duration)
    duration = wav_duration(audio)
    check_complete(film, duration, info.duration)
    metadata = audio_metadata(info, stream, duration, options.sample_rate)
    write_json(out.metadata, metadata)
    ctx.manifest.add_output("audio", out.audio, "16kHz mono audio")
    ctx.manifest.add_output("metadata", out.metadata, "Audio metadata")
    for key in ("sample_rate", "channels", "duration_seconds", "source_codec", "stream_index", "language"):
        ctx.manifest.add_metadata(key, metadata[key])


if __name__ == "__main__":
    run_stage("demux", work, snakemake)
