"""Accuracy on the corpus (bench/corpus): the workflow against the whisperx CLI, film by film, same run.

    .venv/bin/python -m bench.accuracy [--half test|dev] [--films N] [--output FILE] [--cores 2]
    make bench-accuracy                  # the test half

For each film of the half (built on demand, cached): the whole workflow (ten stages, ``--cores N``,
TMDB served on loopback with the film's cast, title and overview), then the ``whisperx`` CLI on the same
file with the same model (:func:`bench.peer.whisperx_command`). Each SRT is scored against the
film's exact reference (:func:`bench.corpus.score.score_srt`): WER, name recall, coverage of spoken lines,
events where nobody speaks; for the workflow also the speakers found and DER. A film whose workflow fails
is scored on what it left (no SRT: WER 100 %, coverage 0). Thresholds may be tuned on the dev half
only; the test half is reported. Results: bench/results/accuracy-<half>-<date>.json and a markdown table.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import yaml

from bench.corpus import tmdb
from bench.corpus.build import CACHE, build
from bench.corpus.score import diarization_error, score_srt
from bench.corpus.spec import FilmSpec, half
from bench.name_recall import right_words_changed
from bench.peer import whisperx_command
from bench.run import child_env, machine_info
from subflow.io import STAGES, offline_env, read_json
from subflow.models import resolve_whisper_model
from subflow.runner import PROJECT_ROOT, run_snakemake

RESULTS = PROJECT_ROOT / "bench" / "results"
WORK = CACHE.parent / "accuracy"
API_KEY = "bench-key"


WITHOUT_NAMES = {"tmdb": {"enabled": False}, "asr": {"use_prompt": False}}  # names from the file name only, no prompt


def run_ours(
    spec: FilmSpec, film: Path, out: Path, cores: int, without_names: bool = False, overrides: dict | None = None
) -> dict:
    """The workflow on one film with its loopback TMDB; what it made and how each stage ended.

    ``without_names`` runs it again in ``out`` (after a run with names) with TMDB and the prompt off, from
    tmdb on, so the figures with and without names share their VAD and diarization. ``overrides``: config
    sections to merge in (``--set``)."""
    if not without_names:
        shutil.rmtree(out, ignore_errors=True)
        out.mkdir(parents=True)
    config = out / "config.yaml"
    with tmdb.server(spec, API_KEY) as server:
        settings = (
            WITHOUT_NAMES if without_names else {"tmdb": {"base_url": server.base_url, "timeout_s": 5, "retries": 1}}
        )
        body = {"input_dir": str(film.parent), "output_dir": str(out / "out")}
        for section, values in [*settings.items(), *(overrides or {}).items()]:
            body[section] = {**body.get(section, {}), **values}
        config.write_text(json.dumps(body))
        started = time.monotonic()
        args = ["--cores", str(cores), "--resources", "gpu=1", "--configfile", str(config)]
        args += ["--forcerun", "tmdb"] if without_names else []
        result = run_snakemake(args, env={"TMDB_API_KEY": API_KEY, "TQDM_DISABLE": "1", "PATH": child_env()["PATH"]})
        wall = time.monotonic() - started
    movie = out / "out" / spec.movie
    manifest = read_json(movie / "manifest.json") if (movie / "manifest.json").is_file() else {}
    stages = {name: (manifest.get("stages", {}).get(name) or {}).get("status", "not run") for name in STAGES}
    srt = movie / "subtitles" / "subtitles.srt"
    turns_path = movie / "diarization" / "speaker_segments.json"
    report = movie / "subtitles" / "report.json"
    heard, fixes = movie / "transcription" / "transcript.json", movie / "entities" / "post_ner.json"
    return {
        "rc": result.returncode,
        "wall_s": round(wall, 1),
        "stages": stages,
        "failed": [name for name, status in stages.items() if status == "failed"]
        or (["workflow"] if result.returncode else []),
        "srt": srt.read_text(encoding="utf-8") if srt.is_file() else "",
        "turns": read_json(turns_path)["segments"] if turns_path.is_file() else [],
        "compliance": read_json(report).get("compliance") if report.is_file() else None,
        "asr": (manifest.get("stages", {}).get("asr") or {}).get("metadata"),
        "heard": read_json(heard) if heard.is_file() else None,
        "corrections": read_json(fixes)["corrections"] if fixes.is_file() else [],
        "log_tail": "" if result.returncode == 0 else (result.stdout + result.stderr)[-3000:],
    }


def run_peer(film: Path, out: Path, threads: int, model: str | None = None) -> dict:
    """The whisperx CLI on the same film (the default asr.model, or ``model``)."""
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    started = time.monotonic()
    result = subprocess.run(
        whisperx_command(film, out, threads=threads, model=model),
        env=offline_env(TQDM_DISABLE="1"),
        capture_output=True,
        text=True,
        check=False,
    )
    srt = next(out.glob("*.srt"), None)
    return {
        "rc": result.returncode,
        "wall_s": round(time.monotonic() - started, 1),
        "srt": srt.read_text(encoding="utf-8") if srt else "",
        "log_tail": "" if result.returncode == 0 else result.stderr[-3000:],
    }


def film_row(
    spec: FilmSpec,
    cores: int,
    work: Path,
    peer: bool = True,
    without_names: bool = False,
    overrides: dict | None = None,
) -> dict:
    """One film scored: the workflow (with ``overrides``), and the peer on the same asr model."""
    built = build(spec)
    ref = built.reference
    ours = run_ours(spec, built.film, work / spec.slug / "ours", cores, overrides=overrides)
    row = {}
    if without_names:
        bare = run_ours(spec, built.film, work / spec.slug / "ours", cores, without_names=True, overrides=overrides)
        row["without_names"] = {**score_srt(ref, bare["srt"]), **{k: bare[k] for k in ("rc", "wall_s", "failed")}}
    if peer:
        model = (overrides or {}).get("asr", {}).get("model")
        found = run_peer(built.film, work / spec.slug / "whisperx", cores, model=peer_model(model))
        row["whisperx"] = {**score_srt(ref, found["srt"]), **{k: found[k] for k in ("rc", "wall_s", "srt", "log_tail")}}
    speakers_found = len({t["speaker"] for t in ours["turns"]}) if ours["turns"] else None
    return {
        "number": spec.number,
        "slug": spec.slug,
        "film": spec.file_name,
        "duration_s": ref["duration"],
        "lines": len(ref["lines"]),
        "speakers_true": ref["speakers"],
        "voices": sorted({line["voice"] for line in ref["lines"]}),
        "music_under_db": ref["music_under_db"],
        "noise_snr_db": ref["noise_snr_db"],
        "ours": {
            **score_srt(ref, ours["srt"]),
            **{k: ours[k] for k in ("rc", "wall_s", "stages", "failed", "compliance", "asr", "srt", "log_tail")},
            "right_words_changed": right_words(ref, ours),
            "speakers_found": speakers_found,
            "der": diarization_error(ref["lines"], ours["turns"], ref["duration"]),
        },
        **row,
    }


def right_words(reference: dict, ours: dict) -> list[tuple[str, str]]:
    """post_ner's changes of words asr had heard right (before, after), from the run's own files."""
    if ours["heard"] is None:
        return []
    script = " ".join(line["text"] for line in reference["lines"])
    return [(c["before"], c["after"]) for c in right_words_changed(script, ours["heard"], ours["corrections"])]


def peer_model(asr_model: str | None) -> str | None:
    """The whisperx CLI's ``--model`` for the workflow's ``asr.model``: the same packaged weights."""
    return None if asr_model is None else resolve_whisper_model(asr_model, allow_download=False)


def parse_overrides(settings: list[str]) -> dict:
    """``SECTION.KEY=VALUE`` pairs (VALUE read as YAML) as config sections."""
    overrides: dict = {}
    for setting in settings:
        key, sep, value = setting.partition("=")
        section, dot, name = key.partition(".")
        if not sep or not dot:
            raise SystemExit(f"bench.accuracy: --set wants SECTION.KEY=VALUE, not {setting!r}")
        overrides.setdefault(section, {})[name] = yaml.safe_load(value)
    return overrides


def _mean(values: list) -> float | None:
    present = [v for v in values if v is not None]
    return statistics.fmean(present) if present else None


SYSTEMS = ("ours", "without_names", "whisperx")
LABELS = {"ours": "ours", "without_names": "ours without names", "whisperx": "whisperx"}


def systems(rows: list[dict]) -> list[str]:
    """The systems every row has: ours, then ours without names and the peer when they ran."""
    return [s for s in SYSTEMS if rows and all(s in r for r in rows)]


def summary(rows: list[dict]) -> dict:
    """Means and pooled figures over the films, per system, and the issue's targets."""
    out: dict = {"films": len(rows)}
    for system in systems(rows):
        figures = [r[system] for r in rows]
        names = sum(f["names"] for f in figures)
        out[system] = {
            "wer_mean": _mean([f["wer"] for f in figures]),
            "name_recall": sum(f["names_right"] for f in figures) / names if names else None,
            "coverage_mean": _mean([f["coverage"] for f in figures]),
            "silent_events": sum(f["silent_events"] for f in figures),
            "false_names": sum(len(f.get("false_names", [])) for f in figures),
            "wall_s": sum(f["wall_s"] for f in figures),
        }
    ours = out["ours"]
    ours["failed_films"] = [r["slug"] for r in rows if r["ours"]["failed"] or not r["ours"]["events"]]
    ours["speaker_count_right"] = _mean([float(r["ours"]["speakers_found"] == r["speakers_true"]) for r in rows])
    ours["der_mean"] = _mean([r["ours"]["der"] for r in rows])
    ours["compliance_mean"] = _mean([r["ours"]["compliance"] for r in rows])
    ours["right_words_changed"] = sum(len(r["ours"]["right_words_changed"]) for r in rows)
    if "whisperx" in out:
        peer = out["whisperx"]
        out["wer_relative_reduction"] = 1 - ours["wer_mean"] / peer["wer_mean"] if peer["wer_mean"] else None
        out["films_wer_not_above_peer"] = sum(1 for r in rows if r["ours"]["wer"] <= r["whisperx"]["wer"])
    if "without_names" in out:  # issue 15 part 3: names never make a film worse
        out["films_names_wer_within_half_point"] = sum(
            1 for r in rows if r["ours"]["wer"] <= r["without_names"]["wer"] + 0.005
        )
        out["films_names_recall_not_below"] = sum(
            1 for r in rows if r["ours"]["name_recall"] >= r["without_names"]["name_recall"]
        )
    return out


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.1f}"


