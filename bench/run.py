"""Performance harness (issue 9): the workflow against the whisperx CLI and bare faster-whisper.

    .venv/bin/python bench/run.py                 # 3 rounds: ljspeech + 10-minute film + scale (~25 min, 2 cores)
    .venv/bin/python bench/run.py --quick         # 1 round, ljspeech only, no scale figures (~3 min)
    .venv/bin/python bench/run.py --device cuda   # on a GPU (recorded in the results)
    make bench                                    # the same as the first line

In one process tree on one machine, round after round in alternation (workflow, whisperx, bare,
workflow, whisperx, bare, …), for each case:

* workflow: ``snakemake --cores N --resources gpu=1`` on the film (all ten stages, fresh output);
* whisperx: the ``whisperx`` CLI on the same film, same model, device, compute type, batch and beam
  size, and ``--threads`` = ``--cores`` (one process for the whole job, as the workflow gets the whole
  machine; the asr stage itself may get fewer, sharing the cores with diarization);
  ``--no_align`` unless ``asr.align_model`` is set;
* bare: faster-whisper alone on the workflow's own audio.wav, speech segments (merged into ≤30 s
  chunks as the asr stage does), prompt, options and threads (the asr stage's, from its manifest):
  the floor for the asr stage.

Cases: ``ljspeech`` (../shared/realdata/ljspeech_lj001 muxed with a test picture into an .mkv;
skipped with a message when ../shared is absent) and ``film10`` (a generated ~10-minute two-voice
film, built once under bench/.cache/). Scale: ``snakemake -n`` over 10, 100 and 1,000 films
(symlinks to the demo film) and two demo films on ``--cores N`` at once against one after the other.

Each process is timed with os.wait4: wall, CPU (user+system, the whole process tree) and peak RSS
(the largest single process of the tree). Per stage: the manifest's duration (the work, after
imports) and the ``benchmark:`` TSV (the whole job: start-up, imports, work; its RSS/CPU are sampled,
so jobs under a second show ~0). Overhead = workflow wall − the time any stage job was running
(TSV intervals, end = the TSV's mtime). The 1-minute load average is recorded before every run and
printed beside every figure: the machine is shared, which is why rounds alternate and medians and
min–max are given. Results: bench/results/<date>.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from subflow.io import OFFLINE_ENV, STAGES

ROOT = Path(__file__).resolve().parents[1]
REALDATA = ROOT.parent / "shared" / "realdata"
CACHE = ROOT / "bench" / ".cache"
RESULTS = ROOT / "bench" / "results"
BIN = Path(sys.executable).parent
SNAKEMAKE = BIN / "snakemake"
WHISPERX = BIN / "whisperx"
TARGETS = {  # name: (comparison, limit) — the targets, all from figures of the same run
    "asr_stage_over_bare": ("<=", 1.05),
    "workflow_over_whisperx": ("<=", 1.5),
    "dry_run_1000_s": ("<=", 10.0),
    "pair_throughput": (">=", 1.7),
    "max_stage_rss_over_whisperx": ("<=", 1.0),
}
CHILD_ENV = {**OFFLINE_ENV, "TQDM_DISABLE": "1"}

# A 10-minute two-voice film: the lines are cycled in a shifted order with alternating voices.
FILM10_LINES = [
    "Margaret Hale, is that you?",
    "I thought you had left for London on the early train this morning.",
    "I missed it by two minutes, so I walked to the station in the rain.",
    "The next train leaves at nine, and John Thornton has promised to drive me.",
    "Then we have an hour. Sit down, and tell me everything that happened at the mill yesterday.",
    "The workers gathered at the gate before dawn and nobody would say who had called them.",
    "Did anyone speak to the foreman, or did they simply stand there in the cold?",
    "Nicholas Higgins spoke for them. He asked for a fair wage and nothing more.",
    "And what did Mister Thornton answer him?",
    "He said that the orders from America had stopped, and that he could not pay what he did not have.",
    "That is not an answer a hungry family can understand.",
    "I know. I told him so, and he looked at me as if I had struck him.",
    "Perhaps you had. He is a proud man, and pride is expensive in a town like Milton.",
    "My father says that pride and fear look very much alike from the outside.",
    "Your father is a wise man, even if he left the church for reasons nobody here understands.",
    "He left it because he could not say words he no longer believed.",
    "Will you write to me from London? I want to know that you arrived safely.",
    "I will write every Sunday, and you must tell me how the children at the school are doing.",
    "Bessy is worse. The cotton dust has settled in her lungs and the doctor comes twice a week.",
    "Then I will send money for the medicine, and you will not tell her where it came from.",
    "The clock on the tower has stopped again. Nobody has wound it since the strike began.",
    "It is twenty past eight by my watch. We should leave before the streets fill with carts.",
    "Do you remember the garden in Helstone, with the roses along the south wall?",
    "I remember the smell of the rain on the grass, and the bells on Sunday morning.",
    "Milton has no bells, only the whistle of the mills at six o'clock.",
    "And yet you stayed, when you could have gone back to the south a year ago.",
    "I stayed because there is work here that matters, and people who need a friend.",
    "The carriage is waiting. Give me your hand, the step is wet.",
]


def film10_script() -> list[tuple[str, str]]:
    """About 10 minutes of dialogue (espeak speaks 3.2 words a second here; 0.7 s between lines)."""
    script, seconds, i = [], 0.5, 0
    while seconds < 605:
        text = FILM10_LINES[(i * 5) % len(FILM10_LINES)]
        script.append(("en-us" if i % 2 == 0 else "en+f3", text))
        seconds += len(text.split()) / 3.2 + 0.7
        i += 1
    return script


# ---------------------------------------------------------------------------------------------------
# pure helpers (tests/bench/test_harness.py)
# ---------------------------------------------------------------------------------------------------


def parse_benchmark_tsv(text: str) -> dict[str, float]:
    """A Snakemake ``benchmark:`` TSV: the mean of its rows, numeric columns only (``h:m:s`` dropped)."""
    lines = [line.split("\t") for line in text.strip().splitlines() if line.strip()]
    if len(lines) < 2:
        return {}
    header, rows = lines[0], lines[1:]
    out: dict[str, float] = {}
    for i, name in enumerate(header):
        values = []
        for row in rows:
            try:
                values.append(float(row[i]))
            except (IndexError, ValueError):
                pass
        if values and name != "h:m:s":
            out[name] = sum(values) / len(values)
    return out


def parse_time(text: str | None) -> float | None:
    """A manifest timestamp (ISO 8601 with offset) as a Unix time."""
    return dt.datetime.fromisoformat(text).timestamp() if text else None


def manifest_stages(manifest: dict) -> dict[str, dict]:
    """Per stage of a manifest: status, duration (s) and its start/end as Unix times."""
    out = {}
    for name, record in (manifest.get("stages") or {}).items():
        out[name] = {
            "status": record.get("status"),
            "duration_s": record.get("duration_seconds"),
            "start": parse_time(record.get("started_at")),
            "end": parse_time(record.get("completed_at")),
            "threads": (record.get("execution") or {}).get("threads"),
        }
    return out


def union_length(intervals: list[tuple[float, float]]) -> float:
    """Total length covered by the intervals (overlaps counted once)."""
    total, current = 0.0, None
    for start, end in sorted((a, b) for a, b in intervals if b > a):
        if current is None or start > current[1]:
            if current is not None:
                total += current[1] - current[0]
            current = [start, end]
        else:
            current[1] = max(current[1], end)
    if current is not None:
        total += current[1] - current[0]
    return total


def summarize(values: list[float | None]) -> dict | None:
    """Median, min, max and count of the values that exist."""
    present = [float(v) for v in values if v is not None]
    if not present:
        return None
    return {"median": statistics.median(present), "min": min(present), "max": max(present), "n": len(present)}


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    if numerator is None or not denominator:
        return None
    return numerator / denominator


def target_met(name: str, value: float | None) -> bool | None:
    """Whether a figure meets the issue's target (None when it was not measured)."""
    if value is None:
        return None
    op, limit = TARGETS[name]
    return value <= limit if op == "<=" else value >= limit


