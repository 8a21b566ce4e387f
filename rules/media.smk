# Stage 1 (demux) and stage 10 (mux): the film's audio out, the subtitles back in.


rule demux:
    input:
        film=film_path,
    output:
        audio=movie_file("audio/audio.wav"),
        metadata=movie_file("audio/metadata.json"),
    log:
        stage_log("demux"),
    benchmark:
        stage_benchmark("demux")
    conda:
        "../envs/demux.yaml"
    threads: shared_threads(2, alone=True)
    params:
        audio_stream=config["demux"]["audio_stream"],
        sample_rate=config["demux"]["sample_rate"],
    script:
        "../scripts/demux.py"


rule mux:
    input:
        film=film_path,
        subtitles=movie_file("subtitles/subtitles.srt"),
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
        language=config["mux"]["subtitle_language"],
    script:
        "../scripts/mux.py"
