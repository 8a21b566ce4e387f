# Stage 9 (subtitles): word timings → subtitle events under the Netflix English rules → SRT.


rule subtitles:
    input:
        transcript=subtitle_transcript,
        segments=speech_segments,
        audio_metadata=movie_file("audio/metadata.json"),
        speakers=optional_stage_input("diarization", "diarization/speaker_segments.json"),
        entities=optional_stage_input("pre_ner", "entities/pre_ner.json"),
    output:
        srt=movie_file("subtitles/subtitles.srt"),
        report=movie_file("subtitles/report.json"),
    log:
        stage_log("subtitles"),
    benchmark:
        stage_benchmark("subtitles")
    conda:
        "../envs/subtitles.yaml"
    threads: 1
    params:
        rules=config["subtitles"],
    script:
        "../scripts/subtitles.py"
