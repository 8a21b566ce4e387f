# Stage 8 (post_ner): names Whisper misheard corrected against pre_ner's entities.


rule post_ner:
    input:
        transcript=rules.asr.output.transcript,
        entities=rules.pre_ner.output.entities,
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
