"""Stage 9 (subtitles): words with timings → subtitle events under the Netflix English rules → SRT (+ VTT, ASS),
and the forced set: the events of the lines spoken in another language (subtitles/forced.srt, empty if none)."""

from subflow.io import atomic_write, read_json, write_json
from subflow.options import SubtitlesOptions
from subflow.stage import StageContext, run_stage
from subflow.subtitles.build import build_subtitles, entity_names, forced_lines
from subflow.subtitles.export import FORMATS, to_srt
from subflow.subtitles.format import SubtitleRules


def work(ctx: StageContext) -> None:
    inp, out = ctx.snakemake.input, ctx.snakemake.output
    video = read_json(inp.audio_metadata).get("video") or {}
    options = SubtitlesOptions.from_config(ctx.snakemake.params.options)
    transcript = read_json(inp.transcript)
    speech, speakers = read_json(inp.segments)["segments"], read_json(inp.speakers)["segments"]
    rules = SubtitleRules.for_film(options, video.get("fps"))
    names = entity_names([read_json(inp.entities)])
    events, report = build_subtitles(transcript, speech, rules, speakers, names)
    forced, _ = build_subtitles(forced_lines(transcript), speech, rules, speakers, names)
    atomic_write(out.forced, to_srt(forced))
    ctx.manifest.add_output("forced", out.forced, "Forced English subtitles (lines in another language)")
    ctx.manifest.add_metadata("forced_count", len(forced))
    for fmt in options.formats:
        atomic_write(getattr(out, fmt), FORMATS[fmt](events))
        ctx.manifest.add_output("subtitles" if fmt == "srt" else fmt, getattr(out, fmt), f"English subtitles ({fmt})")
    write_json(out.report, report)
    ctx.manifest.add_output("report", out.report, "Subtitle rule compliance report")
    ctx.manifest.add_metadata("subtitle_count", len(events))
    ctx.manifest.add_metadata("format", "srt")  # the design document's key; every file made is in "formats"
    ctx.manifest.add_metadata("formats", options.formats)
    ctx.manifest.add_metadata("compliance", report["compliance"])
    ctx.manifest.add_metadata("violations", report["violations"])
    ctx.manifest.add_metadata("dropped_words", report["dropped_words"])
    ctx.manifest.add_metadata("collapsed_repeats", report["collapsed_repeats"])


if __name__ == "__main__":
    run_stage("subtitles", work, snakemake)
