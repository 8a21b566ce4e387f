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
    priority: CRITICAL_PATH
    conda:
        "../envs/silero_vad.yaml"
    threads: 1
    params:
        options=config["silero_vad"],
    script:
        "../scripts/silero_vad.py"


rule pyannote_vad:
    input:
        audio=movie_file("audio/audio.wav"),
        segments=movie_file("vad/silero_segments.json"),
    output:
        segments=movie_file("vad/pyannote_segments.json"),
        scores=movie_file("vad/segmentation.npz"),
    log:
        stage_log("pyannote_vad"),
    benchmark:
        stage_benchmark("pyannote_vad")
    priority: CRITICAL_PATH
    conda:
        "../envs/pyannote_vad.yaml"
    threads: shared_threads(2, alone=True)
    resources:
        gpu=gpu_units(),
    params:
        options=config["pyannote_vad"],
        device=config["device"],
    script:
        "../scripts/pyannote_vad.py"
