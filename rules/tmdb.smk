# Stage 2 (tmdb): the film's names from TMDB.
#
# tmdb has no input file: what it fetches depends only on the film's title, year and tmdb_id, which
# are params, and Snakemake reruns a job whose params changed (rerun trigger "params"). Declaring the
# film itself would rerun TMDB, pre_ner, ASR and everything after whenever the video file is touched
# or re-encoded, for the same names. After adding a key to a run that was skipped, force it:
# --forcerun tmdb. The API key is never a param (Snakemake stores params in .snakemake/).


rule tmdb:
    output:
        tmdb_data=movie_file("metadata/tmdb_data.json"),
    log:
        stage_log("tmdb"),
    benchmark:
        stage_benchmark("tmdb")
    conda:
        "../envs/tmdb.yaml"
    threads: 1
    params:
        title=lambda wildcards: film_of(wildcards).title,
        year=lambda wildcards: film_of(wildcards).year,
        tmdb_id=lambda wildcards: film_of(wildcards).tmdb_id,
        options=config["tmdb"],
    script:
        "../scripts/tmdb.py"
