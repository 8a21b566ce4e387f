# Stage 10 (mux): the film's streams copied, the subtitles added as a track.


rule mux:
    input:
        film=film_path,
        subtitles=rules.subtitles.output.srt,
    output:
        video=movie_file("final_output.mp4"),
    log:
        stage_log("mux"),
    benchmark:
        stage_benchmark("mux")
    conda:
        "../envs/mux.yaml"
    threads: 1
    params:
        options=config["mux"],
    script:
        "../scripts/mux.py"
