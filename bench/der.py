"""Diarization error rate of the offline backend on the reference recordings in ../shared/realdata.

    .venv/bin/python -m bench.der [--json bench/der.json] [--files sample dev00 …] [--set KEY=VALUE …]

Each file goes through the same chain as the workflow: Silero VAD (silero_vad defaults) → pyannote
refinement (pyannote_vad defaults) → offline diarization (diarization defaults from config.yaml), the
speaker count estimated (never given). DER is pyannote.metrics' ``DiarizationErrorRate(collar=0.25,
skip_overlap=False)``: a 0.25 s collar around every reference boundary is not scored, overlapped speech
is scored (each reference speaker counts), over the UEM 0 s – end of file (the AMI debug UEMs say the
same: 0–30 s). The table prints DER and its parts (false alarm, missed detection, confusion) per file,
and the AMI average (mean of the four per-file DERs, and the pooled DER over the four files).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from subflow.io import OFFLINE_ENV, SAMPLE_RATE, load_wav

for _key, _value in OFFLINE_ENV.items():  # before huggingface_hub and pyannote are imported
    os.environ.setdefault(_key, _value)

ROOT = Path(__file__).resolve().parents[1]
REALDATA = ROOT.parent / "shared" / "realdata"
COLLAR = 0.25
SKIP_OVERLAP = False


@dataclass(frozen=True)
class RefFile:
    uri: str
    wav: str
    rttm: str
    group: str


FILES = [
    RefFile("sample", "pyannote_sample/sample.wav", "pyannote_sample/sample.rttm", "pyannote_sample"),
    RefFile("dev00", "pyannote_ami_debug/dev00.wav", "pyannote_ami_debug/debug.development.rttm", "ami"),
    RefFile("dev01", "pyannote_ami_debug/dev01.wav", "pyannote_ami_debug/debug.development.rttm", "ami"),
    RefFile("tst00", "pyannote_ami_debug/tst00.wav", "pyannote_ami_debug/debug.test.rttm", "ami"),
    RefFile("tst01", "pyannote_ami_debug/tst01.wav", "pyannote_ami_debug/debug.test.rttm", "ami"),
    RefFile("falcon_test", "falcon_3spk/falcon_test.wav", "falcon_3spk/falcon_test.rttm", "falcon_3spk"),
]


def load_config_sections() -> dict:
    """The defaults of config.yaml (the sections the chain needs)."""
    import yaml

    return yaml.safe_load((ROOT / "config.yaml").read_text(encoding="utf-8"))


def speech_segments(samples, config: dict, seg_model) -> list[dict]:
    """Silero → pyannote refinement, as stages 4 and 5 do."""
    from subflow.options import PyannoteVadOptions, SileroVadOptions
    from subflow.vad.refine import refine_segments
    from subflow.vad.segmentation import pyannote_speech
    from subflow.vad.silero import detect_speech

    options = PyannoteVadOptions.from_config(config["pyannote_vad"])
    silero = detect_speech(samples, SileroVadOptions.from_config(config["silero_vad"]))
    pya, _ = pyannote_speech(samples, seg_model, options)
    refined, _ = refine_segments(silero, pya, options, samples.size / SAMPLE_RATE)
    return refined


def to_annotation(turns: list[dict], uri: str):
    from pyannote.core import Annotation, Segment

    annotation = Annotation(uri=uri)
    for i, t in enumerate(turns):
        annotation[Segment(t["start"], t["end"]), i] = t["speaker"]
    return annotation


def evaluate(files: list[RefFile] | None = None, overrides: dict | None = None, threads: int = 2) -> list[dict]:
    """One row per file: uri, group, der, false_alarm, missed, confusion (fractions), speakers, seconds."""
    import torch
    from pyannote.core import Segment, Timeline
    from pyannote.database.util import load_rttm
    from pyannote.metrics.diarization import DiarizationErrorRate

    from subflow.diarization.offline import diarize_offline
    from subflow.options import DiarizationOptions

    torch.set_num_threads(threads)
    config = load_config_sections()
    options = DiarizationOptions.from_config({**config["diarization"], **(overrides or {})})
    models: dict = {}
    rows = []
    for ref in files or FILES:
        wav = REALDATA / ref.wav
        if not wav.exists():
            continue
        samples = load_wav(wav)  # 16 kHz mono, or a StageError naming the file
        start = time.perf_counter()
        if "segmentation" not in models:
            from subflow.models import load_segmentation_model

            models["segmentation"] = load_segmentation_model(config["pyannote_vad"]["model"])
        speech = speech_segments(samples, config, models["segmentation"])
        turns = diarize_offline(samples, speech, options, models=models)
        seconds = time.perf_counter() - start
        reference = load_rttm(str(REALDATA / ref.rttm))[ref.uri]
        uem = Timeline([Segment(0.0, samples.size / SAMPLE_RATE)])
        metric = DiarizationErrorRate(collar=COLLAR, skip_overlap=SKIP_OVERLAP)
        parts = metric(reference, to_annotation(turns, ref.uri), uem=uem, detailed=True)
        total = parts["total"]
        rows.append(
            {
                "uri": ref.uri,
                "group": ref.group,
                "der": parts["diarization error rate"],
                "false_alarm": parts["false alarm"] / total,
                "missed": parts["missed detection"] / total,
                "confusion": parts["confusion"] / total,
                "scored_seconds": total,
                "error_seconds": parts["false alarm"] + parts["missed detection"] + parts["confusion"],
                "ref_speakers": len(reference.labels()),
                "hyp_speakers": len({t["speaker"] for t in turns}),
                "seconds": seconds,
            }
        )
    return rows


def ami_summary(rows: list[dict]) -> dict:
    ami = [r for r in rows if r["group"] == "ami"]
    if not ami:
        return {}
    return {
        "mean_der": sum(r["der"] for r in ami) / len(ami),
        "pooled_der": sum(r["error_seconds"] for r in ami) / sum(r["scored_seconds"] for r in ami),
        "files": len(ami),
    }


def table(rows: list[dict]) -> str:
    lines = [
        f"DER: pyannote.metrics DiarizationErrorRate(collar={COLLAR}, skip_overlap={SKIP_OVERLAP}), UEM 0–end of file",
        f"{'file':<12} {'DER':>6} {'FA':>6} {'miss':>6} {'conf':>6} {'spk ref/hyp':>12} {'time':>6}",
    ]
    for r in rows:
        lines.append(
            f"{r['uri']:<12} {100 * r['der']:5.1f}% {100 * r['false_alarm']:5.1f}% {100 * r['missed']:5.1f}% "
            f"{100 * r['confusion']:5.1f}% {r['ref_speakers']:>6}/{r['hyp_speakers']:<5} {r['seconds']:5.1f}s"
        )
    summary = ami_summary(rows)
    if summary:
        lines.append(
            f"AMI debug ({summary['files']} files): mean of per-file DER {100 * summary['mean_der']:.1f}%, "
            f"pooled DER {100 * summary['pooled_der']:.1f}%"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", type=Path, help="also write the rows here")
    parser.add_argument("--files", nargs="*", help="uris to run (default: all)")
    parser.add_argument("--set", nargs="*", default=[], metavar="KEY=VALUE", help="override a diarization option")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args(argv)
    if not REALDATA.exists():
        print(f"{REALDATA} is absent: nothing to measure", file=sys.stderr)
        return 2
    overrides = {}
    for item in args.set:
        key, value = item.split("=", 1)
        overrides[key] = json.loads(value) if value not in ("", "None") else None
    files = [f for f in FILES if not args.files or f.uri in args.files]
    rows = evaluate(files, overrides, args.threads)
    print(table(rows))
    if args.json:
        args.json.write_text(
            json.dumps({"rows": rows, "ami": ami_summary(rows), "overrides": overrides}, indent=2) + "\n"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
