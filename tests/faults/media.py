"""Real files for the fault tests: short films, broken films, odd audio, made with espeak-ng and ffmpeg.

Every file is made the way a user's file would be (ffmpeg muxing real streams), then broken where the
test needs it (emptied, cut in half, overwritten with junk), so the workflow meets the real failure.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np

from bench.synth import make_film, synthesize
from subflow.io import SAMPLE_RATE

# Two lines, two voices, ~6 s: every stage has something to do, and a full run stays short.
SHORT_SCRIPT = [
    ("en-us", "Hello, my friend. It is good to see you again."),
    ("en+f3", "Thank you for coming. Please sit down."),
]
FRENCH_SCRIPT = [
    ("fr", "Bonjour mon ami. Je suis très content de te voir aujourd'hui."),
    ("fr", "Merci beaucoup d'être venu. Assieds-toi, je vais faire du thé."),
]


def ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-nostdin", "-loglevel", "error", "-y", *args], check=True)


def _wav(samples: np.ndarray, folder: Path, name: str) -> Path:
    import soundfile

    path = folder / name
    soundfile.write(str(path), samples, SAMPLE_RATE)
    return path


def short_film(target: Path, script: list[tuple[str, str]] = SHORT_SCRIPT) -> Path:
    make_film(target, script)
    return target


def film_from_samples(target: Path, samples: np.ndarray, video: bool = True, size: str = "160x90") -> Path:
    """A film whose audio is exactly ``samples`` (16 kHz mono), under a test picture when ``video``."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        wav = _wav(samples, Path(tmp), "audio.wav")
        duration = samples.size / SAMPLE_RATE
        args = []
        if video:
            args += ["-f", "lavfi", "-i", f"testsrc2=size={size}:rate=24:duration={duration:.3f}"]
        args += ["-i", str(wav)]
        if video:
            args += ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"]
        args += ["-c:a", "aac", "-ar", "48000", "-shortest", str(target)]
        ffmpeg(*args)
    return target


def large_short_film(target: Path, script: list[tuple[str, str]] = SHORT_SCRIPT) -> Path:
    """The short film with a 720p picture: over Snakemake's 1 MB checksum limit, as every real film is.

    Snakemake does not rerun a job whose newer input has the checksum it recorded, but it only
    checksums files under 1 MB: a touched real film reruns the stages that read it.
    """
    samples, _ = synthesize(script)
    return film_from_samples(target, samples, size="1280x720")


def silent_film(target: Path, seconds: float = 5.0) -> Path:
    return film_from_samples(target, np.zeros(int(seconds * SAMPLE_RATE), dtype=np.float32))


def noise_film(target: Path, seconds: float = 5.0, seed: int = 7) -> Path:
    """Loud white noise: no speech in it, but energy everywhere."""
    noise = np.random.default_rng(seed).normal(0.0, 0.2, int(seconds * SAMPLE_RATE)).astype(np.float32)
    return film_from_samples(target, np.clip(noise, -1.0, 1.0))


def one_second_film(target: Path) -> Path:
    """A 1.0 s film that says one word."""
    samples, _ = synthesize([("en-us", "Hello.")], gap_s=0.0, lead_s=0.1)
    samples = np.pad(samples, (0, max(0, SAMPLE_RATE - samples.size)))[:SAMPLE_RATE]
    return film_from_samples(target, samples)


def no_audio_film(target: Path, seconds: float = 3.0) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    ffmpeg(
        "-f",
        "lavfi",
        "-i",
        f"testsrc2=size=160x90:rate=24:duration={seconds}",
        "-c:v",
        "libx264",
        "-preset",
        "ultrafast",
        "-pix_fmt",
        "yuv420p",
        str(target),
    )
    return target


def empty_file(target: Path) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(b"")
    return target


def truncated_film(target: Path) -> Path:
    """A real film cut off after 40 % of its bytes (a download that stopped)."""
    with tempfile.TemporaryDirectory() as tmp:
        whole = short_film(Path(tmp) / "whole.mkv")
        data = whole.read_bytes()
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data[: int(len(data) * 0.4)])
    return target


def corrupt_film(target: Path) -> Path:
    """Junk bytes with a film's name (a file that is not media at all)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(np.random.default_rng(3).integers(0, 256, 200_000, dtype=np.uint8).tobytes())
    return target


def multi_stream_film(target: Path) -> Path:
    """Video + a French commentary track first (tagged fre) + the English dialogue second (tagged eng)."""
    french, _ = synthesize(FRENCH_SCRIPT[:1])
    english, _ = synthesize(SHORT_SCRIPT)
    length = max(french.size, english.size)
    french, english = (np.pad(s, (0, length - s.size)) for s in (french, english))
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        fr, en = _wav(french, Path(tmp), "fr.wav"), _wav(english, Path(tmp), "en.wav")
        ffmpeg(
            "-f",
            "lavfi",
            "-i",
            f"testsrc2=size=160x90:rate=24:duration={length / SAMPLE_RATE:.3f}",
            "-i",
            str(fr),
            "-i",
            str(en),
            "-map",
            "0:v",
            "-map",
            "1:a",
            "-map",
            "2:a",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-pix_fmt",
            "yuv420p",
            "-c:a",
            "aac",
            "-metadata:s:a:0",
            "language=fre",
            "-metadata:s:a:1",
            "language=eng",
            "-shortest",
            str(target),
        )
    return target


def french_film(target: Path) -> Path:
    """French dialogue only, its track untagged: a film an English-only model cannot transcribe."""
    return short_film(target, FRENCH_SCRIPT)


def audio_only(target: Path, script: list[tuple[str, str]] = SHORT_SCRIPT) -> Path:
    """Speech as an audio file; the codec follows the suffix (.m4a AAC, .wav PCM, .flac FLAC)."""
    samples, _ = synthesize(script)
    target.parent.mkdir(parents=True, exist_ok=True)
    codec = {".m4a": ["-c:a", "aac"], ".wav": ["-c:a", "pcm_s16le"], ".flac": ["-c:a", "flac"]}[target.suffix]
    with tempfile.TemporaryDirectory() as tmp:
        ffmpeg("-i", str(_wav(samples, Path(tmp), "speech.wav")), "-ar", "44100", *codec, str(target))
    return target


def copy_as(source: Path, target: Path) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    return target


def tree_snapshot(root: Path) -> dict[str, tuple[int, int]]:
    """Every file under ``root`` → (size, mtime_ns): to prove a run left a folder untouched."""
    found = {}
    for folder, _, files in os.walk(root):
        for name in files:
            path = Path(folder) / name
            stat = path.stat()
            found[str(path.relative_to(root))] = (stat.st_size, stat.st_mtime_ns)
    return found
