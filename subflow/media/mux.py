"""Stage 10: the film's streams copied into MP4 or Matroska, the SRT added as an English subtitle track.

Every stream the container holds is mapped one by one, in input order (attachments last, where Matroska keeps
them), and copied; chapters, global and per-stream metadata and dispositions come with them. Our track is
``mov_text`` in MP4 and ``subrip`` in Matroska, tagged with its language and title, and default only when
configured. An explicit disposition for it also keeps ffmpeg from marking other streams default on its own, so
the input's dispositions arrive as they were. In Matroska, the forced set (the lines spoken in another language,
when there are any) follows as a second subrip track with the forced disposition, which players show even with
subtitles off; MP4 has no such flag that players honour, so there it stays a sidecar.
"""

import json
import os
from dataclasses import dataclass
from pathlib import Path

from subflow.errors import StageError
from subflow.media.container import FALLBACK, container_reason
from subflow.media.probe import MediaInfo
from subflow.media.streams import CONTAINER_NAMES, MP4_EXPERIMENTAL, TEXT_CODEC, Fate, plan
from subflow.media.tools import remove_partial, require_tool, run_tool
from subflow.options import MuxOptions

MUXERS = {"mp4": "mp4", "mkv": "matroska"}
TITLE_TAG = {"mp4": "handler_name", "mkv": "title"}  # where each container keeps a track's name
NO_TIMESTAMPS = {".avi"}  # containers whose packets need timestamps made up (+genpts) to be remuxed


@dataclass(frozen=True)
class SubtitleTrack:
    """How our track is labelled in the output."""

    language: str
    title: str
    default: bool


@dataclass(frozen=True)
class MuxResult:
    """What mux wrote: the container and why, our track as ffprobe reads it back (None: the SRT had no events),
    each input stream's fate."""

    container: str
    reason: str
    track: SubtitleTrack | None
    fates: list[Fate]
    chapters: int
    audio_only: bool
    forced_track: bool = False

    @property
    def warnings(self) -> list[str]:
        """What the user must hear about: streams not carried, Matroska instead of MP4, no subtitle track."""
        found = [f"{fate.stream.describe()} {fate.describe()}" for fate in self.fates if not fate.carried]
        if self.reason.startswith(FALLBACK):
            found.append(self.reason)
        if self.track is None:
            found.append("the SRT has no events: the video is written without a subtitle track")
        return found

    def metadata(self) -> dict:
        """The mux stage's manifest metadata."""
        track = self.track
        return {
            "container": self.container,
            "container_reason": self.reason,
            "subtitle_track": track.language if track else None,
            "codec": TEXT_CODEC[self.container] if track else None,
            "subtitle_title": track.title if track else None,
            "subtitle_default": track.default if track else None,
            "audio_only": self.audio_only,
            "forced_track": self.forced_track,
            "chapters": self.chapters,
            "streams": [fate.record() for fate in self.fates],
            "not_carried": [fate.stream.describe() for fate in self.fates if not fate.carried],
        }


def check_carried(info: MediaInfo, fates: list[Fate], container: str) -> None:
    """Refuse an output without the film's picture or without any of its sound (only a forced MP4 gets there)."""
    for kind in ("video", "audio"):
        streams = [fate for fate in fates if fate.stream.kind == kind and not fate.stream.picture]
        if streams and not any(fate.carried for fate in streams):
            names = ", ".join(fate.stream.describe() for fate in streams)
            raise StageError(
                f"{info.path}: {CONTAINER_NAMES[container]} cannot hold any of its {kind} ({names}); "
                "set mux.container to auto or mkv"
            )


def has_events(srt_path: Path) -> bool:
    return bool(srt_path.read_text(encoding="utf-8").strip())


def mux_args(
    fates: list[Fate], srt: Path | None, container: str, track: SubtitleTrack, forced: Path | None = None
) -> list[str]:
    """ffmpeg's arguments after its inputs and before the output file: maps, codecs, our tracks' labels."""
    tracks = [fate for fate in fates if fate.carried and fate.stream.kind != "attachment"]
    attachments = [fate for fate in fates if fate.carried and fate.stream.kind == "attachment"]
    args = [arg for fate in tracks for arg in ("-map", f"0:{fate.stream.index}")]
    args += ["-map", "1:0"] if srt is not None else []
    args += ["-map", "2:0"] if srt is not None and forced is not None else []
    args += [arg for fate in attachments for arg in ("-map", f"0:{fate.stream.index}")]
    args += ["-c", "copy"]
    for position, fate in enumerate(tracks):
        if fate.action != "copy":
            args += [f"-c:{position}", str(fate.codec)]
    if srt is not None:
        ours = len(tracks)  # our track's output index: after the input's tracks, before the attachments
        args += [f"-c:{ours}", TEXT_CODEC[container], f"-metadata:s:{ours}", f"language={track.language}"]
        args += [f"-metadata:s:{ours}", f"{TITLE_TAG[container]}={track.title}"]
        args += [f"-disposition:{ours}", "default" if track.default else "0"]
        if forced is not None:
            args += [f"-c:{ours + 1}", TEXT_CODEC[container], f"-metadata:s:{ours + 1}", f"language={track.language}"]
            args += [f"-metadata:s:{ours + 1}", f"{TITLE_TAG[container]}={track.title} forced"]
            args += [f"-disposition:{ours + 1}", "forced"]
    if container == "mp4":
        if any(fate.action == "copy" and fate.stream.codec in MP4_EXPERIMENTAL for fate in tracks):
            args += ["-strict", "experimental"]  # FLAC and TrueHD in MP4: ffmpeg 5 still calls them experimental
        args += ["-movflags", "+faststart"]
    return args + ["-f", MUXERS[container]]


