"""Long films and film libraries made by joining the corpus's films end to end (issue 18).

Their sound is joined (ffmpeg's concat filter: some corpus films are sound alone, .m4a) under a fresh test
picture, H.264 and AAC as the corpus encodes them. A joined film keeps the corpus's mix: several voices and
engines, music under the dialogue, music-only passages, silence and noise; one longer than the corpus
repeats it.
"""

from __future__ import annotations

import subprocess
import tempfile
from itertools import cycle
from pathlib import Path

from bench import synth
from bench.corpus.build import CACHE, build
from bench.corpus.spec import corpus
from bench.run import audio_seconds


def joined_film(seconds: float, target: Path, first: int = 0, films: list[Path] | None = None) -> Path:
    """``target``, a film of ``seconds`` made of the corpus's films (or ``films``) in order from the
    ``first``-th, looping over them as often as needed, the last one cut short; built once."""
    if target.is_file():
        return target
    films = films or [build(spec).film for spec in corpus()]
    parts, total = [], 0.0
    for film in cycle(films[first:] + films[:first]):
        if total >= seconds:
            break
        parts.append(film)
        total += audio_seconds(film)
    target.parent.mkdir(parents=True, exist_ok=True)
    sounds = "".join(f"[{i}:a]" for i in range(len(parts)))
    with tempfile.TemporaryDirectory(dir=target.parent) as tmp:
        joined = Path(tmp) / target.name
        args = [synth.require("ffmpeg"), "-nostdin", "-loglevel", "error"]
        for part in parts:
            args += ["-i", str(part)]
        args += ["-f", "lavfi", "-i", f"testsrc2=size=320x180:rate=24:duration={seconds:.3f}"]
        args += ["-filter_complex", f"{sounds}concat=n={len(parts)}:v=0:a=1[sound]", "-map", f"{len(parts)}:v"]
        args += ["-map", "[sound]", "-t", f"{seconds:.3f}", "-c:v", "libx264", "-preset", "ultrafast"]
        args += ["-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "128k", "-ar", "48000", "-ac", "2", str(joined)]
        subprocess.run(args, check=True)
        joined.rename(target)
    return target


def long_film(minutes: float) -> Path:
    """A film of ``minutes`` alone in its folder (the workflow's input_dir) under bench/.cache/long/."""
    label = f"{minutes:g}"
    return joined_film(minutes * 60, CACHE.parent / "long" / f"{label}min" / f"Joined Film {label} Minutes (2020).mkv")
