"""The codecs of an MP4/MOV file's tracks, read from its box headers alone.

The workflow must name each film's output (final_output.mp4 or .mkv) while Snakemake builds its DAG, before any
job runs; an MP4 or MOV whose streams MP4 cannot hold by copy gets Matroska. Starting ffprobe for every film
would add seconds per hundred films to every ``snakemake -n``; walking moov/trak/mdia/minf/stbl/stsd reads a few
hundred bytes with seeks, whatever the film's size.
"""

import struct
from collections.abc import Iterator
from typing import BinaryIO

# Sample entry codes → ffmpeg codec names (the names subflow.media.streams judges); unknown codes map to None.
SAMPLE_ENTRIES = {
    **dict.fromkeys(("avc1", "avc3"), "h264"),
    **dict.fromkeys(("hvc1", "hev1", "dvh1", "dvhe"), "hevc"),
    "av01": "av1",
    "vp09": "vp9",
    "vp08": "vp8",
    "mp4v": "mpeg4",
    **dict.fromkeys(("jpeg", "mjpa", "mjpb"), "mjpeg"),
    **dict.fromkeys(("apch", "apcn", "apcs", "apco", "ap4h", "ap4x"), "prores"),
    "mp4a": "aac",
    ".mp3": "mp3",
    "ac-3": "ac3",
    "ec-3": "eac3",
    **dict.fromkeys(("dtsc", "dtsh", "dtsl", "dtse"), "dts"),
    "mlpa": "truehd",
    "Opus": "opus",
    "fLaC": "flac",
    "alac": "alac",
    **dict.fromkeys(("lpcm", "sowt", "twos", "in24", "in32", "fl32", "fl64", "raw ", "ipcm", "fpcm"), "pcm"),
}
HANDLERS = {"vide": "video", "soun": "audio"}  # the track kinds that decide the container
MAX_BOXES = 10_000  # a damaged file's boxes are not walked forever


def _boxes(file: BinaryIO, start: int, end: int, budget: list[int]) -> Iterator[tuple[str, int, int]]:
    """(type, payload start, box end) of each box between ``start`` and ``end``."""
    position = start
    while position + 8 <= end and budget[0] > 0:
        budget[0] -= 1
        file.seek(position)
        header = file.read(16)
        if len(header) < 8:
            return
        size, kind = struct.unpack(">I4s", header[:8])
        payload = position + 8
        if size == 1 and len(header) == 16:
            size, payload = struct.unpack(">Q", header[8:16])[0], position + 16
        elif size == 0:
            size = end - position
        if size < payload - position or position + size > end:
            return
        yield kind.decode("latin-1"), payload, position + size
        position += size


def _child(file: BinaryIO, start: int, end: int, kind: str, budget: list[int]) -> tuple[int, int] | None:
    return next(((s, e) for k, s, e in _boxes(file, start, end, budget) if k == kind), None)


def _track(file: BinaryIO, start: int, end: int, budget: list[int]) -> tuple[str, str | None] | None:
    """(handler, codec) of one trak box, or None when it is not laid out as the standard says."""
    mdia = _child(file, start, end, "mdia", budget)
    hdlr = mdia and _child(file, *mdia, "hdlr", budget)
    box = mdia
    for kind in ("minf", "stbl", "stsd"):
        box = box and _child(file, *box, kind, budget)
    if not hdlr or not box:
        return None
    file.seek(hdlr[0] + 8)  # version+flags, pre_defined, then handler_type
    handler = file.read(4).decode("latin-1")
    file.seek(box[0] + 8)  # version+flags, entry_count, then the first sample entry's size and code
    entry = file.read(8)
    code = entry[4:8].decode("latin-1") if len(entry) == 8 else ""
    return handler, SAMPLE_ENTRIES.get(code)


def track_codecs(path: str) -> list[tuple[str, str | None]] | None:
    """(kind, codec) of each video and audio track; None when the file cannot be read as MP4/MOV."""
    budget = [MAX_BOXES]
    try:
        with open(path, "rb") as file:
            end = file.seek(0, 2)
            moov = _child(file, 0, end, "moov", budget)
            if moov is None:
                return None
            tracks = [_track(file, s, e, budget) for k, s, e in _boxes(file, *moov, budget) if k == "trak"]
    except OSError:
        return None
    return [(HANDLERS[handler], codec) for handler, codec in filter(None, tracks) if handler in HANDLERS]
