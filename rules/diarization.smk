# Stage 6 (diarization): who speaks when. The subtitles stage joins the speakers to the words.


rule diarization:
    input:
        audio=rules.demux.output.audio,
        segments=rules.pyannote_vad.output.segments,
        scores=rules.pyannote_vad.output.scores,
    output:
        speakers=movie_file("diarization/speaker_segments.json"),
        rttm=movie_file("diarization/speakers.rttm"),
    log:
        stage_log("diarization"),
    benchmark:
        stage_benchmark("diarization")
    priority: CRITICAL_PATH
    conda:
        "../envs/diarization.yaml"
    threads: shared_threads(2)
    resources:
        gpu=gpu_units(),
    params:
        options=config["diarization"],
        device=config["device"],
    script:
        "../scripts/diarization.py"
