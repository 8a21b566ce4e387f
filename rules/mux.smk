# Stage 10 (mux): the film's streams copied into MP4 or Matroska (mux.container; final_video in common.smk names
# each film's file before any job runs), the subtitles added as a track; with export.sidecar, the subtitle files
# written beside the film for media servers.


rule mux:
    input:
        film=film_path,
        subtitles=[getattr(rules.subtitles.output, fmt) for fmt in config["subtitles"]["formats"]],
        forced=rules.subtitles.output.forced,
        transcript=rules.asr.output.transcript,
    output:
        video=movie_file("final_output.{container}"),
    # Snakemake wants {container} in the log and benchmark paths too; logs/.{container}/.. is logs/ itself, so
    # they stay logs/mux.log and benchmarks/mux.tsv like every stage's (an empty logs/.mkv/ is left beside).
    log:
        movie_file("logs/.{container}/../mux.log"),
    benchmark:
        movie_file("benchmarks/.{container}/../mux.tsv")
    wildcard_constraints:
        container="mp4|mkv",
    conda:
        "../envs/mux.yaml"
    threads: 1
    params:
        options=config["mux"],
        export=config["export"],
    script:
        "../scripts/mux.py"