def workflow_overhead(wall_s: float, stage_jobs: dict[str, dict]) -> dict:
    """Workflow wall time not spent in any stage job (Snakemake start-up, DAG, scheduling, the manifest's
    start and finish), from the jobs' TSV intervals; and wall minus the plain sum of stage job times."""
    intervals = [(j["end"] - j["s"], j["end"]) for j in stage_jobs.values() if j.get("s") is not None and j.get("end")]
    busy = union_length(intervals)
    total = sum(j["s"] for j in stage_jobs.values() if j.get("s") is not None)
    return {"busy_s": busy, "overhead_s": wall_s - busy, "stage_sum_s": total, "wall_minus_stage_sum_s": wall_s - total}


def fmt(summary: dict | None, unit: str = "s", digits: int = 1) -> str:
    """``12.3 s [11.0–14.2]``."""
    if summary is None:
        return "—"
    med, lo, hi = summary["median"], summary["min"], summary["max"]
    if summary["n"] == 1:
        return f"{med:.{digits}f}{unit}"
    return f"{med:.{digits}f}{unit} [{lo:.{digits}f}–{hi:.{digits}f}]"


# ---------------------------------------------------------------------------------------------------
# running and timing processes
# ---------------------------------------------------------------------------------------------------


def child_env() -> dict:
    return {**os.environ, **CHILD_ENV}


def shim_stalled_scontrol(seconds: float | None) -> bool:
    """Snakemake imports every executor plugin at start-up, and the SLURM plugin then runs
    ``scontrol show config`` (timeout 10 s). Where a SLURM client is installed but its controller is
    down (this machine between CI runs), every snakemake start stalls that long, which no workstation
    without SLURM pays. Then put a ``scontrol`` that fails at once first on the children's PATH; the
    stall is recorded in the results either way."""
    if seconds is None or seconds < 1.0:
        return False
    shim = CACHE / "no-slurm-controller"
    shim.mkdir(parents=True, exist_ok=True)
    script = shim / "scontrol"
    script.write_text("#!/bin/sh\necho 'bench: no SLURM controller (scontrol shim)' >&2\nexit 1\n")
    script.chmod(0o755)
    CHILD_ENV["PATH"] = f"{shim}{os.pathsep}{os.environ.get('PATH', '')}"
    print(
        f"bench: `scontrol show config` took {seconds:.1f} s (SLURM client, no controller): every snakemake start "
        "would stall that long; runs use a failing scontrol shim instead (recorded in the results)",
        flush=True,
    )
    return True


