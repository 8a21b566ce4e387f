"""Stage 1: the film's chosen audio stream decoded to 16 kHz mono PCM in the film's time, checked for truncation.

The film's time is what a player shows: 0 at the container's first timestamp. An audio track that starts later
(a non-zero ``start_time``, an MP4 edit list) is padded with silence to where it starts, and gaps inside it are
filled, so every time the later stages compute from the wav (speech, words, subtitles) is already film time.
"""

import os
import re
from dataclasses import dataclass
from pathlib import Path

from subflow.errors import StageError
from subflow.media.probe import MediaInfo, Stream
from subflow.media.tools import remove_partial, require_tool, run_tool
from subflow.progress import ProgressCallback, ProgressTicker

ENGLISH_TAGS = {"eng", "en", "english"}
# Tracks that are not the film's dialogue: commentary and audio description (for the visually impaired).
NOT_DIALOGUE = re.compile(r"comment|audio ?description|described|descriptive|(?-i:\bAD\b)", re.IGNORECASE)
NOT_DIALOGUE_FLAGS = {"comment", "visual_impaired", "descriptions"}
# Language detection needs a multilingual ASR model loaded in demux; with the default English-only model there
# is nothing to ask, so untagged tracks go to the first that is not commentary, and the reason says so.
NO_DETECTION = "language detection is not available to demux"
# aresample: pad or trim to output time 0 (the film's start, as ffmpeg counts it) and fill gaps over 0.1 s.
FILM_TIME = "aresample=async=1:first_pts=0"


@dataclass(frozen=True)
class AudioChoice:
    """The audio stream demux decodes and why; ``skipped``: tracks passed over as commentary or description."""

    stream: Stream
    reason: str
    skipped: list[Stream]

    def record(self) -> dict:
        return {
            "stream_index": self.stream.index,
            "audio_stream_index": self.stream.kind_index,
            "language": self.stream.language,
            "title": self.stream.title,
            "reason": self.reason,
            "skipped": [{"stream_index": s.index, "title": s.title, "why": not_dialogue(s)} for s in self.skipped],
        }


def not_dialogue(stream: Stream) -> str | None:
    """Why a track is commentary or audio description (its title or flags), or None."""
    flags = sorted(NOT_DIALOGUE_FLAGS & stream.dispositions)
    if flags:
        return f"disposition {', '.join(flags)}"
    if stream.title and NOT_DIALOGUE.search(stream.title):
        return f'title "{stream.title}"'
    return None


def choose_audio_stream(info: MediaInfo, sheet: int | None = None, configured: int | None = None) -> AudioChoice:
    """The movies sheet's ``audio_stream`` for the film, else ``demux.audio_stream``, else the English-tagged
    dialogue track, else the first dialogue track.

    Commentary and audio-description tracks are passed over unless chosen; when every track is one, the first.
    """
    audio = info.audio
    if not audio:
        raise StageError(f"{info.path}: no audio stream (nothing to subtitle)")
    for override, source in ((sheet, "the movies sheet's audio_stream"), (configured, "demux.audio_stream")):
        if override is None:
            continue
        if override >= len(audio):
            raise StageError(f"{info.path}: {source}={override} but the file has {len(audio)} audio stream(s)")
        return AudioChoice(audio[override], f"{source}={override}", [])
    dialogue = [s for s in audio if not not_dialogue(s)]
    tagged = [s for s in dialogue if (s.language or "").lower() in ENGLISH_TAGS]
    if tagged:
        reason = f"tagged English ({tagged[0].language})"
    elif dialogue:
        untagged = all((s.language or "und").lower() == "und" for s in audio)
        tags = "no track has a language tag" if untagged else "no dialogue track is tagged English"
        which = "the first track" if len(dialogue) == len(audio) else "the first track not commentary or description"
        reason = f"{which}: {tags}, and {NO_DETECTION}"
    else:
        reason = "the first track: every track is commentary or description"
    chosen = (tagged or dialogue or audio)[0]
    return AudioChoice(chosen, reason, [s for s in audio if s is not chosen and not_dialogue(s)])


def start_offset(info: MediaInfo, stream: Stream) -> float:
    """Seconds from the film's start to the audio stream's first sample (what demux pads with silence)."""
    start = info.start_time if stream.start_time is None else stream.start_time
    return max(0.0, round(start - info.start_time, 6))


def extract_audio(
    film: str,
    audio_index: int,
    sample_rate: int,
    target: Path,
    threads: int,
    progress: ProgressCallback | None = None,
    duration: float | None = None,
) -> None:
    """Decode one audio stream to mono PCM at ``sample_rate`` in the film's time (written beside, then renamed).

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
                    require_tool("ffmpeg"),
                    "-nostdin",
                    "-hide_banner",
                    "-loglevel",
                    "error",
                    "-y",
                    *report,
                    "-threads",
                    str(threads),
                    "-i",
                    film,
                    "-map",
                    f"0:a:{audio_index}",
                    "-vn",
                    "-sn",
                    "-dn",
                    "-af",
                    FILM_TIME,
                    "-ac",
                    "1",
                    "-ar",
                    str(sample_rate),
                    "-c:a",
                    "pcm_s16le",
                    "-f",
                    "wav",
                    str(partial),
                ],
                f"{film}: audio could not be decoded",
                writes=target,
                on_line=(lambda line: _ffmpeg_progress(line, ticker)) if progress is not None else None,
            )
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


def check_complete(film: str, decoded_s: float, declared_s: float | None) -> None:
    """A file that decodes to much less audio than it declares is truncated or corrupt."""
    if decoded_s <= 0:
        raise StageError(f"{film}: the audio stream decodes to no samples")
    if declared_s and declared_s > 1 and decoded_s < 0.9 * declared_s:
        raise StageError(
            f"{film}: truncated or corrupt: {decoded_s:.2f} s of audio decoded, the file declares {declared_s:.2f} s"
        )


def audio_metadata(info: MediaInfo, choice: AudioChoice, duration: float, sample_rate: int) -> dict:
    """The audio/metadata.json body (docs/data-formats.md): the decoded audio, its source and the film's video."""
    stream = choice.stream
    video = None
    if info.video_codec:
        video = {"codec": info.video_codec, "fps": info.fps, "width": info.width, "height": info.height}
    return {
        "sample_rate": sample_rate,
        "channels": 1,
        "duration_seconds": round(duration, 3),
        "source_codec": stream.codec,
        "source_channels": stream.channels,
        "source_sample_rate": stream.sample_rate,
        "stream_index": stream.index,
        "audio_stream_index": stream.kind_index,
        "audio_stream_count": len(info.audio),
        "language": stream.language,
        "audio_choice": choice.record(),
        "start_offset_seconds": start_offset(info, stream),
        "container": info.container,
        "video": video,
    }
