# Stage 7 (asr): batched faster-whisper (WhisperX's engine) over the speech segments, with pre_ner's prompt.


rule asr:
    input:
        audio=rules.demux.output.audio,
        segments=rules.pyannote_vad.output.segments,
        prompt=[rules.pre_ner.output.prompt] if config["asr"]["use_prompt"] else [],
        tmdb=rules.tmdb.output.tmdb_data,
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
