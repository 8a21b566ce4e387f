"""How far a long stage is (demux, asr): reported every few seconds, whatever the work is doing.

A stage's work advances in steps it does not control (ffmpeg's progress blocks, Whisper's batches;
model loading and feature extraction come before the first step and can take minutes on a long
film), so the report comes from a background thread that wakes every :data:`PROGRESS_EVERY_S` and
reports the latest position: percent of the audio done, the real-time factor so far (seconds of work
per second of audio; under 1 is faster than playback) and the time elapsed. The stage's callback
writes it to its log and to the manifest (``StageManifest.set_progress``: the ``progress`` field of a
running stage that ``python -m manifest_lib status --watch`` shows).
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from types import TracebackType

ProgressCallback = Callable[[float, str], None]
PROGRESS_EVERY_S = 5.0  # the issue asks for at least every 10 s


def clock_text(seconds: float) -> str:
    """``1:02:03``, ``2:03``: audio positions as a player shows them."""
    seconds = int(max(seconds, 0))
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


class ProgressTicker:
    """``with ProgressTicker(report, total_s) as ticker: ... ticker.update(done_s)``.

    ``report(fraction, message)`` is called from a daemon thread every ``interval`` seconds (default
    :data:`PROGRESS_EVERY_S`), and once
    more at a clean exit (the final figures). ``total_s`` None: the length is unknown, the message
    gives the position only and the fraction stays 0. ``phase`` says what happens before the first
    step (``loading the model``). A report that raises is written to stderr (the stage log) once and
    not retried, so a full disk never kills the work over a progress line.
    """

    def __init__(
        self,
        report: ProgressCallback | None,
        total_s: float | None,
        interval: float | None = None,
        what: str = "audio",
    ) -> None:
        self.report = report
        self.total_s = total_s if total_s and total_s > 0 else None
        self.interval = interval or PROGRESS_EVERY_S
        self.what = what
        self.done_s = 0.0
        self.phase: str | None = None
        self._started = time.monotonic()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._broken = False

    def update(self, done_s: float, phase: str | None = None) -> None:
        """The latest position in seconds of audio (and, optionally, what is happening)."""
        self.done_s = max(self.done_s, float(done_s))
        self.phase = phase

    def fraction(self) -> float:
        return min(1.0, self.done_s / self.total_s) if self.total_s else 0.0

    def message(self) -> str:
        elapsed = time.monotonic() - self._started
        if self.total_s:
            text = (
                f"{100 * self.fraction():.0f}% of {self.what} ({clock_text(self.done_s)} of {clock_text(self.total_s)})"
            )
        else:
            text = f"{clock_text(self.done_s)} of {self.what} done"
        if self.phase:
            text += f", {self.phase}"
        if self.done_s > 0:
            text += f", real-time factor {elapsed / self.done_s:.3f} so far"
        return f"{text}, {elapsed:.0f} s elapsed"

    def emit(self) -> None:
        if self.report is None or self._broken:
            return
        try:
            self.report(self.fraction(), self.message())
        except Exception as exc:  # noqa: BLE001 — progress must never end the work
            self._broken = True
            print(f"progress report failed, no more progress reports: {exc!r}", file=sys.stderr)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.emit()

    def __enter__(self) -> ProgressTicker:
        self._started = time.monotonic()
        if self.report is not None:
            self._thread = threading.Thread(target=self._run, name="progress", daemon=True)
            self._thread.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        if exc is None:  # the work is done: all of the audio
            self.phase = None
            if self.total_s:
                self.done_s = self.total_s
            self.emit()
