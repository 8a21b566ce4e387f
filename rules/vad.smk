# Stage 4 (silero_vad): where is speech. Stage 5 (pyannote_vad) refines it when built.


rule silero_vad:
    input:
        audio=movie_file("audio/audio.wav"),
    output:
        segments=movie_file("vad/silero_segments.json"),
    log:
        stage_log("silero_vad"),
    benchmark:
        stage_benchmark("silero_vad")
    params:
        options=config["silero_vad"],
    threads: 1
    conda:
        "../envs/silero_vad.yaml"
    script:
        "../scripts/silero_vad.py"
