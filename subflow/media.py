"""ffprobe and ffmpeg, called with argument lists only (a file name never enters a shell string)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Callable

from subflow.errors import StageError
from subflow.progress import ProgressCallback, ProgressTicker


def require_tool(name: str) -> str:
    """Path of ffmpeg/ffprobe, or a clear error saying what to install."""
    path = shutil.which(name)
    if path is None:
        raise StageError(f"{name} not found on PATH; install it (Debian/Ubuntu: apt-get install ffmpeg)")
    return path


def run_tool(
    args: list[str], what: str, writes: Path | None = None, on_line: Callable[[str], None] | None = None
) -> subprocess.CompletedProcess:
    """Run a tool; on failure raise a StageError with its last stderr line.

    ``writes``: the file the tool writes. A full disk is reported as such, naming that file, even
    when the tool exits 0 (ffmpeg does, when only its trailer or the faststart pass fails).
    ``on_line``: called with each stdout line as the tool writes it (ffmpeg ``-progress pipe:1``).
    """
    if on_line is None:
        result = subprocess.run(args, capture_output=True, text=True, errors="replace", check=False)
    else:
        result = _run_streaming(args, on_line)
    if writes is not None and "No space left on device" in result.stderr:
        raise StageError(f"cannot write {writes}: no space left on device ({_free_space(writes.parent)} free)")
    if result.returncode != 0:
        lines = [line for line in result.stderr.strip().splitlines() if line.strip()]
        last = lines[-1] if lines else f"exit code {result.returncode}"
        for name in args[::-1]:  # ffmpeg starts its line with the file name the message already gives
            if last.startswith(f"{name}: ") and name in what:
                last = last[len(name) + 2 :]
                break
        raise StageError(f"{what}: {last}")
    return result


def _run_streaming(args: list[str], on_line: Callable[[str], None]) -> subprocess.CompletedProcess:
    """``subprocess.run`` that hands stdout to ``on_line`` line by line (stderr read by a thread)."""
    with subprocess.Popen(
        args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, errors="replace"
    ) as process:
        stderr: list[str] = []
        reader = threading.Thread(target=lambda: stderr.append(process.stderr.read()), daemon=True)
        reader.start()
        try:
            for line in process.stdout:
                on_line(line.rstrip("\n"))
            process.wait()
        except BaseException:  # Ctrl-C, SIGTERM: no orphaned tool
            process.kill()
            raise
        reader.join()
    return subprocess.CompletedProcess(args, process.returncode, "", "".join(stderr))


def _free_space(folder: Path) -> str:
    try:
        free = shutil.disk_usage(folder).free
    except OSError:
        return "unknown"
    return f"{free / 1e6:.1f} MB" if free >= 1e5 else f"{free / 1e3:.0f} kB"


def remove_partial(path: Path) -> None:
    """Delete a half-written file after a failure, so it neither fills the disk nor passes for output."""
    try:
        path.unlink()
    except FileNotFoundError:
        pass


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
                    require_tool("ffmpeg"), "-nostdin", "-hide_banner", "-loglevel", "error", "-y", *report,
                    "-threads", str(threads), "-i", film,
                    "-map", f"0:a:{audio_index}", "-vn", "-sn", "-dn",
                    "-ac", "1", "-ar", str(sample_rate), "-c:a", "pcm_s16le", "-f", "wav", str(partial),
                ],
                f"{film}: audio could not be decoded",
                writes=target,
                on_line=(lambda line: _ffmpeg_progress(line, ticker)) if progress is not None else None,
            )  # fmt: skip
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
