"""Stage 10 (mux): the film's streams copied, the SRT added as a subtitle track (subflow/media/mux.py)."""

from pathlib import Path

from subflow.media.mux import audio_codecs, check_copyable, mux, verify_subtitle_track
from subflow.media.probe import probe
from subflow.options import MuxOptions
from subflow.stage import StageContext, run_stage


def work(ctx: StageContext) -> None:
    film = ctx.snakemake.input.film
    target = Path(ctx.snakemake.output.video)
    language = MuxOptions.from_config(ctx.snakemake.params.options).subtitle_language
    info = probe(film)
    check_copyable(info)
    codecs = audio_codecs(info)
    with_subtitles = mux(info, Path(ctx.snakemake.input.subtitles), target, language, codecs)
    if with_subtitles:
        verify_subtitle_track(target, language)
    else:
        ctx.logger.warning("the SRT has no events: the video is written without a subtitle track")
    ctx.manifest.add_output("final_video", target, "Final video with subs")
    ctx.manifest.add_metadata("subtitle_track", language if with_subtitles else None)
    ctx.manifest.add_metadata("codec", "mov_text" if with_subtitles else None)
    ctx.manifest.add_metadata("audio_only", info.video_codec is None)
    ctx.manifest.add_metadata(
        "audio", [f"{s.codec} (copied)" if c == "copy" else f"{s.codec} -> {c}" for s, c in zip(info.audio, codecs)]
    )


if __name__ == "__main__":
    run_stage("mux", work, snakemake)