def measure(cmd: list[str], log: Path, cwd: Path = ROOT, timeout: float | None = None) -> dict:
    """Run ``cmd`` (own process group), stdout+stderr to ``log``; wall, CPU and peak RSS from wait4."""
    log.parent.mkdir(parents=True, exist_ok=True)
    load = os.getloadavg()[0]
    started = time.monotonic()
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [str(c) for c in cmd],
            cwd=cwd,
            env=child_env(),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            while True:
                pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
                if pid:
                    break
                if timeout and time.monotonic() - started > timeout:
                    os.killpg(proc.pid, signal.SIGTERM)
                    pid, status, usage = os.wait4(proc.pid, 0)
                    break
                time.sleep(0.05)
        except BaseException:
            os.killpg(proc.pid, signal.SIGTERM)
            raise
    wall = time.monotonic() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    return {
        "rc": proc.returncode,
        "wall_s": wall,
        "cpu_s": usage.ru_utime + usage.ru_stime,
        "user_s": usage.ru_utime,
        "sys_s": usage.ru_stime,
        "max_rss_mb": usage.ru_maxrss / 1024.0,
        "load_before": load,
        "load_after": os.getloadavg()[0],
        "log": str(log),
    }


def check_rc(run: dict, what: str) -> None:
    if run["rc"] != 0:
        tail = Path(run["log"]).read_text(errors="replace")[-3000:]
        raise SystemExit(f"bench: {what} failed (exit {run['rc']}); log {run['log']}:\n{tail}")


# ---------------------------------------------------------------------------------------------------
# inputs
# ---------------------------------------------------------------------------------------------------


@dataclass
class Case:
    name: str
    film: Path  # alone in its folder (the workflow's input_dir)
    reference: str
    movie: str  # the movie folder the workflow makes

    @property
    def input_dir(self) -> Path:
        return self.film.parent


def ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-nostdin", "-loglevel", "error", "-y", *args], check=True)


def audio_seconds(path: Path) -> float:
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", str(path)],
        capture_output=True,
        text=True,
        check=True,
    )
    return float(out.stdout.strip())


def ljspeech_case() -> Case | None:
    """LJSpeech LJ001 (3 min 49 s, one reader) muxed with a test picture: a film the workflow takes."""
    source = REALDATA / "ljspeech_lj001"
    if not (source / "lj001_concat.flac").is_file():
        print(f"bench: {source} is absent (../shared/realdata is not beside the project): ljspeech case skipped")
        return None
    film = CACHE / "films" / "ljspeech" / "LJ Speech (2017).mkv"
    if not film.is_file():
        film.parent.mkdir(parents=True, exist_ok=True)
        seconds = audio_seconds(source / "lj001_concat.flac")
        tmp = film.with_name(".building.mkv")
        ffmpeg(
            "-f",
            "lavfi",
            "-i",
            f"testsrc2=size=320x180:rate=24:duration={seconds:.3f}",
            "-i",
            str(source / "lj001_concat.flac"),
            "-map",
            "0:v",
            "-map",
            "1:a",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-pix_fmt",
            "yuv420p",
            "-c:a",
            "copy",
            "-shortest",
            str(tmp),
        )
        tmp.rename(film)
    return Case("ljspeech", film, (source / "lj001_concat.txt").read_text(encoding="utf-8"), "LJ_Speech_2017")


def generated_case(name: str, film: Path, script: list[tuple[str, str]] | None, movie: str) -> Case:
    """A film made by bench.synth (espeak voices over a test picture), built once and cached."""
    from bench.synth import make_film

    script_path = film.with_name(film.name + ".script.json")
    if not (film.is_file() and script_path.is_file()):
        print(f"bench: building {film} (once)", flush=True)
        tmp = film.with_name(".building" + film.suffix)
        lines = make_film(tmp, script) if script else make_film(tmp)
        tmp.with_name(tmp.name + ".script.json").rename(script_path)
        tmp.rename(film)
        del lines
    lines = json.loads(script_path.read_text(encoding="utf-8"))
    return Case(name, film, " ".join(line["text"] for line in lines), movie)


def film10_case() -> Case:
    return generated_case(
        "film10", CACHE / "films" / "film10" / "The Long Night (2025).mkv", film10_script(), "The_Long_Night_2025"
    )


def demo_film() -> Path:
    return generated_case(
        "demo", CACHE / "films" / "demo" / "The Night Train (2024).mkv", None, "The_Night_Train_2024"
    ).film


def symlink_films(folder: Path, target: Path, names: list[str]) -> Path:
    """A folder holding exactly ``names``, each a symlink to ``target``."""
    if folder.is_dir() and sorted(p.name for p in folder.iterdir()) == sorted(names):
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    for name in names:
        (folder / name).symlink_to(target)
    return folder


# ---------------------------------------------------------------------------------------------------
# the three contenders
# ---------------------------------------------------------------------------------------------------


def load_config() -> dict:
    import yaml

    return yaml.safe_load((ROOT / "config.yaml").read_text(encoding="utf-8"))