def mux(
    info: MediaInfo, fates: list[Fate], srt_path: Path, target: Path, track: SubtitleTrack, forced: Path | None
) -> tuple[bool, bool]:
    """Write ``target`` (its suffix names the container); returns whether our track and the forced track were
    added (an empty SRT adds none)."""
    film, container = info.path, target.suffix.lstrip(".")
    partial = target.with_name(f".{target.name}.partial")
    srt = srt_path if has_events(srt_path) else None
    forced = forced if srt is not None and forced is not None and has_events(forced) else None
    args = [require_tool("ffmpeg"), "-nostdin", "-hide_banner", "-loglevel", "error", "-y"]
    if Path(film).suffix.lower() in NO_TIMESTAMPS:
        args += ["-fflags", "+genpts"]
    args += ["-i", film] + (["-f", "srt", "-i", str(srt)] if srt else [])
    args += ["-f", "srt", "-i", str(forced)] if forced else []
    args += [*mux_args(fates, srt, container, track, forced), str(partial)]
    try:
        run_tool(args, f"{film}: muxing failed", writes=target)
        os.replace(partial, target)
    except BaseException:
        remove_partial(partial)
        raise
    return srt is not None, forced is not None


def verify_output(target: Path, fates: list[Fate], language: str | None, forced: bool = False) -> set[str]:
    """ffprobe must see every carried stream and, when ``language`` is given, our track as the last subtitle
    stream (before the forced one, with its forced flag, when there is one): the container's text codec with
    that language tag. Returns our track's disposition flags as written (MP4 has only "enabled", which ffmpeg
    sets on the first track of each kind: it reads as default)."""
    result = run_tool(
        [require_tool("ffprobe"), "-v", "error", "-print_format", "json", "-show_streams", "--", str(target)],
        f"{target}: cannot probe the muxed file",
    )
    streams = json.loads(result.stdout or "{}").get("streams", [])
    expected = sum(fate.carried for fate in fates) + (language is not None) + forced
    if len(streams) != expected:
        raise StageError(f"{target}: {expected} streams were written, ffprobe shows {len(streams)}")
    if language is None:
        return set()
    subtitles = [s for s in streams if s.get("codec_type") == "subtitle"]
    if forced:
        if not subtitles or not (subtitles[-1].get("disposition") or {}).get("forced"):
            raise StageError(f"{target}: the forced subtitle track is not last, or not marked forced")
        subtitles = subtitles[:-1]
    codec = TEXT_CODEC[target.suffix.lstrip(".")]
    last = subtitles[-1] if subtitles else {}
    found = f"{last.get('codec_name')},{(last.get('tags') or {}).get('language')}" if last else "none"
    if found != f"{codec},{language}":
        raise StageError(f"{target}: expected our {codec} subtitle track tagged {language} last, ffprobe shows {found}")
    return {flag for flag, on in (last.get("disposition") or {}).items() if on}


def mux_film(
    info: MediaInfo, srt_path: Path, target: Path, options: MuxOptions, forced_path: Path | None = None
) -> MuxResult:
    """Plan every stream for ``target``'s container, refuse a film it cannot hold, write and check ``target``;
    ``forced_path``: the forced set, a second track in Matroska when it has events."""
    container = target.suffix.lstrip(".")
    fates = plan(info, container)
    check_carried(info, fates, container)
    track = SubtitleTrack(options.subtitle_language, options.subtitle_title, options.subtitle_default)
    added, forced = mux(info, fates, srt_path, target, track, forced_path if container == "mkv" else None)
    flags = verify_output(target, fates, track.language if added else None, forced)
    reason = container_reason(info, options.container, container)
    written = SubtitleTrack(track.language, track.title, "default" in flags) if added else None
    return MuxResult(container, reason, written, fates, info.chapters, info.video is None, forced)
