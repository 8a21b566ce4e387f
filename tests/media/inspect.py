"""What a muxed file holds, asked of ffprobe and ffmpeg: streams, packet MD5s, attachments, chapters, subtitle text."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

# Tags the Matroska muxer writes itself (statistics, duration, encoder): not the film's metadata.
VOLATILE_TAGS = ("duration", "encoder", "_statistics", "number_of_", "bps")


def probe_json(path: Path, *shows: str) -> dict:
    args = ["ffprobe", "-v", "error", "-print_format", "json", "-show_data_hash", "md5", *shows, "--", str(path)]
    return json.loads(subprocess.run(args, capture_output=True, text=True, check=True).stdout)


def streams(path: Path) -> list[dict]:
    return probe_json(path, "-show_streams")["streams"]


def subtitle_streams(path: Path) -> list[str]:
    """``codec,language`` of each subtitle stream (``codec`` alone when it has no language tag)."""
    found = [s for s in streams(path) if s.get("codec_type") == "subtitle"]
    return [",".join([s["codec_name"], *filter(None, [(s.get("tags") or {}).get("language")])]) for s in found]


def described(stream: dict) -> dict:
    """A stream as a player sees it: kind, codec, its own tags and its dispositions."""
    tags = {k.lower(): v for k, v in (stream.get("tags") or {}).items() if not k.lower().startswith(VOLATILE_TAGS)}
    return {
        "type": stream["codec_type"],
        "codec": stream.get("codec_name"),
        "tags": tags,
        "disposition": {flag for flag, on in (stream.get("disposition") or {}).items() if on},
        "channels": stream.get("channels"),
        "pix_fmt": stream.get("pix_fmt"),
        "file": stream.get("extradata_hash") if stream["codec_type"] == "attachment" else None,  # its whole file
    }


def packets_md5(path: Path, index: int) -> str:
    """MD5 of every packet of one stream, copied out: equal exactly when the stream was copied bit for bit."""
    args = ["ffmpeg", "-nostdin", "-v", "error", "-i", str(path), "-map", f"0:{index}", "-c", "copy", "-f", "md5", "-"]
    return subprocess.run(args, capture_output=True, text=True, check=True).stdout.strip()


def chapters(path: Path) -> list[tuple[float, float, str]]:
    found = probe_json(path, "-show_chapters")["chapters"]
    return [(float(c["start_time"]), float(c["end_time"]), c.get("tags", {}).get("title", "")) for c in found]


def global_tags(path: Path) -> dict:
    tags = probe_json(path, "-show_format")["format"].get("tags", {})
    return {k.lower(): v for k, v in tags.items() if not k.lower().startswith(VOLATILE_TAGS)}


def subtitle_srt(path: Path, index: int) -> str:
    """One subtitle stream decoded by ffmpeg to SRT text: what a player would show, and when."""
    args = ["ffmpeg", "-nostdin", "-v", "error", "-i", str(path), "-map", f"0:{index}", "-f", "srt", "-"]
    return subprocess.run(args, capture_output=True, text=True, check=True).stdout


def start_times(path: Path) -> list[float | None]:
    return [float(s["start_time"]) if s.get("start_time") not in (None, "N/A") else None for s in streams(path)]
