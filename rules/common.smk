# Helpers for every stage file: which films, where each stage writes, what a stage job asks of the machine.
# The run record's lifecycle (the Snakefile's hooks) is subflow/run_record.py.

import os
import sys
from pathlib import Path

from manifest_lib import ManifestError, movie_dirs, read_view
from subflow.arguments import check_arguments
from subflow.films import FilmListError, discover_films
from subflow.media.container import final_output_name, output_container
from subflow.resources import CRITICAL_PATH, gpu_units as gpu_units_for, shared_threads as threads_for
from subflow.run_record import RunRecord

OUT = os.path.normpath(config["output_dir"])

try:
    FILMS = discover_films(config["input_dir"], config["movies"])
except (FilmListError, ValueError) as error:  # ValueError: a title with no letter or digit to name a folder
    raise WorkflowError(str(error))

# rules/report.smk: views of the run, not pipeline stages (never in a manifest)
VIEW_RULES = ("timeline", "library", "reports")
RUN_RECORD = RunRecord(OUT, FILMS, VIEW_RULES, config["mux"]["container"])


def gpu_units():
    return gpu_units_for(config["device"])


def shared_threads(most):
    """subflow.resources.shared_threads with this run's cores; a cluster job gets the threads it was given."""
    try:
        cores = None if workflow.remote_exec else workflow.cores
    except WorkflowError:  # no --cores (a cluster executor): the rule's own figure
        cores = None
    return threads_for(most, cores, len(FILMS))


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


def final_video(movie):
    """The film's subtitled video, known before any job runs: final_output.mp4 or .mkv (mux.container)."""
    return movie_file(final_output_name(output_container(FILMS[movie].path, config["mux"]["container"])))


check_arguments(sys.argv[1:], OUT, FILMS, VIEW_RULES, final_video)  # a bad stage or film name: one line, exit 2


def speech_segments(wildcards):
    """The speech segments ASR, diarization and the subtitles use: pyannote_vad's refinement of Silero's."""
    return rules.pyannote_vad.output.segments.format(movie=wildcards.movie)


def all_stage_outputs(wildcards):
    """Every file of every stage for every film. Asking for all of them (not only the final video) means a
    deleted intermediate file is made again, and the stages after it rerun because their input is newer;
    Snakemake leaves a missing intermediate alone when only the end is asked."""
    patterns = [
        pattern
        for rule in workflow.rules
        if rule.name not in VIEW_RULES
        for pattern in rule.output
        if pattern.get_wildcard_names() == {"movie"}
    ]
    files = [str(pattern.apply_wildcards({"movie": movie})) for movie in FILMS for pattern in patterns]
    return files + [final_video(movie).format(movie=movie) for movie in FILMS]  # mux's: final_output.{container}


def building_report():
    """True when this snakemake builds the HTML report (``--report FILE``) instead of running jobs."""
    return any(arg == "--report" or arg.startswith("--report=") for arg in sys.argv[1:])


def report_pieces(existing_only):
    """The report's files (rules/report.smk): every film's picture and pages, and the library page.

    ``existing_only`` (the default target): only those already made, and only while building the report, so a
    plain ``snakemake --report report.html`` shows them while a run (and its manifest) stays the ten stages.
    """

    def resolve(wildcards):
        if existing_only and not building_report():
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


def film_view_inputs(wildcards):
    """The files a film's picture and pages are drawn from, by name (``unpack``).

    Normally every stage's file: the picture waits for the whole run, and Snakemake runs what is missing
    first. A film whose run record shows a failed stage is drawn from the files that exist, so the report
    shows how far it got (a silent film: its flat waveform, no speech) without retrying it.
    """
    files = {
        "audio": rules.demux.output.audio,
        "audio_metadata": rules.demux.output.metadata,
        "silero": rules.silero_vad.output.segments,
        "pyannote": rules.pyannote_vad.output.segments,
        "speakers": rules.diarization.output.speakers,
        "srt": rules.subtitles.output.srt,
        "compliance": rules.subtitles.output.report,
        "video": final_video(wildcards.movie),  # so the stage table has every stage's end
    }
    files = {name: [pattern.format(movie=wildcards.movie)] for name, pattern in files.items()}
    if failed_stages(Path(OUT) / wildcards.movie):
        files = {name: [path for path in paths if os.path.exists(path)] for name, paths in files.items()}
    return files
