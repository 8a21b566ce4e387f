# Helpers shared by all rule files — which films, where each stage writes, which stages exist.

import os
from pathlib import Path

from manifest_lib import PipelineManifest, load_manifest
from subflow.films import FilmListError, discover_films

OUT = os.path.normpath(config["output_dir"])

try:
    FILMS = discover_films(config["input_dir"], config["movies"])
except FilmListError as error:
    raise WorkflowError(str(error))


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
        for pattern in rule.output
        if "movie" in pattern.get_wildcard_names()
    ]
    return [
        str(pattern.apply_wildcards({"movie": movie}))
        for movie in FILMS
        for pattern in patterns
    ]


def _movie_dirs():
    return [Path(OUT) / movie for movie in FILMS]


def mark_pipelines_started():
    """onstart: record each film's input and mark its pipeline running."""
    for movie, film in FILMS.items():
        manifest = PipelineManifest(Path(OUT) / movie)
        manifest.set_input(film.path, film.title, film.year)
        if not (Path(OUT) / movie / "final_output.mp4").exists():
            manifest.start()


def finalize_pipelines(success):
    """onsuccess/onerror: completed where the final video exists, failed where a stage failed."""
    for movie_dir in _movie_dirs():
        data = load_manifest(movie_dir)
        if data is None:
            continue
        manifest = PipelineManifest(movie_dir)
        if data["pipeline"]["failed_stages"]:
            manifest.finalize("failed")
        elif (movie_dir / "final_output.mp4").exists():
            manifest.finalize("completed")
        elif not success:
            manifest.finalize("failed")
