"""What a film holds, as ffprobe reports it: container, duration, audio and video streams."""

import json
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from subflow.errors import StageError
from subflow.media.tools import require_tool, run_tool


@dataclass(frozen=True)
class AudioStream:
    """One audio stream of a film as ffprobe reports it."""

    index: int  # absolute stream index in the container
    audio_index: int  # position among the audio streams (ffmpeg's a:N)
    codec: str
    channels: int
    sample_rate: int
    language: str | None


@dataclass(frozen=True)
class MediaInfo:
    """What demux and mux need to know about a film."""

    path: str
    container: str
    duration: float | None
    audio: list[AudioStream]
    video_codec: str | None
    fps: float | None
    width: int | None
    height: int | None
    subtitle_streams: int


def _fps(rate: str | None) -> float | None:
    try:
        value = float(Fraction(rate)) if rate else 0.0
    except (ValueError, ZeroDivisionError):
        return None
    return round(value, 3) if 0 < value < 1000 else None


def probe(path: str | Path) -> MediaInfo:
    """Probe a film; unreadable or empty files raise a StageError naming the file."""
    file = Path(path)
    if not file.exists():
        raise StageError(f"{file}: no such file")
    if file.stat().st_size == 0:
        raise StageError(f"{file}: the file is empty (0 bytes)")
    ffprobe = require_tool("ffprobe")
    result = run_tool(
        [ffprobe, "-v", "error", "-print_format", "json", "-show_format", "-show_streams", "--", str(file)],
        f"{file}: not a readable media file",
    )
    data = json.loads(result.stdout or "{}")
    streams = data.get("streams", [])
    audio = []
    for stream in streams:
        if stream.get("codec_type") == "audio":
            audio.append(
                AudioStream(
                    index=int(stream["index"]),
                    audio_index=len(audio),
                    codec=stream.get("codec_name", "unknown"),
                    channels=int(stream.get("channels") or 0),
                    sample_rate=int(stream.get("sample_rate") or 0),
                    language=(stream.get("tags") or {}).get("language"),
                )
            )
    video = next(
        (s for s in streams if s.get("codec_type") == "video" and not (s.get("disposition") or {}).get("attached_pic")),
        None,
    )
    duration = data.get("format", {}).get("duration")
    return MediaInfo(
        path=str(file),
        container=data.get("format", {}).get("format_name", "unknown"),
        duration=float(duration) if duration else None,
        audio=audio,
        video_codec=video.get("codec_name") if video else None,
        fps=_fps(video.get("avg_frame_rate") or video.get("r_frame_rate")) if video else None,
        width=video.get("width") if video else None,
        height=video.get("height") if video else None,
        subtitle_streams=sum(1 for s in streams if s.get("codec_type") == "subtitle"),
    )