def table(rows: list[dict], total: dict) -> str:
    present = systems(rows)
    order = " / ".join(LABELS[s] for s in present)

    def cells(figures: dict[str, dict], key: str, show=_pct) -> str:
        return " / ".join(show(figures[s][key]) for s in present)

    head = (
        f"| # | film | s | WER % {order} | names right {order} of all | names where none was said {order} "
        f"| coverage % {order} "
        f"| events where nobody speaks {order} | speakers found / true | DER % | wall s {order} |"
    )
    lines = [head, "|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        o = r["ours"]
        failed = f" (failed: {', '.join(o['failed'])})" if o["failed"] else ""
        lines.append(
            f"| {r['number']} | {r['film']}{failed} | {r['duration_s']:.0f} | {cells(r, 'wer')} "
            f"| {cells(r, 'names_right', str)} of {o['names']} "
            f"| {' / '.join(str(len(r[s].get('false_names', []))) for s in present)} "
            f"| {cells(r, 'coverage')} | {cells(r, 'silent_events', str)} "
            f"| {o['speakers_found'] if o['speakers_found'] is not None else '–'} / {r['speakers_true']} "
            f"| {_pct(o['der'])} | {cells(r, 'wall_s', lambda v: f'{v:.0f}')} |"
        )
    o = total["ours"]
    lines.append(
        f"| | **mean** ({total['films']} films) | | **{cells(total, 'wer_mean')}** "
        f"| {cells(total, 'name_recall')} % (pooled) | {cells(total, 'false_names', str)} "
        f"| {cells(total, 'coverage_mean')} | {cells(total, 'silent_events', str)} "
        f"| right on {_pct(o['speaker_count_right'])} % | {_pct(o['der_mean'])} "
        f"| {cells(total, 'wall_s', lambda v: f'{v:.0f}')} (total) |"
    )
    notes = []
    if "whisperx" in total:
        reduction = total["wer_relative_reduction"] or 0.0
        notes.append(
            f"Mean WER {_pct(abs(reduction))} % {'below' if reduction >= 0 else 'above'} whisperx's (relative); "
            f"not above whisperx's on {total['films_wer_not_above_peer']} of {total['films']} films."
        )
    if "without_names" in total:
        notes.append(
            f"With names: WER within 0.5 points of the run without names on "
            f"{total['films_names_wer_within_half_point']} of {total['films']} films; name recall not below it on "
            f"{total['films_names_recall_not_below']}."
        )
    notes.append(
        f"Films failed or without subtitles: {len(o['failed_films'])} {o['failed_films'] or ''}; "
        f"subtitle compliance {_pct(o['compliance_mean'])} %; words heard right that post_ner changed: "
        f"{o['right_words_changed']} {[c for r in rows for c in r['ours']['right_words_changed']] or ''}."
    )
    return "\n".join(lines) + "\n\n" + " ".join(notes)


def _git(*args: str) -> str:
    result = subprocess.run(["git", *args], cwd=PROJECT_ROOT, capture_output=True, text=True, check=False)
    return result.stdout.strip()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--half", choices=("test", "dev"), default="test")
    parser.add_argument("--films", type=int, help="only the first N films of the half (by number)")
    parser.add_argument("--output", type=Path, help="JSON to write (default bench/results/accuracy-<half>-<date>.json)")
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--no-peer", action="store_true", help="skip the whisperx CLI")
    parser.add_argument(
        "--without-names", action="store_true", help="also run each film with TMDB and the prompt off (from tmdb on)"
    )
    parser.add_argument(
        "--set",
        nargs="*",
        default=[],
        metavar="SECTION.KEY=VALUE",
        help="config for the workflow (asr.model also the peer's)",
    )
    args = parser.parse_args(argv)
    machine = machine_info(argparse.Namespace(cores=args.cores, device="cpu"))  # first: it shims a stalled scontrol
    overrides = parse_overrides(args.set)
    films = half(args.half)[: args.films]
    work = WORK / args.half
    started, rows = time.monotonic(), []
    for spec in films:
        print(f"accuracy: {spec.number:2d} {spec.file_name} …", flush=True)
        rows.append(film_row(spec, args.cores, work, not args.no_peer, args.without_names, overrides))
        for system in systems(rows[-1:]):
            figures = rows[-1][system]
            print(
                f"  {LABELS[system]}: WER {_pct(figures['wer'])} %, names {figures['names_right']}/{figures['names']}"
            )
    total = summary(rows)
    markdown = table(rows, total)
    output = args.output or RESULTS / f"accuracy-{args.half}-{dt.date.today().isoformat()}.json"
    output.parent.mkdir(parents=True, exist_ok=True)
    record = {
        "half": args.half,
        "date": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "command": "python -m bench.accuracy " + " ".join(argv if argv is not None else sys.argv[1:]),
        "cores": args.cores,
        "overrides": overrides,
        "machine": {**machine, "platform": platform.platform(), "load_1min": os.getloadavg()[0]},
        "commit": _git("rev-parse", "HEAD"),
        "uncommitted_files": len(_git("status", "--porcelain").splitlines()),
        "wall_s": round(time.monotonic() - started, 1),
        "summary": total,
        "films": rows,
        "table": markdown,
    }
    output.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    print(markdown)
    print(f"results: {output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
