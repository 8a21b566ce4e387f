"""Films as libraries hold them, made with ffmpeg: Matroska rips with a dub first, DTS, TrueHD, PCM, subtitles,
chapters and fonts; MP4 whose audio starts late; codecs MP4 cannot hold. Speech (espeak-ng, bench.synth) where
the workflow must hear it, tones where only the streams matter."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import numpy as np

from bench.synth import synthesize
from subflow.io import SAMPLE_RATE
from tests.faults.media import FRENCH_SCRIPT, SHORT_SCRIPT, ffmpeg

SURROUND = "pan=5.1|FL=c0|FR=c0|FC=c0|LFE=c0|BL=c0|BR=c0"  # mono speech spread over 5.1 channels
CHAPTERS = """;FFMETADATA1
title=A Rich Rip
[CHAPTER]
TIMEBASE=1/1000
START=0
END=2000
title=Opening
[CHAPTER]
TIMEBASE=1/1000
START=2000
END=4000
title=The Talk
"""
FRENCH_SRT = "1\n00:00:00,500 --> 00:00:02,000\nBonjour, mon ami.\n\n2\n00:00:02,500 --> 00:00:03,500\nMerci.\n"
COMMENTARY_SCRIPT = [("en-gb", "I remember we shot this scene in one take, late at night.")]
# Short lines far apart: each one subtitle event starting where its line does, so timing can be checked line by line.
TIMED_SCRIPT = [
    ("en-us", "Good morning, everyone."),
    ("en+f3", "The train leaves at noon."),
    ("en-us", "Please take your seats now."),
]
X264 = ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"]


def font_file() -> Path:
    """A real TrueType font to attach (matplotlib ships DejaVu Sans)."""
    import matplotlib

    return Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"


def speech_wav(
    folder: Path, name: str, script: list[tuple[str, str]], seconds: float | None = None, gap_s: float = 0.7
) -> Path:
    """``script`` spoken into a 16 kHz wav (padded to ``seconds``), its timed lines beside it (``.lines.json``)."""
    import soundfile

    samples, lines = synthesize(script, gap_s=gap_s)
    if seconds is not None:
        samples = np.pad(samples, (0, max(0, int(seconds * SAMPLE_RATE) - samples.size)))
    path = folder / name
    soundfile.write(str(path), samples, SAMPLE_RATE)
    path.with_suffix(".lines.json").write_text(json.dumps([line.__dict__ for line in lines]), encoding="utf-8")
    return path


def seconds_of(wav: Path) -> float:
    import soundfile

    return soundfile.info(str(wav)).duration


def picture(seconds: float, size: str = "160x90") -> list[str]:
    return ["-f", "lavfi", "-i", f"testsrc2=size={size}:rate=24:duration={seconds:.3f}"]


def tone(seconds: float, frequency: int = 440) -> list[str]:
    return ["-f", "lavfi", "-i", f"sine=frequency={frequency}:duration={seconds:.3f}:sample_rate=48000"]


def rich_mkv(target: Path) -> Path:
    """H.264 + a French dub first (AC-3, ``fre``, default) + the English dialogue second (DTS 5.1, ``eng``) + a
    forced French ASS subtitle track + two chapters + a font attachment + a global title."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        english = speech_wav(folder, "en.wav", SHORT_SCRIPT)
        french = speech_wav(folder, "fr.wav", FRENCH_SCRIPT[:1], seconds_of(english))
        (folder / "fr.srt").write_text(FRENCH_SRT, encoding="utf-8")
        (folder / "chapters.txt").write_text(CHAPTERS, encoding="utf-8")
        args = [*picture(seconds_of(english)), "-i", str(french), "-i", str(english), "-i", str(folder / "fr.srt")]
        args += ["-i", str(folder / "chapters.txt"), "-map", "0", "-map", "1", "-map", "2", "-map", "3"]
        args += ["-map_metadata", "4", "-map_chapters", "4", *X264, "-c:a:0", "ac3", "-ar", "48000"]
        args += ["-filter:a:1", SURROUND, "-c:a:1", "dca", "-strict", "-2", "-c:s", "ass"]
        args += ["-metadata:s:a:0", "language=fre", "-metadata:s:a:0", "title=Français"]
        args += ["-metadata:s:a:1", "language=eng", "-metadata:s:a:1", "title=English DTS 5.1"]
        args += ["-metadata:s:s:0", "language=fre", "-metadata:s:s:0", "title=Français (forcés)"]
        args += ["-disposition:v:0", "default", "-disposition:a:0", "default", "-disposition:a:1", "0"]
        args += ["-disposition:s:0", "forced", "-attach", str(font_file())]
        ffmpeg(*args, "-metadata:s:t", "mimetype=application/x-truetype-font", str(target))
    return target


