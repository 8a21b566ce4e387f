"""Report rule ``library``: every film's status on one page (the library view of ``manifest_lib status``)."""

from manifest_lib.report import status_table
from subflow.report.timeline import library_html, run_view, write_text


def main(snakemake) -> None:
    def work(logger):
        table = status_table(snakemake.config["output_dir"], expected=list(snakemake.params.films))
        write_text(snakemake.output.library, library_html(table))
        logger.info("library: %d films, %s", table["totals"]["films"], table["totals"]["pipeline"])

    run_view("library", work, snakemake)


if __name__ == "__main__":
    main(snakemake)
