"""Report rule ``library``: every film's status on one page (the library view of ``manifest_lib status``)."""

from subflow.report.view import library_view, run_view


def main(snakemake) -> None:
    output_dir, films, target = snakemake.config["output_dir"], list(snakemake.params.films), snakemake.output.library
    run_view("library", lambda log: library_view(output_dir, films, target, log), snakemake)


if __name__ == "__main__":
    main(snakemake)
