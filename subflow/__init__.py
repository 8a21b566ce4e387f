"""subflow: film → accurate English subtitles, one Snakemake stage at a time.

Library code shared by the stage scripts in ``scripts/``, the Snakefile and the tests.
Heavy imports (torch, faster-whisper, pyannote) live inside the functions that need them so
that the Snakefile and dry runs stay fast.

Set here, before any stage imports torch, ctranslate2 or numba (a variable already set wins):

* ``GOMP_SPINCOUNT=10000``: torch and ctranslate2 (both GNU OpenMP) spin-wait 300,000 rounds between
  parallel regions by default, so when the cores are shared (other jobs on the machine) spinning
  threads take the CPU the working ones need; ``OMP_WAIT_POLICY=PASSIVE`` (no spinning) cures that
  but halves pyannote's segmentation speed on idle cores. Measured on 2 cores, 60 s of audio
  (pyannote segmentation / resemblyzer 5×64 partials, seconds): idle 1.22/0.59 default,
  2.6–2.9/0.94–1.10 passive, 1.20–1.68/0.59–0.73 at 10,000; beside 2 busy processes 4.4–41/1.9–2.7
  default, 3.3–4.2/1.5–2.2 passive, 2.6–2.8/1.2–2.6 at 10,000.
* ``NUMBA_CACHE_DIR=<project>/.cache/numba``: librosa's numba functions (resemblyzer's mel
  spectrogram) compile once (~25 s on a fresh machine) and later runs load them, even when
  site-packages is read-only (shared or cluster installs).
"""

import os as _os
from pathlib import Path as _Path

_os.environ.setdefault("GOMP_SPINCOUNT", "10000")
_PROJECT = _Path(__file__).resolve().parents[1]
if (_PROJECT / "pyproject.toml").is_file():  # an editable install (the project's own venv and conda envs)
    _os.environ.setdefault("NUMBA_CACHE_DIR", str(_PROJECT / ".cache" / "numba"))
