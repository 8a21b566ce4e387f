# Stage 1 (demux): the film's audio stream → 16 kHz mono PCM in the film's time, for every model.


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
    threads: shared_threads(2)
    params:
        options=config["demux"],
        sheet_audio_stream=lambda wildcards: film_of(wildcards).audio_stream,
    script:
        "../scripts/demux.py"
