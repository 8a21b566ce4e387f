"""Ctrl-C and SIGTERM into a real child process running a stage: ``failed`` recorded, 130 / 143."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.manifest.helpers import env, view

STAGE_SCRIPT = """\
import sys, time
from manifest_lib import StageManifest, run_main

def main():
    with StageManifest("asr", sys.argv[1]) as manifest:
        manifest.add_metadata("phase", "decoding")
        print("ready", flush=True)
        time.sleep(60)

run_main(main)
"""

# The design document's Method 1 shape: no helper, the exception leaves main() uncaught.
BARE_SCRIPT = """\
import sys, time
from manifest_lib import StageManifest

def main():
    with StageManifest("asr", sys.argv[1]) as manifest:
        print("ready", flush=True)
        time.sleep(60)

if __name__ == "__main__":
    main()
"""


def _interrupt(tmp_path: Path, script: str, signum: int) -> tuple[int, str, Path]:
    path = tmp_path / "stage.py"
    path.write_text(script)
    movie = tmp_path / "Movie_2024"
    child = subprocess.Popen(
        [sys.executable, str(path), str(movie)], env=env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    assert child.stdout.readline() == "ready\n"
    assert view(movie)["stages"]["asr"]["status"] == "running"
    child.send_signal(signum)
    _, stderr = child.communicate(timeout=20)
    return child.returncode, stderr, movie


def test_ctrl_c_records_failed_and_exits_130(tmp_path: Path):
    code, stderr, movie = _interrupt(tmp_path, STAGE_SCRIPT, signal.SIGINT)
    assert code == 130, stderr
    entry = view(movie)["stages"]["asr"]
    assert entry["status"] == "failed"
    assert entry["error"] == {"message": "interrupted (Ctrl-C)", "type": "KeyboardInterrupt"}
    assert entry["metadata"] == {"phase": "decoding"} and entry["completed_at"] and "progress" not in entry
    assert view(movie)["pipeline"]["failed_stages"] == ["asr"]


def test_sigterm_records_failed_and_exits_143(tmp_path: Path):
    code, stderr, movie = _interrupt(tmp_path, STAGE_SCRIPT, signal.SIGTERM)
    assert code == 143, stderr
    entry = view(movie)["stages"]["asr"]
    assert entry["status"] == "failed"
    assert entry["error"] == {"message": "terminated by SIGTERM", "type": "Terminated"}


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGINT, -signal.SIGINT), (signal.SIGTERM, 1)])
def test_a_script_without_the_helper_still_records_the_interrupt(tmp_path: Path, signum: int, code: int):
    """Without run_main/exit_code_for the record is the same; the exit code is Python's own: an
    uncaught KeyboardInterrupt ends by re-raising SIGINT (the shell shows 130), Terminated exits 1."""
    returncode, _, movie = _interrupt(tmp_path, BARE_SCRIPT, signum)
    assert returncode == code
    assert view(movie)["stages"]["asr"]["status"] == "failed"
