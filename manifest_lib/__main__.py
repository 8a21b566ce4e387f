"""``python -m manifest_lib``: show, status, verify and is-complete for people and shell scripts.

Exit codes: 0 fine, 1 a problem found (or the stage is not complete), 2 invalid arguments.
None of these commands takes the lock or changes a file (a corrupt manifest is reported, not moved).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from manifest_lib import store
from manifest_lib.document import MANIFEST_NAME
from manifest_lib.errors import ManifestError
from manifest_lib.exits import EXIT_FAILURE, EXIT_SUCCESS, EXIT_USAGE
from manifest_lib.pipeline import movie_dirs, stage_complete
from manifest_lib.report import DEFAULT_STALE_AFTER_S, render_table, status_table, verify_movie


def _show(args: argparse.Namespace) -> int:
    try:
        doc = store.read_view(Path(args.movie_dir) / MANIFEST_NAME, quarantine=False)
    except ManifestError as exc:
        print(exc, file=sys.stderr)
        return EXIT_FAILURE
    if doc is None:
        print(f"no {MANIFEST_NAME} in {args.movie_dir}", file=sys.stderr)
        return EXIT_FAILURE
    if args.stage is not None:
        if args.stage not in doc["stages"]:
            print(f"no stage {args.stage!r} in {args.movie_dir}/{MANIFEST_NAME}", file=sys.stderr)
            return EXIT_FAILURE
        doc = doc["stages"][args.stage]
    print(json.dumps(doc, indent=2, ensure_ascii=False))
    return EXIT_SUCCESS


def _status(args: argparse.Namespace) -> int:
    if not Path(args.dir).is_dir():
        print(f"not a directory: {args.dir}", file=sys.stderr)
        return EXIT_USAGE
    table = status_table(args.dir)
    print(json.dumps(table, indent=2, ensure_ascii=False) if args.json else render_table(table))
    return EXIT_SUCCESS


def _verify(args: argparse.Namespace) -> int:
    dirs = movie_dirs(args.path)
    if not dirs:
        print(f"no {MANIFEST_NAME} in or under {args.path}", file=sys.stderr)
        return EXIT_FAILURE
    failed = 0
    for movie_dir in dirs:
        problems = verify_movie(movie_dir, args.stale_after * 3600)
        if problems:
            failed += 1
            print(f"{movie_dir}: {len(problems)} problem(s)")
            print("\n".join(f"  - {problem}" for problem in problems))
        else:
            print(f"{movie_dir}: ok")
    return EXIT_FAILURE if failed else EXIT_SUCCESS


def _is_complete(args: argparse.Namespace) -> int:
    try:
        doc = store.read_view(Path(args.movie_dir) / MANIFEST_NAME, quarantine=False)
    except ManifestError as exc:
        print(exc, file=sys.stderr)
        return EXIT_FAILURE
    return EXIT_SUCCESS if stage_complete(doc, args.stage) else EXIT_FAILURE


def parser() -> argparse.ArgumentParser:
    main = argparse.ArgumentParser(prog="python -m manifest_lib", description="Read subflow's manifest.json files.")
    commands = main.add_subparsers(dest="command", required=True)
    show = commands.add_parser("show", help="print a movie's manifest (or one stage) as JSON")
    show.add_argument("movie_dir")
    show.add_argument("--stage", help="only this stage's entry")
    show.set_defaults(run=_show)
    status = commands.add_parser("status", help="table of every movie under DIR x every stage")
    status.add_argument("dir")
    status.add_argument("--json", action="store_true", help="the table as JSON")
    status.set_defaults(run=_status)
    verify = commands.add_parser("verify", help="outputs unchanged, no stale running stage, schema valid")
    verify.add_argument("path", metavar="MOVIE_DIR|DIR")
    verify.add_argument(
        "--stale-after",
        type=float,
        default=DEFAULT_STALE_AFTER_S / 3600,
        metavar="HOURS",
        help="a running stage is stale when its pid is gone (this host) or, on another host, when it has had"
        " no update for HOURS (default: %(default)g)",
    )
    verify.set_defaults(run=_verify)
    complete = commands.add_parser("is-complete", help="exit 0 when STAGE ended success or skipped, else 1")
    complete.add_argument("movie_dir")
    complete.add_argument("stage")
    complete.set_defaults(run=_is_complete)
    return main


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    return int(args.run(args))


if __name__ == "__main__":
    sys.exit(main())
