"""``python -m manifest_lib``: show, status, verify and is-complete for people and shell scripts.

``status DIR`` is the library view: a row per movie, a column per stage, durations, the failing stage's
error, totals; ``--json`` for scripts, ``--watch`` refreshes it (running stages show their progress).

Whether the manifests agree with the workflow's Snakemake is the workflow's question, not the library's:
``python -m subflow verify`` runs these checks and that one.

Exit codes: 0 fine, 1 a problem found (or the stage is not complete), 2 invalid arguments.
None of these commands takes the lock or changes a file (a corrupt manifest is reported, not moved).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from manifest_lib import store
from manifest_lib.document import MANIFEST_NAME
from manifest_lib.errors import ManifestError
from manifest_lib.exits import EXIT_FAILURE, EXIT_SUCCESS, EXIT_USAGE
from manifest_lib.pipeline import movie_dirs, stage_complete
from manifest_lib.report import (
    ASCII_SYMBOLS,
    DEFAULT_STALE_AFTER_S,
    render_table,
    status_table,
    symbols_for,
    verify_movie,
)


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


def _status_text(args: argparse.Namespace) -> str:
    table = status_table(args.dir, args.stale_after * 3600)
    if args.json:  # --watch --json: one document a line
        return json.dumps(table, indent=None if args.watch else 2, ensure_ascii=False)
    symbols = ASCII_SYMBOLS if args.ascii else symbols_for(sys.stdout)
    return render_table(table, symbols, shutil.get_terminal_size().columns if sys.stdout.isatty() else None)


def _status(args: argparse.Namespace) -> int:
    if not Path(args.dir).is_dir():
        print(f"not a directory: {args.dir}", file=sys.stderr)
        return EXIT_USAGE
    if args.watch is None:
        try:
            print(_status_text(args))
            sys.stdout.flush()
        except BrokenPipeError:  # `status out/ | head`: the reader has what it wanted
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_SUCCESS
    clear = sys.stdout.isatty() and not args.json
    shown = 0
    try:
        while True:
            text = _status_text(args)
            if not args.json:
                stamp = time.strftime("%H:%M:%S")
                text = f"{args.dir} at {stamp}, every {args.watch:g}s (Ctrl-C to stop)\n{text}\n"
            sys.stdout.write(("\x1b[H\x1b[2J" if clear else "") + text + "\n")
            sys.stdout.flush()
            shown += 1
            if args.count and shown >= args.count:
                break
            time.sleep(args.watch)
    except KeyboardInterrupt:  # Ctrl-C is how one leaves --watch
        pass
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return EXIT_SUCCESS


def _verify(args: argparse.Namespace) -> int:
    dirs = movie_dirs(args.path)
    if not dirs:
        print(f"no {MANIFEST_NAME} in or under {args.path}", file=sys.stderr)
        return EXIT_FAILURE
    return print_problems({movie_dir: verify_movie(movie_dir, args.stale_after * 3600) for movie_dir in dirs})


def print_problems(found: dict[Path, list[str]]) -> int:
    """``MOVIE_DIR: ok`` or its problems, one a line; exit 1 when any movie has one."""
    failed = 0
    for movie_dir, problems in found.items():
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
    status = commands.add_parser(
        "status",
        help="the library view: a row per movie under DIR, a column per stage, durations, errors, totals",
    )
    status.add_argument("dir")
    status.add_argument("--json", action="store_true", help="the table as JSON")
    status.add_argument(
        "--watch",
        nargs="?",
        type=float,
        const=2.0,
        metavar="SECONDS",
        help="refresh every SECONDS (default 2) until Ctrl-C; running stages show their progress",
    )
    status.add_argument("--count", type=int, default=0, metavar="N", help="with --watch: stop after N refreshes")
    status.add_argument("--ascii", action="store_true", help="+ x > s o ? - instead of ✓ ✗ … ↷ ○ ? –")
    status.add_argument(
        "--stale-after",
        type=float,
        default=DEFAULT_STALE_AFTER_S / 3600,
        metavar="HOURS",
        help="a stage running on another host with no update for HOURS shows as stale (default: %(default)g)",
    )
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
