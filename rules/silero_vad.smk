# Stage 4 (silero_vad): where is speech.


rule silero_vad:
    input:
        audio=rules.demux.output.audio,
    output:
        segments=movie_file("vad/silero_segments.json"),
    log:
        stage_log("silero_vad"),
    benchmark:
        stage_benchmark("silero_vad")
    priority: CRITICAL_PATH
    conda:
        "../envs/silero_vad.yaml"
    threads: 1
    params:
        options=config["silero_vad"],
    script:
        "../scripts/silero_vad.py"
