"""Which container a film's subtitled copy is written in, decided from the input before any job runs.

``mux.container: auto`` keeps the input's family: Matroska, AVI and WebM (and anything unknown) give Matroska,
MP4, MOV and M4V give MP4 unless a video or audio track is a codec MP4 cannot hold by copy (PCM, ProRes), and
audio-only files give MP4, as they always have. ``mp4`` or ``mkv`` forces one. The answer names the output file
(final_output.mp4 or final_output.mkv), so Snakemake knows it when it builds the DAG.
"""

from pathlib import Path

from subflow.films import AUDIO_EXTENSIONS
from subflow.media.isobmff import track_codecs
from subflow.media.probe import MediaInfo
from subflow.media.streams import CONTAINER_NAMES, mp4_holds, mp4_misfits

CONTAINERS = ("mp4", "mkv")
MP4_INPUTS = (".mp4", ".mov", ".m4v")
FALLBACK = "Matroska instead of MP4"  # how the reason starts when an MP4-family film gets Matroska


def output_container(film: str, choice: str) -> str:
    """``mp4`` or ``mkv`` for ``film`` under ``mux.container`` = ``choice`` (auto, mp4, mkv)."""
    if choice in CONTAINERS:
        return choice
    suffix = Path(film).suffix.lower()
    if suffix in AUDIO_EXTENSIONS:
        return "mp4"
    if suffix in MP4_INPUTS:
        tracks = track_codecs(film) or []  # unreadable: demux names the problem
        return "mp4" if all(mp4_holds(kind, codec) for kind, codec in tracks) else "mkv"
    return "mkv"


def final_output_name(container: str) -> str:
    return f"final_output.{container}"


def container_reason(info: MediaInfo, choice: str, container: str) -> str:
    """Why the output is ``container``, in the words the manifest and the log give."""
    name = CONTAINER_NAMES[container]
    if choice in CONTAINERS:
        return f"{name}: mux.container is {choice}"
    if info.video is None and container == "mp4":
        return "MP4: an audio-only input"
    kind = Path(info.path).suffix.lstrip(".").upper() or "without a suffix"
    if Path(info.path).suffix.lower() not in MP4_INPUTS:
        return f"{name}: the input is {kind}"
    if container == "mp4":
        return f"MP4: the input is {kind} and MP4 holds its video and audio"
    misfits = ", ".join(stream.describe() for stream in mp4_misfits(info)) or "a track's sample entry"
    return f"{FALLBACK}: MP4 cannot hold {misfits}"
