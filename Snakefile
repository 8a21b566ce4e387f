# subflow: a film in, accurate English subtitles and a subtitled video out.
# Stages and their files: rules/*.smk; options: config.yaml (checked against schemas/config.schema.yaml).

from snakemake.utils import min_version, validate

min_version("9.0")


configfile: "config.yaml"


validate(config, "schemas/config.schema.yaml")


include: "rules/common.smk"


wildcard_constraints:
    movie="[^/]+",


include: "rules/media.smk"
include: "rules/vad.smk"
include: "rules/diarization.smk"
include: "rules/names.smk"
include: "rules/asr.smk"
include: "rules/subtitles.smk"
include: "rules/report.smk"


rule all:
    default_target: True
    input:
        all_stage_outputs,
        report_pieces(existing_only=True),


onstart:
    mark_pipelines_started()


onsuccess:
    finalize_pipelines(success=True)


onerror:
    finalize_pipelines(success=False)