def srt_figures(srt_text: str, reference: str, rules) -> dict:
    from bench.subtitle_metrics import events_from_srt, events_text
    from bench.wer import word_error_rate
    from subflow.subtitles.format import check_events

    events = events_from_srt(srt_text)
    report = check_events(events, rules)
    return {
        "wer": word_error_rate(reference, events_text(events)),
        "compliance": report["compliance"],
        "events": len(events),
        "violations": {k: v for k, v in report["violations"].items() if v},
        "max_line_chars": max((len(line) for e in events for line in e.lines), default=0),
        "max_event_s": max((e.end - e.start for e in events), default=0.0),
    }


def run_workflow(input_dir: Path, out: Path, args, tag: str, extra: list[str] | None = None) -> dict:
    shutil.rmtree(out, ignore_errors=True)
    cmd = [
        SNAKEMAKE,
        "--cores",
        args.cores,
        "--resources",
        "gpu=1",
        *(extra or []),
        "--config",
        f"input_dir={input_dir}",
        f"output_dir={out}",
        f"device={args.device}",
    ]
    return measure(cmd, out.parent / f"{out.name}.log")


def stage_jobs(movie_dir: Path) -> dict[str, dict]:
    """Per stage: its benchmark TSV (whole job) and manifest (work) figures."""
    manifest = json.loads((movie_dir / "manifest.json").read_text(encoding="utf-8"))
    from_manifest = manifest_stages(manifest)
    jobs = {}
    for stage in STAGES:
        tsv = movie_dir / "benchmarks" / f"{stage}.tsv"
        row = parse_benchmark_tsv(tsv.read_text()) if tsv.is_file() else {}
        record = from_manifest.get(stage, {})
        jobs[stage] = {
            "s": row.get("s"),
            "end": tsv.stat().st_mtime if tsv.is_file() else None,
            "max_rss_mb": row.get("max_rss"),
            "cpu_s": row.get("cpu_time"),
            "mean_load": row.get("mean_load"),
            "manifest_s": record.get("duration_s"),
            "status": record.get("status"),
            "threads": record.get("threads"),
        }
    return jobs


def workflow_round(case: Case, args, round_no: int, rules) -> dict:
    out = CACHE / "runs" / case.name / f"workflow-r{round_no}"
    run = run_workflow(case.input_dir, out, args, case.name)
    check_rc(run, f"workflow on {case.film.name}")
    movie_dir = out / case.movie
    jobs = stage_jobs(movie_dir)
    audio_s = json.loads((movie_dir / "audio" / "metadata.json").read_text())["duration_seconds"]
    srt = (movie_dir / "subtitles" / "subtitles.srt").read_text(encoding="utf-8")
    own_report = json.loads((movie_dir / "subtitles" / "report.json").read_text())
    transcript = json.loads((movie_dir / "transcription" / "transcript.json").read_text())
    from bench.wer import word_error_rate

    run.update(
        audio_s=audio_s,
        rtf=run["wall_s"] / audio_s,
        stages=jobs,
        **workflow_overhead(run["wall_s"], jobs),
        subtitles=srt_figures(srt, case.reference, rules),
        own_report_compliance=own_report.get("compliance"),
        transcript_wer=word_error_rate(case.reference, transcript["text"]),
        transcript_words=sum(len(s["words"]) for s in transcript["segments"]),
        max_stage_rss_mb=max((j["max_rss_mb"] or 0.0) for j in jobs.values()),
        movie_dir=str(movie_dir),
    )
    return run


def asr_settings(args, config: dict, threads: int) -> dict:
    from subflow.models import compute_type_for, resolve_whisper_model

    asr = config["asr"]
    device = resolved_device(args.device)
    return {
        "model": resolve_whisper_model(asr["model"], asr["allow_download"]),
        "model_name": asr["model"],
        "device": device,
        "compute_type": compute_type_for(device, asr["compute_type"]),
        "threads": threads,
        "whisperx_threads": int(args.cores),
        "batch_size": asr["batch_size"],
        "beam_size": asr["beam_size"],
        "language": asr["language"] or "en",
        "align_model": asr["align_model"],
        "use_prompt": asr["use_prompt"],
    }


def whisperx_round(case: Case, settings: dict, round_no: int, rules) -> dict:
    out = CACHE / "runs" / case.name / f"whisperx-r{round_no}"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    align = ["--align_model", settings["align_model"]] if settings["align_model"] else ["--no_align"]
    cmd = [
        WHISPERX,
        case.film,
        "--model",
        settings["model"],
        "--device",
        settings["device"],
        "--compute_type",
        settings["compute_type"],
        "--language",
        settings["language"],
        "--vad_method",
        "pyannote",
        *align,
        "--threads",
        settings["whisperx_threads"],
        "--batch_size",
        settings["batch_size"],
        "--beam_size",
        settings["beam_size"],
        "--output_format",
        "srt",
        "--output_dir",
        out,
    ]
    run = measure(cmd, out.parent / f"{out.name}.log")
    check_rc(run, "whisperx CLI")
    srt = (out / f"{case.film.stem}.srt").read_text(encoding="utf-8")
    run["subtitles"] = srt_figures(srt, case.reference, rules)
    return run


