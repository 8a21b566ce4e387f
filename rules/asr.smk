# Stage 7 (asr): batched faster-whisper (WhisperX's engine) over the speech segments.


rule asr:
    input:
        audio=movie_file("audio/audio.wav"),
        segments=speech_segments,
        prompt=initial_prompt,
    output:
        transcript=movie_file("transcription/transcript.json"),
    log:
        stage_log("asr"),
    benchmark:
        stage_benchmark("asr")
    conda:
        "../envs/asr.yaml"
    threads: shared_threads(4)
    resources:
        gpu=gpu_units(),
    params:
        options=config["asr"],
        device=config["device"],
    script:
        "../scripts/asr.py"
