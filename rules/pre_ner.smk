# Stage 3 (pre_ner): the film's names (TMDB and the title) into Whisper's prompt.


rule pre_ner:
    input:
        tmdb_data=rules.tmdb.output.tmdb_data,
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
