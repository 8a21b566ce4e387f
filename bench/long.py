"""Feature-length films (issue 18): each stage's wall time, seconds per audio-hour and peak RSS against film
length, beside the whisperx CLI on the same films, one after the other on this machine.

    .venv/bin/python -m bench.long                      # 0.5, 10, 30 and 120 minutes (~60 min on 2 cores; whisperx up to 30 min)
    .venv/bin/python -m bench.long --minutes 0.5 10     # a shorter run
    make bench-long                                     # the first line

The films join the corpus's films end to end (bench/corpus/join.py: several voices and engines, music,
silences, noise; a film longer than the corpus repeats it). Each film runs through all ten stages with
``snakemake --cores N`` (fresh output), then through the whisperx CLI (the same packaged model, --threads N).
Per stage: the ``benchmark:`` TSV's seconds (the whole job: start-up, imports, work) and the stage's exact
peak RSS from its manifest (``peak_rss_mb``: Snakemake samples RSS only every 30 s after a job's first
half minute), and whether a stage longer than a minute wrote progress lines to its log.

Targets (issue 18): every film completes; no stage above 3 GB; each stage's seconds per audio-hour on the
longest film within 1.25× of its figure on the 10-minute film (linear cost); progress on every stage longer
than a minute. Results: bench/results/long-<date>.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
from pathlib import Path

from bench.corpus.join import long_film
from bench.peer import whisperx_command
from bench.run import CACHE, RESULTS, SNAKEMAKE, audio_seconds, check_rc, machine_info, measure, stage_jobs
from subflow.io import STAGES

RSS_LIMIT_MB = 3 * 1024
LINEAR_LIMIT = 1.25  # s/audio-hour on the longest film over the same at 10 minutes
PROGRESS_AFTER_S = 60.0


def run_ours(film: Path, out: Path, cores: int) -> dict:
    """The ten stages on ``film`` (alone in its folder); the run and each stage's figures."""
    shutil.rmtree(out, ignore_errors=True)
    cmd = [SNAKEMAKE, "--cores", cores, "--resources", "gpu=1"]
    cmd += ["--config", f"input_dir={film.parent}", f"output_dir={out}", "device=cpu"]
    run = measure(cmd, out.parent / f"{out.name}.log")
    check_rc(run, f"the workflow on {film.name}")
    (movie_dir,) = [p.parent for p in out.glob("*/manifest.json")]
    manifest = json.loads((movie_dir / "manifest.json").read_text(encoding="utf-8"))
    stages = {}
    for stage, job in stage_jobs(movie_dir).items():
        log = movie_dir / "logs" / f"{stage}.log"
        lines = log.read_text(errors="replace").count("progress: ") if log.is_file() else 0
        metadata = manifest["stages"].get(stage, {}).get("metadata", {})
        stages[stage] = {**job, "peak_rss_mb": metadata.get("peak_rss_mb"), "progress_lines": lines}
    return {"wall_s": run["wall_s"], "cpu_s": run["cpu_s"], "load_before": run["load_before"], "stages": stages}


def run_peer(film: Path, out: Path, cores: int) -> dict:
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    run = measure(whisperx_command(film, out, threads=cores), out.parent / f"{out.name}.log")
    check_rc(run, f"whisperx on {film.name}")
    return {k: run[k] for k in ("wall_s", "cpu_s", "max_rss_mb", "load_before")}


def film_row(minutes: float, cores: int, peer: bool) -> dict:
    film = long_film(minutes)
    audio_s = audio_seconds(film)
    work = CACHE / "runs" / "long" / f"{minutes:g}min"
    print(f"bench.long: {film.name} ({audio_s / 60:.1f} min)", flush=True)
    ours = run_ours(film, work / "workflow", cores)
    for stage in ours["stages"].values():
        stage["s_per_audio_h"] = stage["s"] * 3600 / audio_s if stage["s"] is not None else None
    row = {"minutes": minutes, "audio_s": audio_s, "workflow": ours}
    if peer:
        row["whisperx"] = run_peer(film, work / "whisperx", cores)
        row["workflow_over_whisperx"] = ours["wall_s"] / row["whisperx"]["wall_s"]
    print(table([row]), flush=True)
    return row


