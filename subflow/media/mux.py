"""Stage 10: the film's video and audio copied untouched, the SRT added as an English mov_text track.

An audio-only input (.m4a .mp3 .wav .flac) becomes an MP4 with its audio and the subtitle track; audio
that MP4 cannot hold by copy (PCM from a .wav) is encoded losslessly to ALAC. A film's streams are
always copied: one MP4 cannot hold is an error naming it.
"""

import os
from pathlib import Path

from subflow.errors import StageError
from subflow.media.probe import MediaInfo, probe
from subflow.media.tools import remove_partial, require_tool, run_tool

# Codecs an MP4 can carry by stream copy (what we support; anything else is a clear error).
MP4_VIDEO = {"h264", "hevc", "mpeg4", "av1", "vp9", "mpeg2video", "mpeg1video", "mjpeg"}
MP4_AUDIO = {"aac", "mp3", "ac3", "eac3", "opus", "alac", "flac", "mp2"}
LOSSLESS_FALLBACK = "alac"  # audio-only inputs whose codec MP4 cannot copy (pcm_*)


def audio_codecs(info: MediaInfo) -> list[str]:
    """What each audio stream becomes in the MP4: ``copy``, or ALAC for an audio-only file's PCM."""
    audio_only = info.video_codec is None
    return ["copy" if s.codec in MP4_AUDIO or not audio_only else LOSSLESS_FALLBACK for s in info.audio]


def check_copyable(info: MediaInfo) -> None:
    """Refuse streams MP4 cannot hold by copy, before ffmpeg writes anything."""
    if info.video_codec and info.video_codec not in MP4_VIDEO:
        raise StageError(
            f"{info.path}: video codec {info.video_codec} cannot be copied into MP4 "
            f"(supported: {', '.join(sorted(MP4_VIDEO))}); re-encode the film first"
        )
    if info.video_codec is None:
        return  # audio only: what cannot be copied is encoded losslessly (audio_codecs)
    for stream in info.audio:
        if stream.codec not in MP4_AUDIO:
            raise StageError(
                f"{info.path}: audio codec {stream.codec} (stream {stream.index}) cannot be copied into MP4 "
                f"(supported: {', '.join(sorted(MP4_AUDIO))}); re-encode the film first"
            )


def has_events(srt_path: Path) -> bool:
    return bool(srt_path.read_text(encoding="utf-8").strip())


def mux(info: MediaInfo, srt_path: Path, target: Path, language: str, codecs: list[str]) -> bool:
    """Write ``target``; returns whether a subtitle track was added (an empty SRT adds none).

    ``codecs``: per audio stream, ``copy`` or an encoder (see :func:`audio_codecs`). A FLAC stream copied
    needs ``-strict experimental`` in ffmpeg 5 (FLAC in MP4 is standardised; ffmpeg 6 writes it by default).
    """
    film = info.path
    partial = target.with_name(f".{target.name}.partial")
    with_subtitles = has_events(srt_path)
    args = [require_tool("ffmpeg"), "-nostdin", "-hide_banner", "-loglevel", "error", "-y", "-i", film]
    if with_subtitles:
        args += ["-f", "srt", "-i", str(srt_path)]
    args += ["-map", "0:v?", "-map", "0:a?", "-dn"]
    if with_subtitles:
        args += ["-map", "1:0", "-c:s", "mov_text", "-metadata:s:s:0", f"language={language}"]
    args += ["-c:v", "copy", "-c:a", "copy"]
    for index, codec in enumerate(codecs):
        args += [f"-c:a:{index}", codec]
    if any(stream.codec == "flac" and codec == "copy" for stream, codec in zip(info.audio, codecs)):
        args += ["-strict", "experimental"]
    args += ["-movflags", "+faststart", "-f", "mp4", str(partial)]
    try:
        run_tool(args, f"{film}: muxing failed", writes=target)
        os.replace(partial, target)
    except BaseException:
        remove_partial(partial)
        raise
    return with_subtitles


def verify_subtitle_track(path: Path, language: str) -> None:
    """ffprobe must see exactly one mov_text track with our language tag."""
    info = probe(path)
    ffprobe = require_tool("ffprobe")
    result = run_tool(
        [
            ffprobe,
            "-v",
            "error",
            "-select_streams",
            "s",
            "-show_entries",
            "stream=codec_name:stream_tags=language",
            "-of",
            "csv=p=0",
            "--",
            str(path),
        ],
        f"{path}: cannot probe the muxed file",
    )
    tracks = [line.strip() for line in result.stdout.splitlines() if line.strip()]
    if tracks != [f"mov_text,{language}"]:
        raise StageError(
            f"{path}: expected one mov_text subtitle track tagged {language}, "
            f"ffprobe shows {tracks or 'none'} ({info.container})"
        )
