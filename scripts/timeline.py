"""Report rule ``timeline``: a film's timeline picture, its stage table and its subtitle compliance summary.

Not a pipeline stage (rules/report.smk): it reads the manifest and never writes it.
"""

from pathlib import Path

from subflow.report.timeline import (
    compliance_html,
    draw_timeline,
    film_data,
    read_json_file,
    read_manifest,
    run_view,
    stages_html,
    subtitle_events,
    write_text,
)


def first(files, name):
    """The one file of a named input, or None when the workflow gave none (stage not built or failed)."""
    found = list(getattr(files, name, None) or [])
    return found[0] if found else None


def main(snakemake) -> None:
    inp, out = snakemake.input, snakemake.output
    movie = snakemake.wildcards.movie
    movie_dir = Path(snakemake.config["output_dir"]) / movie

    def work(logger):
        doc, problem = read_manifest(movie_dir)
        found = (doc or {}).get("input") or {}
        title = f"{found['title']} ({found['year']})" if found.get("title") and found.get("year") else movie
        data = film_data(
            movie,
            audio=first(inp, "audio"),
            audio_metadata=first(inp, "audio_metadata"),
            silero=first(inp, "silero"),
            pyannote=first(inp, "pyannote"),
            speakers=first(inp, "speakers"),
            srt_path=first(inp, "srt"),
            compliance=first(inp, "compliance"),
            speech_used=snakemake.params.speech,
        )
        failed = ", ".join(((doc or {}).get("pipeline") or {}).get("failed_stages") or [])
        if failed:  # drawn from what exists: say why the rest is missing
            data.notes.append(f"the run failed at {failed}: later tracks are missing")
        draw_timeline(data, out.timeline, title)
        logger.info(
            "timeline: %.1f s, %d tracks, %s subtitle events", data.duration, len(data.tracks), data.subtitle_count
        )
        write_text(out.stages, stages_html(doc, movie_dir, problem))
        why = (
            f"No subtitles: the run failed at {failed}."
            if failed
            else "No subtitles: the subtitles stage is not built."
        )
        srt_path = first(inp, "srt")
        write_text(
            out.compliance,
            compliance_html(title, read_json_file(first(inp, "compliance")), subtitle_events(srt_path), why),
        )

    run_view("timeline", work, snakemake)


if __name__ == "__main__":
    main(snakemake)