def bare_round(case: Case, settings: dict, movie_dir: Path, round_no: int) -> dict:
    out = CACHE / "runs" / case.name / f"bare-r{round_no}.json"
    prompt = movie_dir / "initial_prompt.txt"
    cmd = [
        sys.executable,
        Path(__file__),
        "_bare",
        "--audio",
        movie_dir / "audio" / "audio.wav",
        "--segments",
        movie_dir / "vad" / "pyannote_segments.json",
        "--model",
        settings["model"],
        "--device",
        settings["device"],
        "--compute-type",
        settings["compute_type"],
        "--threads",
        settings["threads"],
        "--batch-size",
        settings["batch_size"],
        "--beam-size",
        settings["beam_size"],
        "--language",
        settings["language"],
        "--out",
        out,
    ]
    if settings["use_prompt"] and prompt.is_file():
        cmd += ["--prompt", prompt]
    run = measure(cmd, out.with_suffix(".log"))
    check_rc(run, "bare faster-whisper")
    body = json.loads(out.read_text())
    stage = json.loads((movie_dir / "transcription" / "transcript.json").read_text())
    from bench.wer import word_error_rate

    run.update(
        phases={k: body[k] for k in ("import_s", "load_s", "transcribe_s")},
        transcript_wer=word_error_rate(case.reference, body["text"]),
        words=body["words"],
        same_text_as_asr_stage=body["text"] == stage["text"],
    )
    return run


def bare_main(argv: list[str]) -> None:
    """faster-whisper alone: the asr stage's engine, segments and options, nothing else."""
    started = time.monotonic()
    parser = argparse.ArgumentParser(prog="bench/run.py _bare")
    for name in ("audio", "segments", "model", "device", "compute-type", "language", "out", "prompt"):
        parser.add_argument(f"--{name}")
    for name in ("threads", "batch-size", "beam-size"):
        parser.add_argument(f"--{name}", type=int)
    a = parser.parse_args(argv)
    import soundfile
    from faster_whisper import BatchedInferencePipeline, WhisperModel

    from subflow.asr.decode import chunk_segments  # the asr stage's chunking (≤30 s windows)

    imported = time.monotonic()
    samples, _ = soundfile.read(a.audio, dtype="float32")
    chunks = chunk_segments(json.loads(Path(a.segments).read_text())["segments"], duration=samples.size / 16000)
    prompt = Path(a.prompt).read_text(encoding="utf-8").strip() or None if a.prompt else None
    model = WhisperModel(a.model, device=a.device, compute_type=a.compute_type, cpu_threads=a.threads, num_workers=1)
    loaded = time.monotonic()
    results, _ = BatchedInferencePipeline(model).transcribe(
        samples,
        language=a.language,
        beam_size=a.beam_size,
        batch_size=a.batch_size,
        initial_prompt=prompt,
        word_timestamps=True,
        vad_filter=False,
        clip_timestamps=chunks,
    )
    segments = [(s.text.strip(), len(s.words or [])) for s in results]
    done = time.monotonic()
    Path(a.out).write_text(
        json.dumps(
            {
                "import_s": imported - started,
                "load_s": loaded - imported,
                "transcribe_s": done - loaded,
                "text": " ".join(t for t, _ in segments).strip(),
                "words": sum(n for _, n in segments),
            }
        )
        + "\n"
    )


# ---------------------------------------------------------------------------------------------------
# scale figures
# ---------------------------------------------------------------------------------------------------


def dry_run(n: int, args, demo: Path) -> dict:
    folder = symlink_films(CACHE / "scale" / f"films-{n}", demo, [f"Film {i:04d} (2000).mkv" for i in range(1, n + 1)])
    out = CACHE / "scale" / "out-empty"
    shutil.rmtree(out, ignore_errors=True)
    run = measure(
        [
            SNAKEMAKE,
            "-n",
            "--cores",
            args.cores,
            "--resources",
            "gpu=1",
            "--config",
            f"input_dir={folder}",
            f"output_dir={out}",
        ],
        CACHE / "scale" / f"dry-run-{n}.log",
    )
    check_rc(run, f"snakemake -n over {n} films")
    jobs = [line.split() for line in Path(run["log"]).read_text().splitlines() if line.startswith("total")]
    run["jobs"] = int(jobs[-1][1]) if jobs else None
    return run


def pair_round(args, demo: Path, round_no: int) -> dict:
    """Two films in one ``snakemake --cores N`` against the same two one after the other."""
    base = CACHE / "pair"
    one = symlink_films(base / "in-a", demo, ["Night Train A (2024).mkv"])
    two = symlink_films(base / "in-b", demo, ["Night Train B (2024).mkv"])
    both = symlink_films(base / "in-both", demo, ["Night Train A (2024).mkv", "Night Train B (2024).mkv"])
    serial = []
    for folder in (one, two):
        run = run_workflow(folder, base / f"out-{folder.name}-r{round_no}", args, "pair")
        check_rc(run, f"workflow on {folder}")
        serial.append(run)
    together = run_workflow(both, base / f"out-both-r{round_no}", args, "pair")
    check_rc(together, "workflow on two films")
    serial_s = sum(r["wall_s"] for r in serial)
    return {
        "serial_s": serial_s,
        "parallel_s": together["wall_s"],
        "throughput_ratio": serial_s / together["wall_s"],
        "serial": serial,
        "parallel": together,
        "load_before": serial[0]["load_before"],
    }


