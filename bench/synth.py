"""Film-like test inputs: espeak-ng speech from a script, over a generated picture, muxed by ffmpeg.

Used by ``make demo``, the tests and the benchmarks, so all of them run on real audio and video
that anyone can regenerate. ``python -m bench.synth OUT.mkv`` writes the demo film and
``OUT.script.json`` (the lines with their voices and times: the reference for WER and speakers).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from subflow.io import SAMPLE_RATE

DEMO_SCRIPT: list[tuple[str, str]] = [
    ("en-us", "Hello, my friend. It is good to see you again."),
    ("en+f3", "Thank you for coming. Please sit down and have some tea."),
    ("en-us", "The weather is very cold today. I walked here from the station."),
    ("en+f3", "You should have called me. I would have picked you up."),
    ("en-us", "Next time I will call you. Now tell me about your new house."),
]


@dataclass(frozen=True)
class Line:
    """One spoken line of a generated film."""

    voice: str
    text: str
    start: float
    end: float


def require(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        raise SystemExit(f"{tool} not found; install it (Debian/Ubuntu: apt-get install {tool})")
    return path


def speak(text: str, voice: str, speed: int = 150) -> np.ndarray:
    """espeak-ng speech as 16 kHz float32 samples."""
    with tempfile.TemporaryDirectory() as tmp:
        raw, wav = Path(tmp) / "raw.wav", Path(tmp) / "16k.wav"
        subprocess.run([require("espeak-ng"), "-v", voice, "-s", str(speed), "-w", str(raw), "--", text], check=True)
        subprocess.run(
            [
                require("ffmpeg"),
                "-nostdin",
                "-loglevel",
                "error",
                "-y",
                "-i",
                str(raw),
                "-ac",
                "1",
                "-ar",
                str(SAMPLE_RATE),
                str(wav),
            ],
            check=True,
        )
        import soundfile

        samples, _ = soundfile.read(str(wav), dtype="float32")
    return samples


def synthesize(script: list[tuple[str, str]], gap_s: float = 0.7, lead_s: float = 0.5) -> tuple[np.ndarray, list[Line]]:
    """Speak each line with its voice, separated by silence; return the audio and the timed lines."""
    pieces = [np.zeros(int(lead_s * SAMPLE_RATE), dtype=np.float32)]
    lines, cursor = [], lead_s
    for voice, text in script:
        speech = speak(text, voice)
        # espeak pads with silence; trim it so the line's times are the speech's
        loud = np.flatnonzero(np.abs(speech) > 0.01)
        speech = speech[loud[0] : loud[-1] + 1] if loud.size else speech
        lines.append(Line(voice, text, round(cursor, 3), round(cursor + speech.size / SAMPLE_RATE, 3)))
        pieces += [speech, np.zeros(int(gap_s * SAMPLE_RATE), dtype=np.float32)]
        cursor += speech.size / SAMPLE_RATE + gap_s
    return np.concatenate(pieces), lines


def make_film(
    target: Path, script: list[tuple[str, str]] = DEMO_SCRIPT, video: bool = True, audio_codec: str = "aac"
) -> list[Line]:
    """Write a film (H.264 test picture + speech) to ``target`` and its script beside it."""
    import soundfile

    samples, lines = synthesize(script)
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        wav = Path(tmp) / "speech.wav"
        soundfile.write(str(wav), samples, SAMPLE_RATE)
        duration = samples.size / SAMPLE_RATE
        args = [require("ffmpeg"), "-nostdin", "-loglevel", "error", "-y"]
        if video:
            args += ["-f", "lavfi", "-i", f"testsrc2=size=320x180:rate=24:duration={duration:.3f}"]
        args += ["-i", str(wav)]
        if video:
            args += ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"]
        args += ["-c:a", audio_codec, "-ar", "48000", "-ac", "2", "-shortest", str(target)]
        subprocess.run(args, check=True)
    script_path = target.with_name(target.name + ".script.json")
    script_path.write_text(json.dumps([asdict(line) for line in lines], indent=2) + "\n", encoding="utf-8")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("target", type=Path, help="film to write, e.g. in/The Night Train (2024).mkv")
    args = parser.parse_args()
    lines = make_film(args.target)
    print(f"{args.target}: {len(lines)} lines, {lines[-1].end:.1f} s of speech")


if __name__ == "__main__":
    main()
