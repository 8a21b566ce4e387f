"""What a fresh machine pays once (issue 18): the demo film through all ten stages twice in a row, fresh
output each time, and each stage's seconds in the first run against the second.

    .venv/bin/python -m bench.first_run     # right after `make setup` on a fresh clone (~3 min)

A stage that compiles or builds a cache on its first run (numba's compile of librosa took tens of seconds
in diarization; joining the multilingual base, in asr) is slower the first time by that much; the target
is at most 2 s. Files read from disk for the first time (imports, models) also make a first run slower on
a machine whose page cache is cold, which no setup step can ship: the figure says so beside each stage.
Results: bench/results/first-run-<date>.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil

from bench.run import CACHE, RESULTS, SNAKEMAKE, check_rc, demo_film, machine_info, measure, stage_jobs
from subflow.io import STAGES

ONE_OFF_LIMIT_S = 2.0


def run_once(tag: str, cores: int) -> dict:
    film = demo_film()
    out = CACHE / "runs" / "first-run" / tag
    shutil.rmtree(out, ignore_errors=True)
    cmd = [SNAKEMAKE, "--cores", cores, "--resources", "gpu=1"]
    run = measure(cmd + ["--config", f"input_dir={film.parent}", f"output_dir={out}"], out.parent / f"{tag}.log")
    check_rc(run, f"the workflow ({tag})")
    (movie_dir,) = [p.parent for p in out.glob("*/manifest.json")]
    return {"wall_s": run["wall_s"], "stages": {s: job["s"] for s, job in stage_jobs(movie_dir).items()}}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cores", type=int, default=2)
    args = parser.parse_args(argv)
    machine = machine_info(argparse.Namespace(cores=args.cores, device="cpu"))  # first: it shims a stalled scontrol
    first, second = run_once("first", args.cores), run_once("second", args.cores)
    extra = {s: (first["stages"][s] or 0) - (second["stages"][s] or 0) for s in STAGES}
    result = {
        "date": dt.date.today().isoformat(),
        "machine": machine,
        "first": first,
        "second": second,
        "first_minus_second_s": extra,
        "worst_stage": max(extra, key=extra.get),
        "within_limit": max(extra.values()) <= ONE_OFF_LIMIT_S,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    target = RESULTS / f"first-run-{result['date']}.json"
    target.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    print("| stage | first run s | second run s | first − second |\n|---|---|---|---|")
    for s in STAGES:
        print(f"| {s} | {first['stages'][s] or 0:.1f} | {second['stages'][s] or 0:.1f} | {extra[s]:+.1f} |")
    print(f"| wall | {first['wall_s']:.1f} | {second['wall_s']:.1f} | {first['wall_s'] - second['wall_s']:+.1f} |")
    print(f"bench.first_run: {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