def lossless_mkv(target: Path) -> Path:
    """HEVC 10-bit + a director's commentary first (TrueHD) + the dialogue second (PCM 24-bit), neither tagged
    with a language: the untagged multi-track film whose first track is not the one to subtitle."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        dialogue = speech_wav(folder, "dialogue.wav", SHORT_SCRIPT)
        commentary = speech_wav(folder, "commentary.wav", COMMENTARY_SCRIPT, seconds_of(dialogue))
        args = [*picture(seconds_of(dialogue)), "-i", str(commentary), "-i", str(dialogue)]
        args += ["-map", "0", "-map", "1", "-map", "2", "-c:v", "libx265", "-preset", "ultrafast"]
        args += ["-pix_fmt", "yuv420p10le", "-x265-params", "log-level=error", "-ar", "48000"]
        args += ["-c:a:0", "truehd", "-strict", "-2", "-c:a:1", "pcm_s24le"]
        args += ["-metadata:s:a:0", "title=Director's Commentary", "-metadata:s:a:0", "language=und"]
        ffmpeg(*args, "-metadata:s:a:1", "language=und", "-shortest", str(target))
    return target


def delayed_mp4(target: Path, delay_s: float = 1.5) -> Path:
    """H.264 + AC-3 English speech whose audio track starts ``delay_s`` after the picture (an MP4 edit list);
    the lines' times in the audio track beside it (``<name>.lines.json``)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        speech = speech_wav(Path(tmp), "speech.wav", TIMED_SCRIPT, gap_s=1.5)
        (target.parent / f"{target.name}.lines.json").write_bytes(speech.with_suffix(".lines.json").read_bytes())
        args = [*picture(seconds_of(speech) + delay_s), "-itsoffset", str(delay_s), "-i", str(speech)]
        ffmpeg(*args, "-map", "0", "-map", "1", *X264, "-c:a", "ac3", "-ar", "48000", str(target))
    return target


def codec_zoo_mkv(target: Path, seconds: float = 2.0) -> Path:
    """H.264 + E-AC-3, FLAC, Opus and PCM tones + an SRT subtitle track + a font: audio codecs rips carry (FLAC
    only "experimental" in ffmpeg's MP4, PCM not at all there) and streams MP4 has no place for."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        srt = Path(tmp) / "en.srt"
        srt.write_text("1\n00:00:00,200 --> 00:00:01,000\nA line already there.\n", encoding="utf-8")
        args = [*picture(seconds), *tone(seconds, 300), *tone(seconds, 500), *tone(seconds, 700), *tone(seconds, 900)]
        args += ["-i", str(srt), *(arg for index in range(6) for arg in ("-map", str(index))), *X264]
        args += ["-c:a:0", "eac3", "-c:a:1", "flac", "-c:a:2", "libopus", "-c:a:3", "pcm_s16le", "-c:s", "srt"]
        args += ["-metadata:s:s:0", "language=eng", "-metadata:s:s:0", "title=Original English"]
        ffmpeg(*args, "-attach", str(font_file()), "-metadata:s:t", "mimetype=application/x-truetype-font", str(target))
    return target


def tone_film(target: Path, video: list[str], audio: list[str], seconds: float = 2.0) -> Path:
    """A picture and a tone in ``target``'s container with the given encoder arguments (AV1 in WebM, PCM in MOV…)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    ffmpeg(*picture(seconds), *tone(seconds), "-map", "0", "-map", "1", *video, *audio, str(target))
    return target
