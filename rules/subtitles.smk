# Stage 9 (subtitles): word timings → subtitle events under the Netflix English rules → SRT (and, per
# subtitles.formats, WebVTT and ASS made from the same events); the forced set: the lines in another language.


rule subtitles:
    input:
        transcript=rules.post_ner.output.transcript,
        segments=rules.pyannote_vad.output.segments,
        audio_metadata=rules.demux.output.metadata,
        speakers=rules.diarization.output.speakers,
        entities=rules.pre_ner.output.entities,
    output:
        **{fmt: movie_file(f"subtitles/subtitles.{fmt}") for fmt in config["subtitles"]["formats"]},
        forced=movie_file("subtitles/forced.srt"),
        report=movie_file("subtitles/report.json"),
    log:
        stage_log("subtitles"),
    benchmark:
        stage_benchmark("subtitles")
    conda:
        "../envs/subtitles.yaml"
    threads: 1
    params:
        options=config["subtitles"],
    script:
        "../scripts/subtitles.py"
