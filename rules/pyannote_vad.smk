# Stage 5 (pyannote_vad): pyannote's speech detection refines Silero's; ASR, diarization and the subtitles use it.


rule pyannote_vad:
    input:
        audio=rules.demux.output.audio,
        segments=rules.silero_vad.output.segments,
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
    threads: shared_threads(2)
    resources:
        gpu=gpu_units(),
    params:
        options=config["pyannote_vad"],
        device=config["device"],
    script:
        "../scripts/pyannote_vad.py"
