"""``python -m subflow verify DIR``: the run record checked, and checked against the workflow's Snakemake.
``python -m subflow prepare``: what the stages would otherwise build on their first run (``make setup`` runs it).

Every check of ``python -m manifest_lib verify`` (outputs unchanged, no stale running stage, schema valid), and
for every movie and stage: the manifest counts the stage complete exactly when Snakemake would not run it
again (:mod:`subflow.agreement`). Exit codes: 0 fine, 1 a problem found, 2 invalid arguments.
"""

import argparse
import shlex
import sys
from collections.abc import Sequence
from pathlib import Path

from manifest_lib import EXIT_FAILURE, EXIT_SUCCESS, MANIFEST_NAME, movie_dirs, verify_movie
from subflow.agreement import SnakemakePlanError, check_agreement


def verify(path: Path, snakemake_args: list[str] | None, workflow_dir: Path, stale_after_h: float) -> int:
    dirs = movie_dirs(path)
    if not dirs:
        print(f"no {MANIFEST_NAME} in or under {path}", file=sys.stderr)
        return EXIT_FAILURE
    output_dir = dirs[0].parent if (path / MANIFEST_NAME).exists() else path
    try:
        report = check_agreement(output_dir, snakemake_args, workflow_dir)
    except (SnakemakePlanError, OSError) as exc:
        print(exc, file=sys.stderr)
        return EXIT_FAILURE
    if not report:
        print(
            f"Snakemake plans no job under {output_dir}: give the run's config with --snakemake-args", file=sys.stderr
        )
        return EXIT_FAILURE
    disagreements = {movie.movie_dir.resolve(): movie.lines() for movie in report}
    status = EXIT_SUCCESS
    for movie_dir in dirs:
        problems = verify_movie(movie_dir, stale_after_h * 3600)
        problems += [f"snakemake: {line}" for line in disagreements.get(movie_dir.resolve(), [])]
        print(f"{movie_dir}: " + (f"{len(problems)} problem(s)" if problems else "ok"))
        print("".join(f"  - {problem}\n" for problem in problems), end="")
        status = EXIT_FAILURE if problems else status
    return status


def prepare() -> int:
    """Build once, at setup, what a fresh machine would otherwise build inside a stage: the multilingual
    base joined from its two packages into the cache folder (asr's language detection loads it)."""
    from subflow.errors import StageError
    from subflow.models import packaged_base_path

    try:
        print(f"multilingual base model: {packaged_base_path()}")
    except StageError as exc:
        print(exc, file=sys.stderr)
        return EXIT_FAILURE
    return EXIT_SUCCESS


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m subflow", description="Check subflow's run records; prepare a fresh machine."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    check = commands.add_parser("verify", help="manifest_lib's verify, and agreement with Snakemake's plan")
    check.add_argument("path", metavar="MOVIE_DIR|DIR", type=Path)
    check.add_argument(
        "--snakemake-args",
        metavar="ARGS",
        help="the run's snakemake options, one string split like a shell would (never run by one), e.g."
        " --snakemake-args='--config input_dir=in output_dir=out' (default: --config output_dir=DIR)",
    )
    check.add_argument("--workflow-dir", type=Path, default=Path("."), help="where the Snakefile is (default: .)")
    check.add_argument("--stale-after", type=float, default=6.0, metavar="HOURS", help="as manifest_lib verify")
    commands.add_parser("prepare", help="build the model cache a fresh machine needs, once (make setup runs it)")
    args = parser.parse_args(argv)
    if args.command == "prepare":
        return prepare()
    extra = shlex.split(args.snakemake_args) if args.snakemake_args is not None else None
    return verify(args.path, extra, args.workflow_dir, args.stale_after)


if __name__ == "__main__":
    sys.exit(main())
