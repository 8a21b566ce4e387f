"""A library, not a film (issue 18): 10 films of 3–6 minutes in one ``snakemake --cores N`` against the
whisperx CLI given the same 10 files in one process (it loads its models once), films per hour for both.

    .venv/bin/python -m bench.library              # ~25 min on 2 cores
    .venv/bin/python -m bench.library --films 4    # a shorter run

The films join the corpus's films end to end (bench/corpus/join.py), each from another starting film, from
3 to 6 minutes long. Where the workflow's time goes, per stage over all films: the jobs' seconds (the
``benchmark:`` TSVs: start-up, imports, work) and the work alone (the manifest's ``duration_seconds``);
their difference is what a film pays in every stage before its work starts. Results:
bench/results/library-<date>.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
from pathlib import Path

from bench.corpus.join import joined_film
from bench.peer import whisperx_command
from bench.run import CACHE, RESULTS, SNAKEMAKE, audio_seconds, check_rc, machine_info, measure, stage_jobs
from subflow.io import STAGES

FILMS_DIR = CACHE / "library" / "films"


def library(count: int) -> list[Path]:
    """``count`` films of 3 to 6 minutes, alone together in one folder (the workflow's input_dir)."""
    lengths = [180 + 180 * i / max(count - 1, 1) for i in range(count)]
    return [
        joined_film(seconds, FILMS_DIR / f"{count}" / f"Library Film {i + 1:02d} (2020).mkv", first=2 * i)
        for i, seconds in enumerate(lengths)
    ]


def per_stage(out: Path) -> dict[str, dict]:
    """Per stage over all films: the jobs' seconds, the work's seconds and their difference (start-up)."""
    totals = {stage: {"job_s": 0.0, "work_s": 0.0} for stage in STAGES}
    for manifest in out.glob("*/manifest.json"):
        for stage, job in stage_jobs(manifest.parent).items():
            totals[stage]["job_s"] += job["s"] or 0.0
            totals[stage]["work_s"] += job["manifest_s"] or 0.0
    for row in totals.values():
        row["startup_s"] = row["job_s"] - row["work_s"]
    return totals


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--films", type=int, default=10, help="how many films (default 10)")
    parser.add_argument("--cores", type=int, default=2, help="snakemake --cores and whisperx --threads (default 2)")
    args = parser.parse_args(argv)
    machine = machine_info(argparse.Namespace(cores=args.cores, device="cpu"))  # first: it shims a stalled scontrol
    films = library(args.films)
    audio_s = sum(audio_seconds(f) for f in films)
    work = CACHE / "runs" / "library" / str(args.films)
    out = work / "workflow"
    shutil.rmtree(out, ignore_errors=True)
    print(f"bench.library: {len(films)} films, {audio_s / 60:.1f} min of audio", flush=True)
    cmd = [SNAKEMAKE, "--cores", args.cores, "--resources", "gpu=1"]
    ours = measure(cmd + ["--config", f"input_dir={films[0].parent}", f"output_dir={out}"], work / "workflow.log")
    check_rc(ours, "the workflow on the library")
    peer_out = work / "whisperx"
    shutil.rmtree(peer_out, ignore_errors=True)
    peer_out.mkdir(parents=True)
    peer = measure(whisperx_command(films, peer_out, threads=args.cores), work / "whisperx.log")
    check_rc(peer, "whisperx on the library")
    stages = per_stage(out)
    result = {
        "date": dt.date.today().isoformat(),
        "machine": machine,
        "films": len(films),
        "audio_s": audio_s,
        "workflow": {k: ours[k] for k in ("wall_s", "cpu_s", "max_rss_mb", "load_before")},
        "whisperx": {k: peer[k] for k in ("wall_s", "cpu_s", "max_rss_mb", "load_before")},
        "stages": stages,
    }
    result["workflow"]["films_per_hour"] = len(films) * 3600 / ours["wall_s"]
    result["whisperx"]["films_per_hour"] = len(films) * 3600 / peer["wall_s"]
    result["throughput_ratio"] = result["workflow"]["films_per_hour"] / result["whisperx"]["films_per_hour"]
    RESULTS.mkdir(parents=True, exist_ok=True)
    target = RESULTS / f"library-{result['date']}.json"
    target.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    print("| | wall s | films per hour |\n|---|---|---|")
    for name in ("workflow", "whisperx"):
        print(f"| {name} | {result[name]['wall_s']:.1f} | {result[name]['films_per_hour']:.1f} |")
    print(f"throughput ratio (workflow / whisperx): {result['throughput_ratio']:.2f}")
    print("| stage | jobs s | work s | start-up s per film |\n|---|---|---|---|")
    for stage, row in stages.items():
        print(f"| {stage} | {row['job_s']:.1f} | {row['work_s']:.1f} | {row['startup_s'] / len(films):.1f} |")
    print(f"bench.library: {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
