"""ffprobe and ffmpeg, called with argument lists only (a file name never enters a shell string)."""

import shutil
import subprocess
import threading
from collections.abc import Callable
from pathlib import Path

from subflow.errors import StageError


def require_tool(name: str) -> str:
    """Path of ffmpeg/ffprobe, or a clear error saying what to install."""
    path = shutil.which(name)
    if path is None:
        raise StageError(f"{name} not found on PATH; install it (Debian/Ubuntu: apt-get install ffmpeg)")
    return path


def run_tool(
    args: list[str], what: str, writes: Path | None = None, on_line: Callable[[str], None] | None = None
) -> subprocess.CompletedProcess:
    """Run a tool; on failure raise a StageError with its last stderr line.

    ``writes``: the file the tool writes. A full disk is reported as such, naming that file, even
    when the tool exits 0 (ffmpeg does, when only its trailer or the faststart pass fails).
    ``on_line``: called with each stdout line as the tool writes it (ffmpeg ``-progress pipe:1``).
    """
    if on_line is None:
        result = subprocess.run(args, capture_output=True, text=True, errors="replace", check=False)
    else:
        result = _run_streaming(args, on_line)
    if writes is not None and "No space left on device" in result.stderr:
        raise StageError(f"cannot write {writes}: no space left on device ({_free_space(writes.parent)} free)")
    if result.returncode != 0:
        lines = [line for line in result.stderr.strip().splitlines() if line.strip()]
        last = lines[-1] if lines else f"exit code {result.returncode}"
        for name in args[::-1]:  # ffmpeg starts its line with the file name the message already gives
            if last.startswith(f"{name}: ") and name in what:
                last = last[len(name) + 2 :]
                break
        raise StageError(f"{what}: {last}")
    return result


def _run_streaming(args: list[str], on_line: Callable[[str], None]) -> subprocess.CompletedProcess:
    """``subprocess.run`` that hands stdout to ``on_line`` line by line (stderr read by a thread)."""
    with subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, errors="replace") as process:
        stderr: list[str] = []
        reader = threading.Thread(target=lambda: stderr.append(process.stderr.read()), daemon=True)
        reader.start()
        try:
            for line in process.stdout:
                on_line(line.rstrip("\n"))
            process.wait()
        except BaseException:  # Ctrl-C, SIGTERM: no orphaned tool
            process.kill()
            raise
        reader.join()
    return subprocess.CompletedProcess(args, process.returncode, "", "".join(stderr))


def _free_space(folder: Path) -> str:
    try:
        free = shutil.disk_usage(folder).free
    except OSError:
        return "unknown"
    return f"{free / 1e6:.1f} MB" if free >= 1e5 else f"{free / 1e3:.0f} kB"


def remove_partial(path: Path) -> None:
    """Delete a half-written file after a failure, so it neither fills the disk nor passes for output."""
    try:
        path.unlink()
    except FileNotFoundError:
        pass
