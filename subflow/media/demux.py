"""Stage 1: the film's chosen audio stream decoded to 16 kHz mono PCM, checked for truncation."""

import os
from pathlib import Path

from subflow.errors import StageError
from subflow.media.probe import AudioStream, MediaInfo
from subflow.media.tools import remove_partial, require_tool, run_tool
from subflow.progress import ProgressCallback, ProgressTicker

ENGLISH_TAGS = {"eng", "en", "english"}


def choose_audio_stream(info: MediaInfo, override: int | None) -> AudioStream:
    """The configured audio stream, else the first one tagged English, else the first."""
    if not info.audio:
        raise StageError(f"{info.path}: no audio stream (nothing to subtitle)")
    if override is not None:
        if override >= len(info.audio):
            raise StageError(
                f"{info.path}: demux.audio_stream={override} but the file has {len(info.audio)} audio stream(s)"
            )
        return info.audio[override]
    tagged = [s for s in info.audio if (s.language or "").lower() in ENGLISH_TAGS]
    return tagged[0] if tagged else info.audio[0]


def extract_audio(
    film: str,
    audio_index: int,
    sample_rate: int,
    target: Path,
    threads: int,
    progress: ProgressCallback | None = None,
    duration: float | None = None,
) -> None:
    """Decode one audio stream to mono PCM at ``sample_rate`` (written beside, then renamed).

    ``progress(fraction, message)``: called every few seconds with the percent of ``duration``
    (seconds, from ffprobe) decoded and the real-time factor so far (ffmpeg ``-progress``).
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.partial")
    report = ["-progress", "pipe:1", "-nostats"] if progress is not None else []
    try:
        with ProgressTicker(progress, duration) as ticker:
            run_tool(
                [
                    require_tool("ffmpeg"),
                    "-nostdin",
                    "-hide_banner",
                    "-loglevel",
                    "error",
                    "-y",
                    *report,
                    "-threads",
                    str(threads),
                    "-i",
                    film,
                    "-map",
                    f"0:a:{audio_index}",
                    "-vn",
                    "-sn",
                    "-dn",
                    "-ac",
                    "1",
                    "-ar",
                    str(sample_rate),
                    "-c:a",
                    "pcm_s16le",
                    "-f",
                    "wav",
                    str(partial),
                ],
                f"{film}: audio could not be decoded",
                writes=target,
                on_line=(lambda line: _ffmpeg_progress(line, ticker)) if progress is not None else None,
            )
    except BaseException:
        remove_partial(partial)
        raise
    os.replace(partial, target)


def _ffmpeg_progress(line: str, ticker: ProgressTicker) -> None:
    """One ``key=value`` line of ffmpeg ``-progress``: ``out_time_us`` is the output position."""
    key, _, value = line.partition("=")
    if key == "out_time_us" and value.strip().lstrip("-").isdigit():
        ticker.update(max(int(value), 0) / 1e6)


def wav_duration(path: Path) -> float:
    """Duration of the decoded wav, from its header."""
    import soundfile

    info = soundfile.info(str(path))
    return info.frames / info.samplerate


def check_complete(film: str, decoded_s: float, declared_s: float | None) -> None:
    """A file that decodes to much less audio than it declares is truncated or corrupt."""
    if decoded_s <= 0:
        raise StageError(f"{film}: the audio stream decodes to no samples")
    if declared_s and declared_s > 1 and decoded_s < 0.9 * declared_s:
        raise StageError(
            f"{film}: truncated or corrupt: {decoded_s:.2f} s of audio decoded, the file declares {declared_s:.2f} s"
        )


def audio_metadata(info: MediaInfo, stream: AudioStream, duration: float, sample_rate: int) -> dict:
    """The audio/metadata.json body (docs/data-formats.md): the decoded audio, its source and the film's video."""
    video = None
    if info.video_codec:
        video = {"codec": info.video_codec, "fps": info.fps, "width": info.width, "height": info.height}
    return {
        "sample_rate": sample_rate,
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
        "video": video,
    }
