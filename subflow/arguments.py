"""The stages and films a snakemake command line names, checked before Snakemake builds its DAG.

``--until``, ``--forcerun``, ``--omit-from``, ``--allowed-rules`` and the targets take stage names or files.
A misspelt stage, a movie folder no film maps to, or the other container's final_output would otherwise end
in a Snakemake traceback (exit 1) after the DAG is built; here it is one ``subflow:`` line and exit 2, the
project's code for invalid arguments.
"""

import difflib
import os
import sys
from collections.abc import Callable, Collection, Iterable, Mapping
from pathlib import Path

from manifest_lib import EXIT_USAGE
from subflow.films import Film
from subflow.io import STAGES

OPTIONS = {"until": "--until", "omit_from": "--omit-from", "forcerun": "--forcerun", "allowed_rules": "--allowed-rules"}
LIBRARY = "library"  # rules/report.smk's library page: {output_dir}/library/library.html


def _is_snakemake(program: str) -> bool:
    """Only a snakemake command line is checked (the Snakefile is also parsed by tools with their own argv)."""
    path = Path(program)
    return path.name == "snakemake" or (path.name == "__main__.py" and path.parent.name == "snakemake")


def _suggest(name: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, list(known), n=1)
    return f"; did you mean {close[0]}?" if close else ""


def problem(
    value: str,
    out: str,
    films: Mapping[str, Film],
    rules: Collection[str],
    final_video: Callable[[str], str],
) -> str | None:
    """What is wrong with one stage-or-file argument, or None when Snakemake can make sense of it."""
    if value in rules:
        return None
    path = os.path.normpath(value)
    root = os.path.normpath(out)
    if os.path.isabs(path) != os.path.isabs(root):
        path, root = os.path.abspath(path), os.path.abspath(root)
    if "/" not in value and "." not in value:
        views = ", ".join(sorted(set(rules) - set(STAGES)))
        return f"no such stage{_suggest(value, rules)} (stages: {', '.join(STAGES)}; also: {views})"
    if os.path.commonpath([path, root]) != root or path == root:
        return f"neither a stage nor a file under output_dir {out}"
    movie, _, relative = os.path.relpath(path, root).partition(os.sep)
    if movie == LIBRARY:
        return None
    if movie not in films:
        return f"no film maps to the movie folder {movie} ({len(films)} film(s) known{_suggest(movie, films)})"
    video = os.path.basename(final_video(movie))
    if relative.startswith("final_output.") and relative != video:
        return f"this film's subtitled video is {video} (mux.container)"
    return None


def check_arguments(
    argv: list[str],
    out: str,
    films: Mapping[str, Film],
    view_rules: Collection[str],
    final_video: Callable[[str], str],
) -> None:
    """Exit 2 with one line on stderr when the command line names a stage or a film's file that does not exist."""
    if not _is_snakemake(sys.argv[0]):
        return
    from snakemake.cli import get_argument_parser  # snakemake is running: its parser is already imported

    args, _ = get_argument_parser().parse_known_args(argv)
    rules = {*STAGES, *view_rules, "all"}
    named = [(OPTIONS[key], value) for key in OPTIONS for value in sorted(getattr(args, key) or ())]
    named += [("target", value) for value in sorted(args.targets or ())]
    for option, value in named:
        wrong = problem(value, out, films, rules, final_video)
        if wrong:
            print(f"subflow: {option} {value}: {wrong}", file=sys.stderr)
            raise SystemExit(EXIT_USAGE)
