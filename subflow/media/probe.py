"""What a film holds, as ffprobe reports it: container, start, chapters and every stream with its tags."""

import json
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from subflow.errors import StageError
from subflow.media.tools import require_tool, run_tool


@dataclass(frozen=True)
class Stream:
    """One stream of a film (video, audio, subtitle, attachment or data) as ffprobe reports it."""

    index: int  # absolute stream index in the container (ffmpeg's 0:N)
    kind: str  # ffprobe's codec_type: video, audio, subtitle, attachment, data
    kind_index: int  # position among the streams of its kind (ffmpeg's a:N, s:N)
    codec: str
    language: str | None
    title: str | None
    dispositions: frozenset[str]  # the disposition flags set: default, forced, comment, attached_pic, …
    start_time: float | None
    channels: int = 0
    sample_rate: int = 0

    @property
    def picture(self) -> bool:
        """A cover image stored as a video stream (attached_pic), not the film's picture."""
        return "attached_pic" in self.dispositions

    def describe(self) -> str:
        """``stream 2 (audio dts, eng, "English DTS 5.1")``: how messages name a stream."""
        details = ", ".join(part for part in (self.language, f'"{self.title}"' if self.title else None) if part)
        return f"stream {self.index} ({self.kind} {self.codec}{', ' + details if details else ''})"


@dataclass(frozen=True)
class MediaInfo:
    """What demux and mux need to know about a film."""

    path: str
    container: str
    duration: float | None
    start_time: float  # the container's first timestamp: a player's time 0
    streams: list[Stream]
    chapters: int
    fps: float | None
    width: int | None
    height: int | None

    def of_kind(self, kind: str) -> list[Stream]:
        return [stream for stream in self.streams if stream.kind == kind]

    @property
    def audio(self) -> list[Stream]:
        return self.of_kind("audio")

    @property
    def video(self) -> Stream | None:
        """The film's picture: the first video stream that is not a cover image."""
        return next((stream for stream in self.of_kind("video") if not stream.picture), None)

    @property
    def video_codec(self) -> str | None:
        return self.video.codec if self.video else None


def _fps(rate: str | None) -> float | None:
    try:
        value = float(Fraction(rate)) if rate else 0.0
    except (ValueError, ZeroDivisionError):
        return None
    return round(value, 3) if 0 < value < 1000 else None


def _float(value: object) -> float | None:
    try:
        return float(str(value)) if value is not None else None
    except ValueError:
        return None


def _streams(raw: list[dict]) -> list[Stream]:
    streams: list[Stream] = []
    for item in raw:
        kind = item.get("codec_type") or "data"
        tags = {key.lower(): value for key, value in (item.get("tags") or {}).items()}
        streams.append(
            Stream(
                index=int(item["index"]),
                kind=kind,
                kind_index=sum(1 for stream in streams if stream.kind == kind),
                codec=item.get("codec_name") or "unknown",
                language=tags.get("language"),
                title=tags.get("title"),
                dispositions=frozenset(flag for flag, on in (item.get("disposition") or {}).items() if on),
                start_time=_float(item.get("start_time")),
                channels=int(item.get("channels") or 0),
                sample_rate=int(item.get("sample_rate") or 0),
            )
        )
    return streams


def probe(path: str | Path) -> MediaInfo:
    """Probe a film; unreadable or empty files raise a StageError naming the file."""
    file = Path(path)
    if not file.exists():
        raise StageError(f"{file}: no such file")
    if file.stat().st_size == 0:
        raise StageError(f"{file}: the file is empty (0 bytes)")
    ffprobe = require_tool("ffprobe")
    shows = ["-show_format", "-show_streams", "-show_chapters"]
    result = run_tool(
        [ffprobe, "-v", "error", "-print_format", "json", *shows, "--", str(file)], f"{file}: not a readable media file"
    )
    data = json.loads(result.stdout or "{}")
    raw = data.get("streams", [])
    video = next(
        (s for s in raw if s.get("codec_type") == "video" and not (s.get("disposition") or {}).get("attached_pic")),
        None,
    )
    container = data.get("format", {})
    return MediaInfo(
        path=str(file),
        container=container.get("format_name", "unknown"),
        duration=_float(container.get("duration")),
        start_time=_float(container.get("start_time")) or 0.0,
        streams=_streams(raw),
        chapters=len(data.get("chapters", [])),
        fps=_fps(video.get("avg_frame_rate") or video.get("r_frame_rate")) if video else None,
        width=video.get("width") if video else None,
        height=video.get("height") if video else None,
    )
