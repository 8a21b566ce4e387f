"""A film from its script: dialogue in its voices, score and noise mixed under it, muxed by ffmpeg, with an
exact reference (every line's text, speaker and times, every passage without speech).

Films are built on demand into bench/.cache/corpus/<slug>/ (the film alone in its folder, so the folder is
the workflow's ``input_dir``, and ``reference.json`` beside it). A film is rebuilt when its script or the
code that makes its sound changes; otherwise it is read back.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from bench import synth
from bench.corpus import sound, voices
from bench.corpus.spec import FilmSpec, Say
from subflow.io import SAMPLE_RATE, read_json, write_json

CACHE = Path(__file__).resolve().parents[1] / ".cache" / "corpus"
SPEECH_RMS = 0.08  # every speaker's level is this ± 3 dB
PASSAGE_DB = 6.0  # music alone plays this many dB below the dialogue's level
SMOOTH_S = 0.5  # music level changes over this long (inside the gaps around passages)


@dataclass
class Rendered:
    mix: np.ndarray
    stems: dict[str, np.ndarray]  # speech, music, noise: they add up to mix
    lines: list[dict]
    passages: list[dict]

    @property
    def duration(self) -> float:
        return self.mix.size / SAMPLE_RATE


def _box(signal: np.ndarray, width: int) -> np.ndarray:
    """Moving average (centred) of ``width`` samples."""
    padded = np.pad(signal.astype(np.float64), (width // 2, width - width // 2), mode="edge")
    total = np.cumsum(padded)
    return ((total[width:] - total[:-width]) / width)[: signal.size].astype(np.float32)


def timeline(spec: FilmSpec) -> tuple[list[tuple[int, np.ndarray, dict]], list[dict], int]:
    """Each line's speech placed on the film's clock (seeded gaps), the passages, and the film's length."""
    rng = np.random.default_rng(1000 + spec.number)
    levels = {s.key: SPEECH_RMS * 10 ** (rng.uniform(-3, 3) / 20) for s in spec.speakers}
    cursor, previous = rng.uniform(0.8, 1.6), None
    placed, passages = [], []
    for item in spec.script:
        if isinstance(item, Say):
            speaker = spec.speaker(item.speaker)
            speech = voices.speak(speaker.voice, item.text)
            speech = speech * (levels[item.speaker] / sound.rms(speech))
            if previous not in (None, item.speaker):
                cursor += rng.uniform(0.1, 0.4)  # a turn takes a little longer than a pause
            start = int(round(cursor * SAMPLE_RATE))
            line = {
                "speaker": speaker.key,
                "character": speaker.character,
                "voice": speaker.voice,
                "language": speaker.language,
                "text": item.text,
                "english": item.english or item.text,
                "start": round(start / SAMPLE_RATE, 3),
                "end": round((start + speech.size) / SAMPLE_RATE, 3),
            }
            placed.append((start, speech.astype(np.float32), line))
            cursor = (start + speech.size) / SAMPLE_RATE + rng.uniform(0.35, 0.9)
            previous = item.speaker
        else:
            start = cursor + 0.3
            passages.append({"kind": item.kind, "start": round(start, 3), "end": round(start + item.seconds, 3)})
            cursor = start + item.seconds + rng.uniform(0.5, 0.9)
            previous = None
    return placed, passages, int(round((cursor + rng.uniform(0.8, 1.5)) * SAMPLE_RATE))


def render(spec: FilmSpec) -> Rendered:
    """The film's sound and its reference, from the script alone."""
    placed, passages, n = timeline(spec)
    speech = np.zeros(n, dtype=np.float32)
    for start, samples, _ in placed:
        speech[start : start + samples.size] += samples
    active = np.concatenate([samples for _, samples, _ in placed])
    level = sound.rms(active)
    gain = np.full(n, 0.0 if spec.music_under_db is None else level * 10 ** (-spec.music_under_db / 20), np.float32)
    for p in passages:
        a, b = int(p["start"] * SAMPLE_RATE), int(p["end"] * SAMPLE_RATE)
        gain[a:b] = level * 10 ** (-PASSAGE_DB / 20) if p["kind"] == "music" else 0.0
    stems = {"speech": speech, "music": np.zeros(n, np.float32), "noise": np.zeros(n, np.float32)}
    if gain.any():
        stems["music"] = sound.music(spec.number, n / SAMPLE_RATE) * _box(gain, int(SMOOTH_S * SAMPLE_RATE))
    if spec.noise_snr_db is not None:
        colour = "white" if spec.number % 4 in (1, 2) else "pink"
        stems["noise"] = sound.noise(spec.number, n, colour) * (level * 10 ** (-spec.noise_snr_db / 20))
    mix = stems["speech"] + stems["music"] + stems["noise"]
    peak = float(np.abs(mix).max())
    if peak > 0.9:  # the same gain on every stem: levels and ratios stay what the script says
        stems = {k: v * (0.9 / peak) for k, v in stems.items()}
        mix = mix * (0.9 / peak)
    return Rendered(mix.astype(np.float32), stems, [line for _, _, line in placed], passages)


