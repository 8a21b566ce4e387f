"""ffprobe and ffmpeg, called with argument lists only (a file name never enters a shell string)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from subflow.errors import StageError


def require_tool(name: str) -> str:
    """Path of ffmpeg/ffprobe, or a clear error saying what to install."""
    path = shutil.which(name)
    if path is None:
        raise StageError(f"{name} not found on PATH; install it (Debian/Ubuntu: apt-get install ffmpeg)")
    return path


def run_tool(args: list[str], what: str) -> subprocess.CompletedProcess:
    """Run a tool; on failure raise a StageError with its last stderr line."""
    result = subprocess.run(args, capture_output=True, text=True, errors="replace", check=False)
    if result.returncode != 0:
        lines = [line for line in result.stderr.strip().splitlines() if line.strip()]
        raise StageError(f"{what}: {lines[-1] if lines else f'exit code {result.returncode}'}")
    return result


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
        (
            s
            for s in streams
            if s.get("codec_type") == "video" and not (s.get("disposition") or {}).get("attached_pic")
        ),
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


def extract_audio(film: str, audio_index: int, sample_rate: int, target: Path, threads: int) -> None:
    """Decode one audio stream to mono PCM at ``sample_rate`` (written beside, then renamed)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.partial")
    run_tool(
        [
            require_tool("ffmpeg"), "-nostdin", "-hide_banner", "-loglevel", "error", "-y",
            "-threads", str(threads), "-i", film,
            "-map", f"0:a:{audio_index}", "-vn", "-sn", "-dn",
            "-ac", "1", "-ar", str(sample_rate), "-c:a", "pcm_s16le", "-f", "wav", str(partial),
        ],
        f"{film}: audio could not be decoded",
    )  # fmt: skip
    os.replace(partial, target)


def wav_duration(path: Path) -> float:
    """Duration of the decoded wav, from its header."""
    import soundfile

    info = soundfile.info(str(path))
    return info.frames / info.samplerate
