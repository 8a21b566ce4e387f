# Stage 2 (tmdb), 3 (pre_ner) and 8 (post_ner): the film's names from TMDB, into Whisper's prompt,
# and back into the transcript where Whisper misheard them.
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


rule pre_ner:
    input:
        tmdb_data=movie_file("metadata/tmdb_data.json"),
    output:
        entities=movie_file("entities/pre_ner.json"),
        prompt=movie_file("initial_prompt.txt"),
    log:
        stage_log("pre_ner"),
    benchmark:
        stage_benchmark("pre_ner")
    conda:
        "../envs/pre_ner.yaml"
    threads: 1
    params:
        options=config["pre_ner"],
        asr_model=config["asr"]["model"],
    script:
        "../scripts/pre_ner.py"


rule post_ner:
    input:
        transcript=movie_file("transcription/transcript.json"),
        entities=movie_file("entities/pre_ner.json"),
    output:
        transcript=movie_file("transcription/transcript_corrected.json"),
        entities=movie_file("entities/post_ner.json"),
    log:
        stage_log("post_ner"),
    benchmark:
        stage_benchmark("post_ner")
    conda:
        "../envs/post_ner.yaml"
    threads: 1
    params:
        options=config["post_ner"],
        asr_model=config["asr"]["model"],
    script:
        "../scripts/post_ner.py"
