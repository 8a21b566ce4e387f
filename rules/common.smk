# Helpers shared by all rule files — which films, where each stage writes, which stages exist.

import json
import os
import sys
import tempfile
from pathlib import Path

from manifest_lib import ManifestError, PipelineManifest, load_manifest
from manifest_lib.pipeline import movie_dirs
from manifest_lib.store import read_view
from subflow.devices import gpu_visible
from subflow.films import FilmListError, discover_films

OUT = os.path.normpath(config["output_dir"])

try:
    FILMS = discover_films(config["input_dir"], config["movies"])
except (FilmListError, ValueError) as error:  # ValueError: a title with no letter or digit to name a folder
    raise WorkflowError(str(error))


def gpu_units():
    """The ``gpu`` resource a GPU stage claims: 1 when it will run on a GPU (``device: cuda``, or ``auto``
    with one visible here), else 0, so that on a CPU-only machine ``--resources gpu=1`` does not queue
    asr and diarization behind each other for a GPU nobody uses. The SLURM profile sets it per rule."""
    if config["device"] == "cuda" or (config["device"] == "auto" and gpu_visible()):
        return 1
    return 0


def shared_threads(most, alone=False):
    """Threads of a multi-threaded stage: at most ``most``, and half the cores when another job can run
    beside it, so a small machine overlaps jobs instead of queueing them. asr and diarization of one
    film always can; demux and pyannote_vad (``alone``) run by themselves in a one-film run and take
    ``most`` then. Measured on 2 cores: the 4-minute LJSpeech film took 39.5 s with asr and
    diarization at 1 thread side by side, 45.0 s at 2 threads one after the other; two demo films took
    47.1 s with demux and pyannote_vad at 2 threads, 30.8 s at 1."""
    if alone and len(FILMS) < 2:
        return most
    if workflow.remote_exec:  # inside a cluster job: the threads the job was submitted with (its CPUs)
        return most
    try:
        cores = workflow.cores
    except WorkflowError:  # no --cores (a cluster executor): the rule's own figure
        return most
    return max(1, min(most, cores // 2))


# Snakemake starts the ready job with the highest priority first: the long chain of a film
# (silero_vad, pyannote_vad, diarization) goes before the short stages that can fill gaps later.
CRITICAL_PATH = 1


def movie_file(relative):
    """A file of the movie being built: {output_dir}/{movie}/<relative>."""
    return f"{OUT}/{{movie}}/{relative}"


def stage_log(stage):
    return movie_file(f"logs/{stage}.log")


def stage_benchmark(stage):
    return movie_file(f"benchmarks/{stage}.tsv")


def film_path(wildcards):
    """The input film of a movie folder."""
    return FILMS[wildcards.movie].path


def film_of(wildcards):
    return FILMS[wildcards.movie]


def stage_built(stage):
    """True when the rule of a stage is part of this workflow (later stages slot in by include)."""
    return any(rule.name == stage for rule in workflow.rules)


def speech_segments(wildcards):
    """The speech segments ASR and the subtitles use: pyannote's refinement when built, else Silero's."""
    if stage_built("pyannote_vad"):
        return movie_file("vad/pyannote_segments.json").format(movie=wildcards.movie)
    return movie_file("vad/silero_segments.json").format(movie=wildcards.movie)


def initial_prompt(wildcards):
    """pre_ner's Whisper prompt when that stage is built and prompting is on."""
    if stage_built("pre_ner") and config["asr"]["use_prompt"]:
        return [movie_file("initial_prompt.txt").format(movie=wildcards.movie)]
    return []


def subtitle_transcript(wildcards):
    """The transcript the subtitles are cut from: post_ner's corrected one when built."""
    name = "transcript_corrected.json" if stage_built("post_ner") else "transcript.json"
    return movie_file(f"transcription/{name}").format(movie=wildcards.movie)


def optional_stage_input(stage, relative):
    """An input that exists only once a stage is built (speakers, entities)."""

    def resolve(wildcards):
        if stage_built(stage):
            return [movie_file(relative).format(movie=wildcards.movie)]
        return []

    return resolve


def all_stage_outputs(wildcards):
    """Every file of every built stage for every film. Asking for all of them (not only the final
    video) means a deleted intermediate file is made again, and the stages after it rerun because
    their input is newer; Snakemake leaves a missing intermediate alone when only the end is asked.
    """
    patterns = [
        pattern
        for rule in workflow.rules
        if rule.name not in VIEW_RULES
        for pattern in rule.output
        if "movie" in pattern.get_wildcard_names()
    ]
    return [str(pattern.apply_wildcards({"movie": movie})) for movie in FILMS for pattern in patterns]


# rules/report.smk: views of the run, not pipeline stages
VIEW_RULES = ("timeline", "library", "reports")


def building_report():
    """True when this snakemake builds the HTML report (``--report FILE``) instead of running jobs."""
    return any(arg == "--report" or arg.startswith("--report=") for arg in sys.argv[1:])


def report_pieces(existing_only):
    """The report's files (rules/report.smk): every film's picture and pages, and the library page.

    ``existing_only`` (the default target): only those already made, and only while building the report, so a
    plain ``snakemake --report report.html`` shows them while a run (and its manifest) stays the ten stages.
    """

    def resolve(wildcards):
        if not stage_built("timeline") or (existing_only and not building_report()):
            return []
        names = ("timeline.png", "stages.html", "compliance.html")
        pieces = [movie_file(f"report/{name}").format(movie=movie) for movie in FILMS for name in names]
        pieces.append(f"{OUT}/library/library.html")
        return [piece for piece in pieces if not existing_only or os.path.exists(piece)]

    return resolve


def existing_manifests(wildcards):
    """manifest.json of every movie folder under output_dir (the library page's inputs)."""
    return [str(movie_dir / "manifest.json") for movie_dir in movie_dirs(OUT)]


def failed_stages(movie_dir):
    """The stages a film's run record shows failed (read only; [] without a readable manifest)."""
    try:
        doc = read_view(movie_dir / "manifest.json", quarantine=False) or {}
    except ManifestError:
        return []
    return (doc.get("pipeline") or {}).get("failed_stages") or []


VIEW_FILES = {  # input name: (stage, its file under the movie folder)
    "audio": ("demux", "audio/audio.wav"),
    "audio_metadata": ("demux", "audio/metadata.json"),
    "silero": ("silero_vad", "vad/silero_segments.json"),
    "pyannote": ("pyannote_vad", "vad/pyannote_segments.json"),
    "speakers": ("diarization", "diarization/speaker_segments.json"),
    "srt": ("subtitles", "subtitles/subtitles.srt"),
    "compliance": ("subtitles", "subtitles/report.json"),
    "video": ("mux", "final_output.mp4"),  # so the stage table has every stage's end
}


def film_view_inputs(wildcards):
    """The files a film's picture and pages are drawn from, by name (``unpack``), via the stage helpers.

    Normally every built stage's file: the picture waits for the whole run, and Snakemake runs what is
    missing first. A film whose run record shows a failed stage is drawn from the files that exist, so
    the report shows how far it got (a silent film: its flat waveform, no speech) without retrying it.
    """
    files = {name: optional_stage_input(stage, relative)(wildcards) for name, (stage, relative) in VIEW_FILES.items()}
    if failed_stages(Path(OUT) / wildcards.movie):
        files = {name: [path for path in paths if os.path.exists(path)] for name, paths in files.items()}
    return files


RUN_MOVIES = set()  # the films this run has jobs for (onstart); the others' manifests are left alone


def _movie_dirs():
    return [Path(OUT) / movie for movie in FILMS if movie in RUN_MOVIES]


def mark_pipelines_started():
    """onstart: record each film's input, mark its pipeline running, and mark pending every stage
    Snakemake is about to run again (so the manifest never counts as done what Snakemake will redo)."""
    try:
        rerun = rerun_jobs()
        RUN_MOVIES.update(movie for movie, _, _ in rerun)
        for movie in sorted(RUN_MOVIES):  # a film with nothing to do keeps its manifest as it is
            film = FILMS[movie]
            manifest = PipelineManifest(Path(OUT) / movie)
            manifest.set_input(film.path, film.title, film.year)
            manifest.start()
        for movie, stage, reason in rerun:
            PipelineManifest(Path(OUT) / movie).mark_pending(stage, f"Snakemake reruns it: {reason}")
        planned = {(movie, stage) for movie, stage, _ in rerun}
        for movie, stage in pending_stages(FILMS):  # marked by a run killed before it could settle them
            if (movie, stage) not in planned:
                PipelineManifest(Path(OUT) / movie).settle_pending(stage)
    except OSError as error:  # read-only or full output_dir: one line, no traceback
        where = f" ({error.filename})" if error.filename and os.path.normpath(error.filename) != OUT else ""
        print(f"subflow: cannot write the run record in output_dir {OUT}: {error.strerror or error}{where}",
              file=sys.stderr)  # fmt: skip
        raise SystemExit(1)  # Snakemake would add its own traceback to a WorkflowError


def rerun_jobs():
    """(movie, stage, Snakemake's reason) of every stage job this run will execute. Those that ended
    success/skipped become ``pending`` (deleted output, newer input, changed params or code, --forcerun)."""
    dag = workflow.dag
    found = []
    for job in dag.needrun_jobs():
        movie = job.wildcards_dict.get("movie")
        if job.rule.name not in ("all", *VIEW_RULES) and movie in FILMS:
            found.append((movie, job.rule.name, ", ".join(dag.reason(job).get_names()) or "scheduled"))
    return found


def pending_stages(movies):
    """(movie, stage) of every stage a manifest shows ``pending``."""
    found = []
    for movie in sorted(movies):
        try:
            data = read_view(Path(OUT) / movie / "manifest.json", quarantine=False) or {"stages": {}}
        except ManifestError:  # unreadable: the stage that next writes it repairs it
            continue
        found += [(movie, stage) for stage, entry in data["stages"].items() if entry.get("status") == "pending"]
    return found


def settle_pending():
    """onsuccess/onerror: a stage marked pending whose job did not run (the run failed or stopped
    first) may no longer need to: Snakemake does not rerun a job whose remade input is byte-identical
    (it checksums files under 1 MB). Ask Snakemake's plan as it is now; those it counts done get
    back the status they had."""
    waiting = pending_stages(RUN_MOVIES)
    if not waiting:
        return
    from subflow.agreement import SnakemakePlanError, snakemake_plan

    with tempfile.TemporaryDirectory() as tmp:
        settings = Path(tmp) / "config.json"  # this run's --configfile/--config, merged (JSON is YAML)
        settings.write_text(json.dumps(dict(workflow.config_settings.overwrite_config), default=str))
        args = ["--snakefile", str(workflow.main_snakefile), "--configfile", str(settings)]
        try:
            plan = snakemake_plan(OUT, args, os.getcwd())
        except (SnakemakePlanError, OSError) as error:
            print(f"subflow: pending stages stay pending, Snakemake could not plan again: {error}", file=sys.stderr)
            return
    for movie, stage in waiting:
        if (movie, stage) in plan and not plan[(movie, stage)].reruns:
            PipelineManifest(Path(OUT) / movie).settle_pending(stage)


def finalize_pipelines(success):
    """onsuccess/onerror: completed where the final video exists, failed where a stage failed,
    interrupted where a stage was stopped by Ctrl-C or SIGTERM."""
    try:
        settle_pending()
    except OSError as error:  # the run's own failure is what the user needs to see
        print(f"subflow: could not settle pending stages: {error}", file=sys.stderr)
    for movie_dir in _movie_dirs():
        data = load_manifest(movie_dir)
        if data is None:
            continue
        manifest = PipelineManifest(movie_dir)
        failed = [data["stages"][stage] for stage in data["pipeline"]["failed_stages"]]
        if failed and all((s["error"] or {}).get("type") in ("KeyboardInterrupt", "Terminated") for s in failed):
            manifest.finalize("interrupted")
        elif failed:
            manifest.finalize("failed")
        elif (movie_dir / "final_output.mp4").exists():
            manifest.finalize("completed")
        elif not success:
            manifest.finalize("failed")
