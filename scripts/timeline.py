"""Report rule ``timeline``: a film's timeline picture, its stage table and its subtitle compliance summary.

Not a pipeline stage (rules/report.smk): it reads the manifest and never writes it.
"""

from pathlib import Path

from subflow.report.view import film_views, run_view


def main(snakemake) -> None:
    movie_dir = Path(snakemake.config["output_dir"]) / snakemake.wildcards.movie
    speech = snakemake.params.speech
    run_view("timeline", lambda log: film_views(movie_dir, snakemake.input, speech, snakemake.output, log), snakemake)


if __name__ == "__main__":
    main(snakemake)
