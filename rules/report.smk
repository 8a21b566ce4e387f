# The report: per film a timeline picture, the manifest's stage table and the subtitle compliance summary;
# one library page with every film's status. Views of the run, not pipeline stages (VIEW_RULES in
# rules/common.smk): they read manifest.json and never write it, so the manifest keeps its ten stages and
# `verify --against-snakemake` compares only those. Not part of a plain run; build them after it:
#   snakemake --cores 2 --keep-going reports     # + the usual --config / --profile
#   snakemake --report report.html               # then the self-contained HTML report


report: "../report/workflow.rst"


localrules:
    reports,
    library,


rule timeline:
    input:
        unpack(film_view_inputs),
    output:
        timeline=report(
            movie_file("report/timeline.png"),
            caption="../report/timeline.rst",
            category="Films",
            subcategory="{movie}",
            labels={"film": "{movie}", "view": "timeline"},
        ),
        stages=report(
            movie_file("report/stages.html"),
            caption="../report/stages.rst",
            category="Films",
            subcategory="{movie}",
            labels={"film": "{movie}", "view": "stages"},
        ),
        compliance=report(
            movie_file("report/compliance.html"),
            caption="../report/compliance.rst",
            category="Films",
            subcategory="{movie}",
            labels={"film": "{movie}", "view": "subtitle compliance"},
        ),
    log:
        stage_log("timeline"),
    benchmark:
        stage_benchmark("timeline")
    conda:
        "../envs/timeline.yaml"
    threads: 1
    params:
        speech=speech_segments,  # the segments ASR used: that track is marked
    script:
        "../scripts/timeline.py"


rule library:
    input:
        manifests=existing_manifests,  # rebuilt whenever a film's manifest changes
    output:
        library=report(
            f"{OUT}/library/library.html",
            caption="../report/library.rst",
            category="Library",
            labels={"view": "every film's status"},
        ),
    log:
        f"{OUT}/library/library.log",
    benchmark:
        f"{OUT}/library/library.tsv"
    conda:
        "../envs/timeline.yaml"
    threads: 1
    params:
        films=sorted(FILMS),
    script:
        "../scripts/library.py"


rule reports:
    input:
        report_pieces(existing_only=False),