def snakemake_import_s() -> float:
    started = time.monotonic()
    subprocess.run([sys.executable, "-c", "import snakemake.api"], check=True, env=child_env())
    return time.monotonic() - started


# ---------------------------------------------------------------------------------------------------
# machine, device, summary, printing
# ---------------------------------------------------------------------------------------------------


def resolved_device(setting: str) -> str:
    from subflow.devices import resolve_ctranslate2_device

    return resolve_ctranslate2_device(setting)


def machine_info(args) -> dict:
    from importlib.metadata import PackageNotFoundError, version

    def ver(name):
        try:
            return version(name)
        except PackageNotFoundError:
            return None

    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    gpus = (
        subprocess.run(["nvidia-smi", "-L"], capture_output=True, text=True).stdout.strip()
        if shutil.which("nvidia-smi")
        else ""
    )
    try:
        commit = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
        ).stdout.strip()
        dirty = bool(
            subprocess.run(
                ["git", "-C", str(ROOT), "status", "--porcelain"], capture_output=True, text=True
            ).stdout.strip()
        )
    except OSError:
        commit, dirty = None, None
    scontrol_s = None
    if shutil.which("scontrol"):  # the SLURM executor plugin runs `scontrol show config` whenever snakemake starts
        began = time.monotonic()
        try:
            subprocess.run(["scontrol", "show", "config"], capture_output=True, timeout=15)
        except subprocess.TimeoutExpired:
            pass
        scontrol_s = time.monotonic() - began
    return {
        "host": platform.node(),
        "scontrol_show_config_s": scontrol_s,
        "scontrol_shimmed": shim_stalled_scontrol(scontrol_s),
        "cpu": cpu,
        "cpus": os.cpu_count(),
        "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "python": platform.python_version(),
        "packages": {
            p: ver(p) for p in ("snakemake", "faster-whisper", "ctranslate2", "torch", "whisperx", "pyannote.audio")
        },
        "gpus": gpus or "none (no NVIDIA GPU visible on this machine)",
        "device_requested": args.device,
        "device": resolved_device(args.device),
        "cores": int(args.cores),
        "git": {"commit": commit, "uncommitted_changes": dirty},
        "env": {
            k: os.environ.get(k)
            for k in ("OMP_NUM_THREADS", "OMP_WAIT_POLICY", "GOMP_SPINCOUNT", "NUMBA_CACHE_DIR", "CUDA_VISIBLE_DEVICES")
        },
    }


def summarize_case(rounds: list[dict]) -> dict:
    def pick(kind, *keys):
        values = []
        for r in rounds:
            value = r.get(kind)
            for key in keys:
                value = None if value is None else value.get(key)
            values.append(value)
        return summarize(values)

    s = {}
    for kind in ("workflow", "whisperx", "bare"):
        s[kind] = {k: pick(kind, k) for k in ("wall_s", "cpu_s", "max_rss_mb", "load_before")}
    wf = s["workflow"]
    wf.update(
        {
            k: pick("workflow", k)
            for k in ("rtf", "overhead_s", "wall_minus_stage_sum_s", "busy_s", "max_stage_rss_mb", "transcript_wer")
        }
    )
    wf["wer"] = pick("workflow", "subtitles", "wer")
    wf["compliance"] = pick("workflow", "subtitles", "compliance")
    s["whisperx"]["wer"] = pick("whisperx", "subtitles", "wer")
    s["whisperx"]["compliance"] = pick("whisperx", "subtitles", "compliance")
    s["whisperx"]["rtf"] = summarize([ratio(r["whisperx"]["wall_s"], r["workflow"]["audio_s"]) for r in rounds])
    s["bare"]["transcript_wer"] = pick("bare", "transcript_wer")
    s["bare"]["transcribe_s"] = pick("bare", "phases", "transcribe_s")
    s["stages"] = {
        stage: {
            k: summarize([r["workflow"]["stages"][stage][k] for r in rounds])
            for k in ("manifest_s", "s", "max_rss_mb", "cpu_s")
        }
        for stage in STAGES
    }
    per_round = lambda f: summarize([f(r) for r in rounds])  # noqa: E731 — ratios within each round, then their median
    s["ratios"] = {
        "asr_stage_over_bare": per_round(lambda r: ratio(r["workflow"]["stages"]["asr"]["s"], r["bare"]["wall_s"])),
        "asr_stage_cpu_over_bare_cpu": per_round(
            lambda r: ratio(r["workflow"]["stages"]["asr"]["cpu_s"], r["bare"]["cpu_s"])
        ),
        "asr_work_over_bare_work": per_round(
            lambda r: ratio(
                r["workflow"]["stages"]["asr"]["manifest_s"], r["bare"]["wall_s"] - r["bare"]["phases"]["import_s"]
            )
        ),
        "workflow_over_whisperx": per_round(lambda r: ratio(r["workflow"]["wall_s"], r["whisperx"]["wall_s"])),
        "max_stage_rss_over_whisperx": per_round(
            lambda r: ratio(r["workflow"]["max_stage_rss_mb"], r["whisperx"]["max_rss_mb"])
        ),
        "workflow_peak_rss_over_whisperx": per_round(
            lambda r: ratio(r["workflow"]["max_rss_mb"], r["whisperx"]["max_rss_mb"])
        ),
    }
    s["bare_same_text_as_asr_stage"] = all(r["bare"]["same_text_as_asr_stage"] for r in rounds)
    return s


