"""Stage 9 (subtitles): words with timings → subtitle events under the Netflix English rules → SRT."""

from pathlib import Path

from subflow.io import read_json, write_json
from subflow.stage import StageContext, run_stage
from subflow.subtitles.format import (
    SubtitleRules,
    assign_speakers,
    check_events,
    collapse_repeats,
    drop_words_outside_speech,
    format_events,
    to_srt,
    words_from_transcript,
)


def entity_names(paths: list[str]) -> list[str]:
    """Multi-word names from pre_ner, which a line break must never split."""
    names: list[str] = []
    for path in paths:
        for entity in read_json(path).get("entities", []):
            names += [n for n in [entity["text"], *entity.get("aliases", [])] if " " in n]
    return names


def work(ctx: StageContext) -> None:
    inp, out = ctx.snakemake.input, ctx.snakemake.output
    transcript = read_json(inp.transcript)
    video = read_json(inp.audio_metadata).get("video") or {}
    rules = SubtitleRules.from_config(ctx.snakemake.params.rules, video.get("fps"))
    words = words_from_transcript(transcript)
    words, dropped = drop_words_outside_speech(words, read_json(inp.segments)["segments"])
    words, collapsed = collapse_repeats(words)
    for speakers in inp.speakers:  # present once the diarization stage is built
        words = assign_speakers(words, read_json(speakers)["segments"])
    events = format_events(words, rules, entity_names(list(inp.entities)))
    report = check_events(events, rules)
    report.update(dropped_words=dropped, collapsed_repeats=collapsed, fps=rules.fps)
    Path(out.srt).parent.mkdir(parents=True, exist_ok=True)
    Path(out.srt).write_text(to_srt(events), encoding="utf-8")
    write_json(Path(out.report), report)
    ctx.manifest.add_output("subtitles", out.srt, "English subtitles")
    ctx.manifest.add_output("report", out.report, "Subtitle rule compliance report")
    ctx.manifest.add_metadata("subtitle_count", len(events))
    ctx.manifest.add_metadata("format", "srt")
    ctx.manifest.add_metadata("compliance", report["compliance"])
    ctx.manifest.add_metadata("violations", report["violations"])
    ctx.manifest.add_metadata("dropped_words", dropped)
    ctx.manifest.add_metadata("collapsed_repeats", collapsed)


if __name__ == "__main__":
    run_stage("subtitles", work, snakemake)
