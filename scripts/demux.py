"""Stage 1 (demux): the film's chosen audio stream → 16 kHz mono PCM wav + metadata.json."""

from pathlib import Path

from subflow.io import write_json
from subflow.media.demux import check_complete, choose_audio_stream, extract_audio, wav_duration
from subflow.media.probe import probe
from subflow.stage import StageContext, run_stage


def work(ctx: StageContext) -> None:
    film = ctx.snakemake.input.film
    out = ctx.snakemake.output
    params = ctx.snakemake.params
    info = probe(film)
    stream = choose_audio_stream(info, params.audio_stream)
    ctx.logger.info(
        "audio stream a:%d (index %d, %s, language %s)", stream.audio_index, stream.index, stream.codec, stream.language
    )

    def progress(fraction: float, message: str) -> None:  # every few seconds: the log and manifest_lib status
        ctx.logger.info("progress: %s", message)
        ctx.manifest.set_progress(fraction, message)

    extract_audio(film, stream.audio_index, params.sample_rate, Path(out.audio), ctx.threads, progress, info.duration)
    duration = wav_duration(Path(out.audio))
    check_complete(film, duration, info.duration)
    metadata = {
        "sample_rate": params.sample_rate,
        "channels": 1,
        "duration_seconds": round(duration, 3),
        "source_codec": stream.codec,
        "source_channels": stream.channels,
        "source_sample_rate": stream.sample_rate,
        "stream_index": stream.index,
        "audio_stream_index": stream.audio_index,
        "audio_stream_count": len(info.audio),
        "language": stream.language,
        "container": info.container,
        "video": (
            {"codec": info.video_codec, "fps": info.fps, "width": info.width, "height": info.height}
            if info.video_codec
            else None
        ),
    }
    write_json(Path(out.metadata), metadata)
    ctx.manifest.add_output("audio", out.audio, "16kHz mono audio")
    ctx.manifest.add_output("metadata", out.metadata, "Audio metadata")
    for key in ("sample_rate", "channels", "duration_seconds", "source_codec", "stream_index", "language"):
        ctx.manifest.add_metadata(key, metadata[key])


if __name__ == "__main__":
    run_stage("demux", work, snakemake)