def print_case(name: str, audio_s: float, s: dict) -> None:
    wf, wx, bare = s["workflow"], s["whisperx"], s["bare"]
    load = lambda k: fmt(k["load_before"], "", 1)  # noqa: E731
    print(
        f"\n== {name}: {audio_s:.1f} s of audio — median [min–max] over rounds; load = 1-min load average before each run"
    )
    print(f"  {'':26}{'wall':>24}{'CPU':>22}{'peak RSS MB':>26}{'load':>16}")
    for label, k in (("workflow (10 stages)", wf), ("whisperx CLI", wx), ("bare faster-whisper", bare)):
        print(f"  {label:26}{fmt(k['wall_s']):>24}{fmt(k['cpu_s']):>22}{fmt(k['max_rss_mb'], '', 0):>26}{load(k):>16}")
    print(f"  real-time factor: workflow {fmt(wf['rtf'], '', 3)}, whisperx {fmt(wx['rtf'], '', 3)}")
    print(
        f"  overhead (wall − time any stage job ran): {fmt(wf['overhead_s'])}; wall − sum of stage jobs: {fmt(wf['wall_minus_stage_sum_s'])}"
    )
    print(
        f"  WER: workflow subtitles {fmt(wf['wer'], '', 3)}, transcript {fmt(wf['transcript_wer'], '', 3)}; "
        f"whisperx subtitles {fmt(wx['wer'], '', 3)}; bare transcript {fmt(bare['transcript_wer'], '', 3)}"
    )
    print(f"  subtitle compliance: workflow {fmt(wf['compliance'], '', 3)}, whisperx {fmt(wx['compliance'], '', 3)}")
    print(f"  {'stage':14}{'manifest (work)':>24}{'TSV (job)':>24}{'TSV max RSS MB':>22}{'TSV CPU s':>20}")
    for stage, f in s["stages"].items():
        print(
            f"  {stage:14}{fmt(f['manifest_s'], '', 2):>24}{fmt(f['s'], '', 2):>24}{fmt(f['max_rss_mb'], '', 0):>22}{fmt(f['cpu_s'], '', 1):>20}"
        )
    for key, value in s["ratios"].items():
        goal = (
            f"   target {TARGETS[key][0]} {TARGETS[key][1]}: {'met' if target_met(key, value['median'] if value else None) else 'MISSED'}"
            if key in TARGETS
            else ""
        )
        print(f"  ratio {key:34}{fmt(value, '', 3):>24}{goal}")
    print(f"  bare faster-whisper text identical to the asr stage's: {s['bare_same_text_as_asr_stage']}")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["_bare"]:
        bare_main(argv[1:])
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds (default 3)")
    parser.add_argument("--quick", action="store_true", help="1 round, ljspeech only, no scale figures")
    parser.add_argument("--cases", nargs="+", choices=("ljspeech", "film10"), default=["ljspeech", "film10"])
    parser.add_argument("--no-scale", action="store_true", help="skip the dry-run and two-film figures")
    parser.add_argument("--cores", default="2", help="snakemake --cores (default 2)")
    parser.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto")
    parser.add_argument("--output", type=Path, help="results file (default bench/results/<date>.json)")
    args = parser.parse_args(argv)
    if args.quick:
        args.rounds, args.cases, args.no_scale = 1, ["ljspeech"], True
    try:
        device = resolved_device(args.device)
    except Exception as exc:  # noqa: BLE001 — e.g. --device cuda without a GPU
        print(f"bench: {exc}", file=sys.stderr)
        return 2
    for tool in (SNAKEMAKE, WHISPERX):
        if not tool.exists():
            print(f"bench: {tool} not found (make setup)", file=sys.stderr)
            return 2
    started = time.time()
    config = load_config()
    from subflow.options import SubtitlesOptions
    from subflow.subtitles.format import SubtitleRules

    rules = SubtitleRules.for_film(SubtitlesOptions.from_config(config["subtitles"]), 24.0)  # the test film is 24 fps
    results: dict = {
        "date": dt.date.today().isoformat(),
        "started_at": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "machine": machine_info(args),
        "rounds": args.rounds,
        "targets": {},
        "cases": {},
    }
    print(
        f"bench: device {device} ({results['machine']['gpus']}), --cores {args.cores}, {args.rounds} round(s), "
        f"load {os.getloadavg()[0]:.2f}",
        flush=True,
    )
    cases = [
        c
        for c in (
            ljspeech_case() if "ljspeech" in args.cases else None,
            film10_case() if "film10" in args.cases else None,
        )
        if c
    ]
    demo = demo_film() if not args.no_scale else None
    rounds: dict[str, list[dict]] = {c.name: [] for c in cases}
    scale: dict = {"dry_run": {10: [], 100: [], 1000: []}, "pair": [], "snakemake_import_s": []}
    settings: dict | None = None
    for r in range(1, args.rounds + 1):
        for case in cases:
            record: dict = {}
            record["workflow"] = workflow_round(case, args, r, rules)
            wf = record["workflow"]
            print(f"  r{r} {case.name:9} workflow  {wf['wall_s']:7.1f} s  (load {wf['load_before']:.2f})", flush=True)
            if settings is None:
                settings = asr_settings(args, config, wf["stages"]["asr"]["threads"] or int(args.cores))
                results["asr_settings"] = settings
            record["whisperx"] = whisperx_round(case, settings, r, rules)
            print(
                f"  r{r} {case.name:9} whisperx  {record['whisperx']['wall_s']:7.1f} s  (load {record['whisperx']['load_before']:.2f})",
                flush=True,
            )
            record["bare"] = bare_round(case, settings, Path(wf["movie_dir"]), r)
            print(
                f"  r{r} {case.name:9} bare fw   {record['bare']['wall_s']:7.1f} s  (load {record['bare']['load_before']:.2f})",
                flush=True,
            )
            rounds[case.name].append(record)
        if not args.no_scale:
            scale["snakemake_import_s"].append(snakemake_import_s())
            for n in scale["dry_run"]:
                scale["dry_run"][n].append(dry_run(n, args, demo))
                print(
                    f"  r{r} snakemake -n {n:5} films {scale['dry_run'][n][-1]['wall_s']:6.1f} s  (load {scale['dry_run'][n][-1]['load_before']:.2f})",
                    flush=True,
                )
            scale["pair"].append(pair_round(args, demo, r))
            p = scale["pair"][-1]
            print(
                f"  r{r} two films: one after the other {p['serial_s']:.1f} s, together {p['parallel_s']:.1f} s "
                f"(load {p['load_before']:.2f})",
                flush=True,
            )
    for case in cases:
        summary = summarize_case(rounds[case.name])
        audio_s = rounds[case.name][0]["workflow"]["audio_s"]
        results["cases"][case.name] = {
            "film": str(case.film),
            "audio_s": audio_s,
            "summary": summary,
            "rounds": rounds[case.name],
        }
        print_case(case.name, audio_s, summary)
        for key in ("asr_stage_over_bare", "workflow_over_whisperx", "max_stage_rss_over_whisperx"):
            value = summary["ratios"][key]
            results["targets"][f"{case.name}:{key}"] = {
                "value": value and value["median"],
                "limit": TARGETS[key],
                "met": target_met(key, value and value["median"]),
            }
    if not args.no_scale:
        dry = {n: summarize([x["wall_s"] for x in runs]) for n, runs in scale["dry_run"].items()}
        pair = summarize([p["throughput_ratio"] for p in scale["pair"]])
        scale["summary"] = {
            "dry_run_s": dry,
            "pair_throughput": pair,
            "pair_serial_s": summarize([p["serial_s"] for p in scale["pair"]]),
            "pair_parallel_s": summarize([p["parallel_s"] for p in scale["pair"]]),
            "snakemake_import_s": summarize(scale["snakemake_import_s"]),
            "load_before": summarize([x["load_before"] for runs in scale["dry_run"].values() for x in runs]),
        }
        results["scale"] = scale
        print(f"\n== scale (load {fmt(scale['summary']['load_before'], '', 1)})")
        print(f"  snakemake start-up (python -c 'import snakemake.api'): {fmt(scale['summary']['snakemake_import_s'])}")
        for n, value in dry.items():
            jobs = scale["dry_run"][n][-1].get("jobs")
            print(f"  snakemake -n, {n:5} films ({jobs} jobs): {fmt(value)}")
        print(
            f"  two films, --cores {args.cores}: one after the other {fmt(scale['summary']['pair_serial_s'])}, "
            f"together {fmt(scale['summary']['pair_parallel_s'])}, throughput x{fmt(pair, '', 2)}"
        )
        results["targets"]["dry_run_1000_s"] = {
            "value": dry[1000]["median"],
            "limit": TARGETS["dry_run_1000_s"],
            "met": target_met("dry_run_1000_s", dry[1000]["median"]),
        }
        results["targets"]["pair_throughput"] = {
            "value": pair["median"],
            "limit": TARGETS["pair_throughput"],
            "met": target_met("pair_throughput", pair["median"]),
        }
    print("\n== targets (medians)")
    for key, t in results["targets"].items():
        value = "—" if t["value"] is None else f"{t['value']:.3f}"
        print(f"  {key:42} {value:>9}  {t['limit'][0]} {t['limit'][1]:<6} {'met' if t['met'] else 'MISSED'}")
    results["finished_at"] = dt.datetime.now().astimezone().isoformat(timespec="seconds")
    results["harness_s"] = time.time() - started
    output = args.output or RESULTS / f"{results['date']}.json"
    output.parent.mkdir(parents=True, exist_ok=True)
    tmp = output.with_name(output.name + ".tmp")
    tmp.write_text(json.dumps(results, indent=1, default=str) + "\n", encoding="utf-8")
    os.replace(tmp, output)
    print(f"\nbench: {results['harness_s'] / 60:.1f} min; written {output}")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    raise SystemExit(main())
