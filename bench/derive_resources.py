"""SLURM memory and runtime per rule, derived from the rules' benchmark TSVs, for profiles/slurm.

Every rule writes ``{output_dir}/{Movie}/benchmarks/<rule>.tsv`` (Snakemake's ``benchmark:``: columns
``s``, ``max_rss`` in MB, ...); ``{Movie}/audio/metadata.json`` gives the film's audio length. From the
output dirs given (the demo and ``../shared/realdata/ljspeech_lj001`` run as a film, say) this prints
one line per rule with what was measured and what the profile asks SLURM for:

  runtime (minutes) = time margin x (a + b x target length), where s = a + b x audio seconds is a
      least-squares fit over every measured film (a, b >= 0; with one film length, b = max s / length);
      at least the largest measured s; at least --min-runtime; rounded up to 5 minutes.
  mem_mb = mem margin x peak max_rss over every measured film, plus, for rules that read the whole
      16 kHz track (demux's audio/audio.wav among their inputs), the float32 samples of the target film
      (64 000 bytes per second: 660 MiB for 3 h); at least --min-mem-mb; rounded up to 256 MB.
      Peak memory is not extrapolated linearly: it is set by the model and the batch (segments are
      at most 30 s), not by the film's length; the audio buffer is the part that grows with it.

Caveats it cannot measure away: stages measured on the CPU get CPU runtimes (an overestimate for
a GPU node); host memory differs between int8 on CPU and float16 on GPU. The peak RSS is the larger of
the TSV's sampled ``max_rss`` and the stage's own exact ``peak_rss_mb`` in the manifest. Measure again on the cluster's hardware and a full-length
film before trusting the numbers for production, and after changing a model:

    .venv/bin/python bench/derive_resources.py demo/out /tmp/lj_out                  # print the table
    .venv/bin/python bench/derive_resources.py demo/out /tmp/lj_out --update profiles/slurm/config.yaml

``--update`` rewrites the block between ``# BEGIN derive_resources`` and ``# END derive_resources``
in the profile (its ``set-resources``; each value times ``attempt``, so a retry after an OOM kill or
a time limit asks for more), leaving the rest of the file as it is. GPU rules (those whose
``resources:`` name ``gpu``) also get ``gpu: 1``, ``cpus_per_gpu`` = their threads and the GPU
partition from ``$SUBFLOW_SLURM_GPU_PARTITION`` (the profile's yte variable ``gpu_partition``).
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import re
import sys
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BEGIN = "# BEGIN derive_resources"
END = "# END derive_resources"
AUDIO_INPUT = "rules.demux.output.audio"  # how a rule file names audio/audio.wav among its inputs
FLOAT32_AUDIO_BYTES_PER_S = 16000 * 4
MIB = 1024 * 1024


@dataclass
class RuleInfo:
    """What the rule files say about a rule: threads, whether it asks for a GPU, whether it reads the audio."""

    threads: int = 1
    gpu: bool = False
    reads_audio: bool = False


@dataclass
class Sample:
    film: str
    audio_s: float
    seconds: float
    max_rss_mb: float | None


@dataclass
class Derived:
    rule: str
    samples: list[Sample] = field(default_factory=list)
    intercept_s: float = 0.0
    slope: float = 0.0
    predicted_s: float = 0.0
    peak_rss_mb: float = 0.0
    runtime_min: int = 0
    mem_mb: int = 0


def rule_infos(rules_dir: Path) -> dict[str, RuleInfo]:
    """Threads, gpu and audio input of each rule, read from rules/*.smk (plain text, no Snakemake needed)."""
    infos: dict[str, RuleInfo] = {}
    for smk in sorted(rules_dir.glob("*.smk")):
        text = smk.read_text(encoding="utf-8")
        for match in re.finditer(r"^rule (\w+):\n((?:[ \t]+.*\n|\n)*)", text, re.M):
            name, body = match.group(1), match.group(2)
            sections = dict(re.findall(r"^    (\w+):(.*(?:\n(?:        .*|\s*$))*)", body, re.M))
            info = RuleInfo()
            threads = re.search(r"\d+", sections.get("threads", ""))
            info.threads = int(threads.group()) if threads else 1
            info.gpu = bool(re.search(r"\bgpu\s*=", sections.get("resources", "")))
            info.reads_audio = AUDIO_INPUT in sections.get("input", "")
            infos[name] = info
    return infos


def _number(value: str) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def exact_peaks(movie_dir: Path) -> dict[str, float]:
    """Each stage's exact peak RSS in MB from the manifest (``peak_rss_mb``, recorded by the stage itself):
    Snakemake samples ``max_rss`` only every 30 s after a job's first half minute, and may miss the peak."""
    try:
        stages = json.loads((movie_dir / "manifest.json").read_text(encoding="utf-8")).get("stages") or {}
    except (OSError, ValueError):
        return {}
    peaks = {name: (entry.get("metadata") or {}).get("peak_rss_mb") for name, entry in stages.items()}
    return {name: float(mb) for name, mb in peaks.items() if isinstance(mb, (int, float))}


def read_samples(output_dirs: list[Path]) -> tuple[dict[str, list[Sample]], list[tuple[str, float]]]:
    """Per rule, every benchmark line of every film under the output dirs; and the films with their length."""
    samples: dict[str, list[Sample]] = {}
    films: list[tuple[str, float]] = []
    for output_dir in output_dirs:
        for movie_dir in sorted(p for p in output_dir.iterdir() if (p / "benchmarks").is_dir()):
            metadata = movie_dir / "audio" / "metadata.json"
            try:
                audio_s = float(json.loads(metadata.read_text(encoding="utf-8"))["duration_seconds"])
            except (OSError, ValueError, KeyError, TypeError):
                print(f"skipped {movie_dir}: no audio length in {metadata}", file=sys.stderr)
                continue
            film = f"{output_dir.name}/{movie_dir.name}"
            films.append((film, audio_s))
            exact = exact_peaks(movie_dir)
            for tsv in sorted((movie_dir / "benchmarks").glob("*.tsv")):
                with tsv.open(encoding="utf-8", newline="") as handle:
                    for row in csv.DictReader(handle, delimiter="\t"):
                        seconds = _number(row.get("s", ""))
                        if seconds is None:
                            continue
                        rss = max(_number(row.get("max_rss", "")) or 0.0, exact.get(tsv.stem, 0.0)) or None
                        samples.setdefault(tsv.stem, []).append(Sample(film, audio_s, seconds, rss))
    return samples, films


def fit_runtime(samples: list[Sample]) -> tuple[float, float]:
    """(a, b) of s = a + b * audio_s, least squares with a, b >= 0."""
    xs = [s.audio_s for s in samples]
    ys = [s.seconds for s in samples]
    if len({round(x, 1) for x in xs}) < 2:
        return 0.0, max(y / x for x, y in zip(xs, ys) if x > 0) if any(x > 0 for x in xs) else 0.0
    n = len(xs)
    mean_x, mean_y = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mean_x) ** 2 for x in xs)
    slope = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys)) / sxx
    intercept = mean_y - slope * mean_x
    if slope < 0:
        return max(ys), 0.0
    if intercept < 0:  # through the origin
        return 0.0, sum(x * y for x, y in zip(xs, ys)) / sum(x * x for x in xs)
    return intercept, slope


def round_up(value: float, step: int) -> int:
    return int(math.ceil(value / step) * step)


def derive(
    samples: dict[str, list[Sample]],
    infos: dict[str, RuleInfo],
    target_s: float,
    mem_margin: float,
    time_margin: float,
    min_mem_mb: int,
    min_runtime: int,
) -> list[Derived]:
    results = []
    for rule in sorted(samples):
        rows = samples[rule]
        result = Derived(rule, rows)
        result.intercept_s, result.slope = fit_runtime(rows)
        result.predicted_s = max(result.intercept_s + result.slope * target_s, max(s.seconds for s in rows))
        result.runtime_min = round_up(max(min_runtime, time_margin * result.predicted_s / 60), 5)
        result.peak_rss_mb = max((s.max_rss_mb or 0.0) for s in rows)
        mem = mem_margin * result.peak_rss_mb
        if infos.get(rule, RuleInfo()).reads_audio:
            mem += target_s * FLOAT32_AUDIO_BYTES_PER_S / MIB
        result.mem_mb = round_up(max(min_mem_mb, mem), 256)
        results.append(result)
    return results


def table(results: list[Derived], infos: dict[str, RuleInfo]) -> str:
    lines = [
        f"{'rule':<13} {'films':>5} {'max s':>8} {'fit a (s)':>9} {'b (s/s)':>8} {'pred s':>8} "
        f"{'peak rss':>9} {'audio':>5} {'gpu':>3} -> {'mem_mb':>6} {'runtime':>7}"
    ]
    for r in results:
        info = infos.get(r.rule, RuleInfo())
        lines.append(
            f"{r.rule:<13} {len(r.samples):>5} {max(s.seconds for s in r.samples):>8.1f} {r.intercept_s:>9.1f} "
            f"{r.slope:>8.3f} {r.predicted_s:>8.0f} {r.peak_rss_mb:>7.0f}MB {'yes' if info.reads_audio else 'no':>5} "
            f"{'yes' if info.gpu else 'no':>3} -> {r.mem_mb:>6} {r.runtime_min:>5}min"
        )
    return "\n".join(lines)


def profile_block(results, infos, films, args) -> str:
    film_list = ", ".join(f"{name} ({seconds:.1f} s)" for name, seconds in films)
    out = [
        f"{BEGIN}: bench/derive_resources.py writes this block ({date.today().isoformat()}); rerun it, do not edit",
        f"# measured: {film_list}",
        f"# target film {args.film_hours:g} h; mem_mb = {args.mem_margin:g} x peak max_rss (+ the film's 16 kHz float32",
        f"# samples for rules reading audio.wav), >= {args.min_mem_mb}, rounded up to 256;"
        f" runtime = {args.time_margin:g} x fitted s at {args.film_hours:g} h,",
        f"# >= {args.min_runtime} min, rounded up to 5 (minutes); x attempt: a retry asks for twice, then three times.",
        "set-resources:",
    ]
    for r in results:
        info = infos.get(r.rule, RuleInfo())
        out.append(f"  {r.rule}:  # peak {r.peak_rss_mb:.0f} MB, s = {r.intercept_s:.1f} + {r.slope:.3f} x audio s")
        out.append(f"    mem_mb: {r.mem_mb} * attempt")
        out.append(f"    runtime: {r.runtime_min} * attempt")
        if info.gpu:
            out.append("    gpu: 1")
            out.append(f"    cpus_per_gpu: {info.threads}")
            out.append("    ?if gpu_partition:")
            out.append("      slurm_partition: ?gpu_partition")
    out.append(END)
    return "\n".join(out) + "\n"


def update_profile(path: Path, block: str) -> None:
    text = path.read_text(encoding="utf-8")
    start = text.find(BEGIN)
    end = text.find(END, start)
    if start < 0 or end < 0:
        raise SystemExit(f"{path}: no '{BEGIN}' ... '{END}' block to replace")
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    line_end = len(text) if line_end < 0 else line_end + 1
    path.write_text(text[:line_start] + block + text[line_end:], encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "output_dirs", nargs="+", type=Path, help="workflow output dirs ({output_dir}/{Movie}/benchmarks/*.tsv)"
    )
    parser.add_argument(
        "--film-hours", type=float, default=3.0, help="length of the longest film to plan for (default 3)"
    )
    parser.add_argument("--mem-margin", type=float, default=1.5, help="factor on the peak max_rss (default 1.5)")
    parser.add_argument("--time-margin", type=float, default=2.0, help="factor on the fitted runtime (default 2)")
    parser.add_argument("--min-mem-mb", type=int, default=512, help="floor for mem_mb (default 512)")
    parser.add_argument("--min-runtime", type=int, default=15, help="floor for runtime, minutes (default 15)")
    parser.add_argument("--rules-dir", type=Path, default=ROOT / "rules", help="rule files (threads, gpu, audio input)")
    parser.add_argument(
        "--update", type=Path, metavar="PROFILE", help="rewrite the derive_resources block of this profile config"
    )
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write the figures as JSON")
    args = parser.parse_args(argv)

    for output_dir in args.output_dirs:
        if not output_dir.is_dir():
            parser.error(f"not a directory: {output_dir}")
    samples, films = read_samples(args.output_dirs)
    if not samples:
        parser.error("no benchmark TSVs with an audio length found under " + ", ".join(map(str, args.output_dirs)))
    infos = rule_infos(args.rules_dir)
    target_s = args.film_hours * 3600
    results = derive(samples, infos, target_s, args.mem_margin, args.time_margin, args.min_mem_mb, args.min_runtime)
    print(table(results, infos))
    unmeasured = sorted(set(infos) - set(samples))
    if unmeasured:
        print(f"no benchmark for: {', '.join(unmeasured)} (they get the profile's default-resources)", file=sys.stderr)
    block = profile_block(results, infos, films, args)
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "films": [{"film": name, "audio_s": seconds} for name, seconds in films],
                    "target_s": target_s,
                    "rules": {
                        r.rule: {
                            "samples": [s.__dict__ for s in r.samples],
                            "fit_intercept_s": r.intercept_s,
                            "fit_slope": r.slope,
                            "predicted_s": r.predicted_s,
                            "peak_rss_mb": r.peak_rss_mb,
                            "mem_mb": r.mem_mb,
                            "runtime_min": r.runtime_min,
                        }
                        for r in results
                    },
                },
                indent=2,
            )
            + "\n",
            encoding="utf-8",
        )
    if args.update:
        update_profile(args.update, block)
        print(f"updated {args.update}")
    else:
        print()
        print(block, end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
