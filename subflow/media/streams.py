"""What becomes of each input stream in the output container: copied, converted, encoded or not carried.

Video and audio are only ever copied (DTS, TrueHD, PCM, HEVC 10-bit, AV1: bit for bit); the one exception is an
audio-only file's PCM, which MP4 cannot hold and which is encoded losslessly to ALAC, as before Matroska output
existed. Text subtitle tracks move between the containers' text formats (mov_text ⇄ subrip); a stream the
container cannot hold at all is not carried, and said so.
"""

from dataclasses import dataclass

from subflow.media.probe import MediaInfo, Stream

# What ffmpeg 5.1's MP4 muxer takes by stream copy (checked with ffmpeg; FLAC and TrueHD need -strict experimental).
MP4_VIDEO = {"h264", "hevc", "mpeg4", "av1", "vp9", "vp8", "mpeg2video", "mpeg1video", "mjpeg", "png"}
MP4_AUDIO = {"aac", "mp3", "mp2", "ac3", "eac3", "dts", "truehd", "opus", "vorbis", "alac", "flac"}
MP4_EXPERIMENTAL = {"flac", "truehd"}
MP4_SUBTITLES = {"mov_text", "dvd_subtitle"}
MKV_SUBTITLES = {"subrip", "ass", "ssa", "webvtt", "hdmv_pgs_subtitle", "dvd_subtitle", "dvb_subtitle"}
TEXT_SUBTITLES = {"subrip", "ass", "ssa", "webvtt", "mov_text", "text"}
TEXT_CODEC = {"mp4": "mov_text", "mkv": "subrip"}  # each container's text subtitles, ours included
LOSSLESS_FALLBACK = "alac"  # an audio-only file's PCM in MP4
CONTAINER_NAMES = {"mp4": "MP4", "mkv": "Matroska"}


@dataclass(frozen=True)
class Fate:
    """What the output does with one input stream: ``copy``, ``convert``/``encode`` to ``codec``, or ``drop``."""

    stream: Stream
    action: str
    codec: str | None = None
    reason: str | None = None

    @property
    def carried(self) -> bool:
        return self.action != "drop"

    def describe(self) -> str:
        """The manifest's word for it: ``copied``, ``converted to subrip``, ``not carried: …``."""
        if self.action == "copy":
            return "copied"
        if self.action == "drop":
            return f"not carried: {self.reason}"
        done = {"convert": "converted", "encode": "encoded"}[self.action]
        return f"{done} to {self.codec}" + (f" ({self.reason})" if self.reason else "")

    def record(self) -> dict:
        """The stream and its fate, as the manifest lists each input stream."""
        s = self.stream
        return {
            "index": s.index,
            "type": s.kind,
            "codec": s.codec,
            "language": s.language,
            "title": s.title,
            "fate": self.describe(),
        }


def mp4_holds(kind: str, codec: str | None) -> bool:
    """Whether MP4 holds a video or audio stream of ``codec`` by copy (what decides the container)."""
    return codec in (MP4_VIDEO if kind == "video" else MP4_AUDIO)


def _fate(stream: Stream, container: str, audio_only: bool) -> Fate:
    name, codec, kind = CONTAINER_NAMES[container], stream.codec, stream.kind
    if kind in ("video", "audio"):
        if codec == "unknown":
            return Fate(stream, "drop", reason=f"ffprobe does not know its codec; {name} cannot take it by copy")
        if container == "mkv" or mp4_holds(kind, codec):
            return Fate(stream, "copy")
        if kind == "audio" and audio_only:
            return Fate(stream, "encode", LOSSLESS_FALLBACK, "lossless: MP4 cannot hold it")
        return Fate(stream, "drop", reason=f"MP4 cannot hold {codec} {kind}")
    if kind == "subtitle":
        if codec in (MP4_SUBTITLES if container == "mp4" else MKV_SUBTITLES):
            return Fate(stream, "copy")
        if codec in TEXT_SUBTITLES:
            return Fate(stream, "convert", TEXT_CODEC[container], f"{name} text subtitles")
        return Fate(stream, "drop", reason=f"{name} cannot hold {codec} subtitles")
    if kind == "attachment" and container == "mkv":
        return Fate(stream, "copy")
    return Fate(stream, "drop", reason=f"{name} cannot hold {kind} streams ({codec})")


def plan(info: MediaInfo, container: str) -> list[Fate]:
    """The fate of every stream of ``info`` in ``container`` (``mp4`` or ``mkv``), in input order."""
    return [_fate(stream, container, info.video is None) for stream in info.streams]


def mp4_misfits(info: MediaInfo) -> list[Stream]:
    """The video and audio streams MP4 cannot hold: why an MP4 or MOV gets Matroska instead."""
    return [s for s in info.streams if s.kind in ("video", "audio") and not mp4_holds(s.kind, s.codec)]