def verdicts(rows: list[dict]) -> dict:
    """The issue's targets over all films: RSS, linear cost (longest against 10 minutes), progress."""
    worst_rss = max(
        (s["peak_rss_mb"] or 0, r["minutes"], name) for r in rows for name, s in r["workflow"]["stages"].items()
    )
    silent = [
        f"{name} at {r['minutes']:g} min"
        for r in rows
        for name, s in r["workflow"]["stages"].items()
        if (s["s"] or 0) > PROGRESS_AFTER_S and s["progress_lines"] == 0
    ]
    out = {"max_stage_rss_mb": worst_rss[0], "max_rss_stage": f"{worst_rss[2]} at {worst_rss[1]:g} min"}
    out["rss_ok"] = worst_rss[0] <= RSS_LIMIT_MB
    out["long_stages_without_progress"] = silent
    ten = next((r for r in rows if r["minutes"] == 10), None)
    longest = max(rows, key=lambda r: r["minutes"])
    if ten is not None and longest is not ten:
        growth = {
            name: longest["workflow"]["stages"][name]["s_per_audio_h"]
            / ten["workflow"]["stages"][name]["s_per_audio_h"]
            for name in STAGES
            if ten["workflow"]["stages"][name]["s_per_audio_h"]
        }
        out["s_per_audio_h_growth"] = {"from_min": 10, "to_min": longest["minutes"], "stages": growth}
        out["linear_ok"] = all(g <= LINEAR_LIMIT for g in growth.values())
    return out


def table(rows: list[dict]) -> str:
    """Stage × film length: seconds, s per audio-hour, peak RSS (MB); then the workflow against whisperx."""
    head = "| stage | " + " | ".join(f"{r['minutes']:g} min: s · s/audio-h · MB" for r in rows) + " |"
    lines = [head, "|---|" + "---|" * len(rows)]
    for name in STAGES:
        cells = []
        for r in rows:
            s = r["workflow"]["stages"][name]
            cells.append(
                f"{s['s']:.1f} · {s['s_per_audio_h']:.0f} · {s['peak_rss_mb'] or 0:.0f}" if s["s"] is not None else "–"
            )
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    lines.append("| **workflow wall** | " + " | ".join(f"{r['workflow']['wall_s']:.1f} s" for r in rows) + " |")
    if any("whisperx" in r for r in rows):
        peer = [f"{r['whisperx']['wall_s']:.1f} s" if "whisperx" in r else "–" for r in rows]
        lines.append("| whisperx wall | " + " | ".join(peer) + " |")
        ratios = [f"{r['workflow_over_whisperx']:.2f}×" if "whisperx" in r else "–" for r in rows]
        lines.append("| ratio | " + " | ".join(ratios) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, nargs="+", default=[0.5, 10, 30, 120], help="film lengths")
    parser.add_argument("--cores", type=int, default=2, help="snakemake --cores and whisperx --threads (default 2)")
    parser.add_argument(
        "--peer-up-to", type=float, default=30, metavar="MIN", help="whisperx on films up to MIN minutes (default 30)"
    )
    args = parser.parse_args(argv)
    machine = machine_info(argparse.Namespace(cores=args.cores, device="cpu"))  # first: it shims a stalled scontrol
    rows = [film_row(m, args.cores, m <= args.peer_up_to) for m in args.minutes]
    result = {"date": dt.date.today().isoformat(), "machine": machine}
    result |= {"films": rows, "verdicts": verdicts(rows)}
    RESULTS.mkdir(parents=True, exist_ok=True)
    target = RESULTS / f"long-{result['date']}.json"
    target.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    print(table(rows))
    print(json.dumps(result["verdicts"], indent=1))
    print(f"bench.long: {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
