"""Exit codes of the design document, and the signal handling that makes Ctrl-C/SIGTERM recordable.

| code | meaning |
|------|---------|
| 0    | success |
| 1    | failure (any exception) |
| 2    | invalid arguments |
| 130  | interrupted (Ctrl-C, SIGINT) |
| 143  | terminated (SIGTERM: Snakemake, SLURM ``scancel`` or a timeout ending the job) |

143 (128 + 15) is what a shell reports for a SIGTERM death, so it is kept distinct from 130; a
SIGTERM is raised as :class:`Terminated`, a ``KeyboardInterrupt`` subclass, so scripts written
like the design document (``except KeyboardInterrupt``) record it as ``failed`` too.
"""

from __future__ import annotations

import signal
import sys
import threading
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any, NoReturn

EXIT_SUCCESS = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130
EXIT_TERMINATED = 143


class Terminated(KeyboardInterrupt):
    """The process got SIGTERM: the scheduler is cancelling the job."""


def exit_code_for(exc: BaseException | None) -> int:
    """The exit code a stage script ends with after ``exc`` (None: it ended cleanly)."""
    if exc is None:
        return EXIT_SUCCESS
    if isinstance(exc, SystemExit):
        if exc.code is None:
            return EXIT_SUCCESS
        return exc.code if isinstance(exc.code, int) else EXIT_FAILURE
    if isinstance(exc, Terminated):
        return EXIT_TERMINATED
    if isinstance(exc, KeyboardInterrupt):
        return EXIT_INTERRUPTED
    return EXIT_FAILURE


def run_main(main: Callable[[], object]) -> NoReturn:
    """Run a stage's ``main()`` and exit with the code of the table above (the shared helper)."""
    try:
        main()
    except SystemExit:
        raise
    except BaseException as exc:  # noqa: BLE001 — every way out maps to one documented code
        if isinstance(exc, KeyboardInterrupt):
            print(f"{type(exc).__name__}: interrupted", file=sys.stderr)
        else:
            traceback.print_exc()
        raise SystemExit(exit_code_for(exc)) from None
    raise SystemExit(EXIT_SUCCESS)


# A signal that arrives while a manifest update holds the lock is held back until the update is on
# disk, so an interrupt never costs the record of the stage it interrupts.
_depth = 0
_pending: int | None = None


def _raise_for(signum: int) -> NoReturn:
    if signum == signal.SIGTERM:
        raise Terminated("terminated by SIGTERM")
    raise KeyboardInterrupt


def _handler(signum: int, frame: FrameType | None) -> None:
    global _pending
    if _depth:
        _pending = signum
        return
    _raise_for(signum)


@contextmanager
def signals_deferred() -> Iterator[None]:
    """Hold back SIGINT/SIGTERM (when our handler is installed) until the block is done."""
    global _depth, _pending
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    _depth += 1
    try:
        yield
    finally:
        _depth -= 1
        if _depth == 0 and _pending is not None:
            signum, _pending = _pending, None
            _raise_for(signum)


def install_handlers() -> dict[int, Any]:
    """Route SIGINT/SIGTERM through :func:`_handler` where they still have Python's defaults.

    Returns the handlers replaced, for :func:`restore_handlers`. A process that set its own
    handlers keeps them; outside the main thread nothing can be installed.
    """
    if threading.current_thread() is not threading.main_thread():
        return {}
    defaults = {signal.SIGINT: signal.default_int_handler, signal.SIGTERM: signal.SIG_DFL}
    replaced: dict[int, Any] = {}
    for signum, default in defaults.items():
        if signal.getsignal(signum) is default:
            replaced[signum] = signal.signal(signum, _handler)
    return replaced


def restore_handlers(replaced: dict[int, Any]) -> None:
    """Put back what :func:`install_handlers` replaced (only the main thread can)."""
    if threading.current_thread() is not threading.main_thread():
        return
    for signum, previous in replaced.items():
        signal.signal(signum, previous)