def _encode(samples: np.ndarray, target: Path) -> None:
    import soundfile

    with tempfile.TemporaryDirectory() as tmp:
        wav = Path(tmp) / "mix.wav"
        soundfile.write(str(wav), samples, SAMPLE_RATE, subtype="FLOAT")
        args = [synth.require("ffmpeg"), "-nostdin", "-loglevel", "error", "-y", "-fflags", "+bitexact"]
        video = target.suffix != ".m4a"
        if video:
            args += ["-f", "lavfi", "-i", f"testsrc2=size=320x180:rate=24:duration={samples.size / SAMPLE_RATE:.3f}"]
        args += ["-i", str(wav)]
        if video:
            args += ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-flags:v", "+bitexact"]
        args += ["-c:a", "aac", "-b:a", "128k", "-ar", "48000", "-ac", "2", "-flags:a", "+bitexact", str(target)]
        subprocess.run(args, check=True)


def decode(film: Path) -> np.ndarray:
    """A film's sound as demux and whisperx read it (ffmpeg): 16 kHz mono float32."""
    args = [synth.require("ffmpeg"), "-nostdin", "-loglevel", "error", "-i", str(film), "-vn", "-ac", "1"]
    raw = subprocess.run([*args, "-ar", str(SAMPLE_RATE), "-f", "f32le", "-"], capture_output=True, check=True).stdout
    return np.frombuffer(raw, dtype=np.float32).copy()


def lag(samples: np.ndarray, film: Path, window_s: float = 20.0) -> int:
    """How many samples later than ``samples`` the film's decoded sound starts (the AAC encoder's priming)."""
    from scipy.signal import correlate

    n = int(window_s * SAMPLE_RATE)
    heard, meant = decode(film)[:n], samples[:n]
    c = correlate(heard, meant, mode="full", method="fft")
    return int(np.argmax(c)) - (meant.size - 1)


def mux(samples: np.ndarray, target: Path) -> None:
    """The sound as a film: a test picture (mkv/mp4, H.264) or alone (m4a), AAC 48 kHz stereo, bit-exact.

    Matroska keeps the encoder's priming (21 ms of AAC delay), so the reference's times would be late in the
    decoded film: the sound is then encoded again, that much earlier, so that reference and film agree."""
    _encode(samples, target)
    late = lag(samples, target)
    if not 0 <= late < SAMPLE_RATE // 10:
        raise RuntimeError(f"{target.name}: its sound is {late} samples off the reference, not a codec's priming")
    if late > 0:
        _encode(np.concatenate([samples[late:], np.zeros(late, np.float32)]), target)


def cache_key(spec: FilmSpec) -> str:
    """What a film depends on: its script and the code that makes its sound."""
    digest = hashlib.sha1(json.dumps(asdict(spec), sort_keys=True, default=str).encode())
    for module in (__file__, sound.__file__, voices.__file__, synth.__file__):
        digest.update(Path(module).read_bytes())
    return digest.hexdigest()[:16]


def reference(spec: FilmSpec, rendered: Rendered, key: str) -> dict:
    return {
        "number": spec.number,
        "slug": spec.slug,
        "half": spec.half,
        "title": spec.title,
        "year": spec.year,
        "film": spec.file_name,
        "movie": spec.movie,
        "key": key,
        "duration": round(rendered.duration, 3),
        "speakers": len(spec.speakers),
        "names": list(spec.names),
        "name_words": sorted(spec.name_words),
        "music_under_db": spec.music_under_db,
        "noise_snr_db": spec.noise_snr_db,
        "lines": rendered.lines,
        "passages": rendered.passages,
    }


@dataclass(frozen=True)
class Built:
    film: Path  # alone in its folder: the workflow's input_dir
    reference: dict

    @property
    def input_dir(self) -> Path:
        return self.film.parent


def build(spec: FilmSpec, root: Path = CACHE) -> Built:
    """The film and its reference, built once per script and generator version."""
    folder, key = root / spec.slug, cache_key(spec)
    ref_path = folder / "reference.json"
    if ref_path.is_file() and (folder / spec.file_name).is_file() and read_json(ref_path).get("key") == key:
        return Built(folder / spec.file_name, read_json(ref_path))
    rendered = render(spec)
    root.mkdir(parents=True, exist_ok=True)
    building = Path(tempfile.mkdtemp(prefix=f".{spec.slug}.", dir=root))
    mux(rendered.mix, building / spec.file_name)
    write_json(building / "reference.json", reference(spec, rendered, key))
    shutil.rmtree(folder, ignore_errors=True)
    building.rename(folder)
    return Built(folder / spec.file_name, read_json(ref_path))
