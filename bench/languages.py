"""Languages: films in six languages and English films with lines in others, the workflow (asr.model base)
against the whisperx CLI with ``--task translate`` and the same model, in one run.

    .venv/bin/python -m bench.languages [--half test|dev|all] [--no-peer] [--output FILE]

The films are scripts in ``bench/corpus/languages/`` (each foreign line with its English, written by hand),
built by the corpus generator and split by its rule (odd numbers dev, where the foreign-line rules may be
tuned; even numbers test, only reported).

Figures: film language right (the workflow's ``film_language``; whisperx's "Detected language"), the language
of each line of the mixed films (the workflow's ``foreign_lines``), the forced set's precision and recall
(events of subtitles/forced.srt against the lines in another language, by time), and chrF (torchmetrics,
character 6-grams, β = 2) of each SRT's text against hand-written English translations. espeak-ng's voices
make translation poor for everyone: the figures are for side-by-side comparison only.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import shutil
import subprocess
import time
from pathlib import Path

from bench.corpus.build import CACHE, build
from bench.corpus.spec import HALVES, LANGUAGE_FILMS, FilmSpec, corpus, half
from bench.peer import whisperx_command
from bench.run import machine_info
from bench.subtitle_metrics import events_from_srt
from subflow.io import offline_env, read_json
from subflow.models import packaged_base_path
from subflow.runner import PROJECT_ROOT, run_snakemake

WORK = CACHE.parent / "languages"
FILMS_BUILT = CACHE.parent / "language-films"
RESULTS = PROJECT_ROOT / "bench" / "results"


def overlaps(a: tuple[float, float], b: tuple[float, float]) -> bool:
    return min(a[1], b[1]) > max(a[0], b[0])


def span(line: dict) -> tuple[float, float]:
    return (line["start"], line["end"])


def srt_text(body: str) -> str:
    return " ".join(e.text.replace("\n", " ") for e in events_from_srt(body)) if body.strip() else ""


def chrf(hypothesis: str, target: str) -> float:
    from torchmetrics.functional.text import chrf_score

    return float(chrf_score([hypothesis], [[target]])) if hypothesis else 0.0


def run_ours(film: Path, out: Path) -> dict:
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    config = out / "config.yaml"
    settings = {"asr": {"model": "base"}, "tmdb": {"enabled": False}}
    config.write_text(json.dumps({"input_dir": str(film.parent), "output_dir": str(out / "out"), **settings}))
    started = time.monotonic()
    result = run_snakemake(["--cores", "2", "--resources", "gpu=1", "--configfile", str(config)])
    movie = next((out / "out").glob("*/manifest.json"), None)
    asr = read_json(movie)["stages"]["asr"].get("metadata", {}) if movie else {}
    folder = movie.parent if movie else out

    def read(name: str) -> str:
        path = folder / "subtitles" / name
        return path.read_text(encoding="utf-8") if path.is_file() else ""

    return {
        "rc": result.returncode,
        "wall_s": round(time.monotonic() - started, 1),
        "language": (asr.get("film_language") or {}).get("language"),
        "foreign_lines": asr.get("foreign_lines", []),
        "srt": read("subtitles.srt"),
        "forced": read("forced.srt"),
    }


def run_peer(film: Path, out: Path) -> dict:
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    command = whisperx_command(film, out, model=str(packaged_base_path()), language=None) + ["--task", "translate"]
    started = time.monotonic()
    result = subprocess.run(command, env=offline_env(TQDM_DISABLE="1"), capture_output=True, text=True, check=False)
    found = re.search(r"Detected language: (\w+)", result.stdout + result.stderr)
    srt = next(out.glob("*.srt"), None)
    return {
        "rc": result.returncode,
        "wall_s": round(time.monotonic() - started, 1),
        "language": found.group(1) if found else None,
        "srt": srt.read_text(encoding="utf-8") if srt else "",
    }


def film_row(spec: FilmSpec, peer: bool) -> dict:
    built = build(spec, FILMS_BUILT)
    folder = WORK / spec.slug
    lines = [
        {k: line[k] for k in ("speaker", "voice", "language", "start", "end", "english")}
        for line in built.reference["lines"]
    ]
    language = lines[0]["language"]
    systems = {"ours": run_ours(built.film, folder / "ours")}
    if peer:
        systems["whisperx"] = run_peer(built.film, folder / "whisperx")
    english = " ".join(line["english"] for line in lines)
    row = {"film": spec.file_name, "number": spec.number, "half": spec.half, "language": language, "lines": lines}
    for system in systems.values():
        system["language_right"] = system["language"] == language
        system["chrf"] = round(chrf(srt_text(system["srt"]), english), 4)
    row.update(systems)
    ours = systems["ours"]
    foreign = [line for line in lines if line["language"] != "en"]
    if language == "en":
        said = [
            next((f["language"] for f in ours["foreign_lines"] if overlaps((f["start"], f["end"]), span(li))), "en")
            for li in lines
        ]
        ours["line_languages"] = said
        ours["line_languages_right"] = sum(s == li["language"] for s, li in zip(said, lines))
        events = events_from_srt(ours["forced"]) if ours["forced"].strip() else []
        hits = [e for e in events if any(overlaps((e.start, e.end), span(f)) for f in foreign)]
        found = [f for f in foreign if any(overlaps((e.start, e.end), span(f)) for e in events)]
        ours["forced_events"], ours["forced_right"], ours["foreign_found"] = len(events), len(hits), len(found)
        ours["forced_precision"] = len(hits) / len(events) if events else None
        ours["forced_recall"] = len(found) / len(foreign) if foreign else None
    return row


def summarise(rows: list[dict], systems: list[str]) -> dict:
    """The figures over the films: languages right, the mixed films' lines and forced set pooled over their
    lines and events (and per film), chrF means."""
    films = [r for r in rows if r["language"] != "en"]
    mixed = [r for r in rows if r["language"] == "en"]
    ours = [r["ours"] for r in mixed]
    events, foreign = sum(o["forced_events"] for o in ours), sum(o["foreign_found"] for o in ours)
    foreign_lines = sum(sum(li["language"] != "en" for li in r["lines"]) for r in mixed)

    def mean(values: list[float]) -> float | None:
        return sum(values) / len(values) if values else None

    return {
        "films": len(rows),
        "film_language_right": {s: mean([r[s]["language_right"] for r in rows]) for s in systems},
        "line_language_right": sum(o["line_languages_right"] for o in ours) / sum(len(r["lines"]) for r in mixed)
        if mixed
        else None,
        "forced_precision": sum(o["forced_right"] for o in ours) / events if events else None,
        "forced_recall": foreign / foreign_lines if foreign_lines else None,
        "forced_precision_per_film": [o["forced_precision"] for o in ours],
        "forced_recall_per_film": [o["forced_recall"] for o in ours],
        "chrf_mean": {s: mean([r[s]["chrf"] for r in rows]) for s in systems},
        "chrf_foreign_films": {s: mean([r[s]["chrf"] for r in films]) for s in systems},
        "chrf_mixed_films": {s: mean([r[s]["chrf"] for r in mixed]) for s in systems},
        "wall_s": {s: round(sum(r[s]["wall_s"] for r in rows), 1) for s in systems},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--half", choices=[*HALVES, "all"], default="test")
    parser.add_argument("--no-peer", action="store_true", help="the workflow alone (tuning on the dev half)")
    parser.add_argument("--output", type=Path)
    args = parser.parse_args(argv)
    machine = machine_info(argparse.Namespace(cores=2, device="cpu"))  # first: it shims a stalled scontrol
    specs = corpus(LANGUAGE_FILMS) if args.half == "all" else half(args.half, LANGUAGE_FILMS)
    systems = ["ours"] if args.no_peer else ["ours", "whisperx"]
    rows = []
    for spec in specs:
        print(f"languages: {spec.file_name} …", flush=True)
        rows.append(film_row(spec, not args.no_peer))
        row = rows[-1]
        said = " / ".join(f"{row[s]['language']} chrF {row[s]['chrf']}" for s in systems)
        lines = row["ours"].get("line_languages")
        print(f"  {said} (true {row['language']})" + (f"; lines {lines}" if lines else ""), flush=True)
    summary = summarise(rows, systems)
    output = args.output or RESULTS / f"languages-{args.half}-{dt.date.today().isoformat()}.json"
    record = {"half": args.half, "date": dt.date.today().isoformat(), "machine": machine, "summary": summary}
    output.write_text(json.dumps({**record, "films": rows}, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(summary, indent=2))
    print(f"results: {output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
