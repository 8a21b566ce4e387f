# subflow: a film in, accurate English subtitles and a subtitled video out.
# One rule file per stage (rules/<stage>.smk), included in the order the data flows; options: config.yaml
# (checked against schemas/config.schema.yaml); the run record: subflow/run_record.py.

from snakemake.utils import min_version, validate

min_version("9.0")


configfile: "config.yaml"


validate(config, "schemas/config.schema.yaml")


include: "rules/common.smk"


wildcard_constraints:
    movie="[^/]+",


include: "rules/demux.smk"
include: "rules/tmdb.smk"
include: "rules/pre_ner.smk"
include: "rules/silero_vad.smk"
include: "rules/pyannote_vad.smk"
include: "rules/diarization.smk"
include: "rules/asr.smk"
include: "rules/post_ner.smk"
include: "rules/subtitles.smk"
include: "rules/mux.smk"
include: "rules/report.smk"


rule all:
    default_target: True
    input:
        all_stage_outputs,
        report_pieces(existing_only=True),


onstart:
    RUN_RECORD.start(workflow.dag)


onsuccess:
    RUN_RECORD.finish(True, str(workflow.main_snakefile), workflow.config_settings.overwrite_config)


onerror:
    RUN_RECORD.finish(False, str(workflow.main_snakefile), workflow.config_settings.overwrite_config)
