"""subflow: film → accurate English subtitles, one Snakemake stage at a time.

Library code shared by the stage scripts in ``scripts/``, the Snakefile and the tests.
Heavy imports (torch, faster-whisper, pyannote) live inside the functions that need them so
that the Snakefile and dry runs stay fast.

Set here, before any stage imports torch, ctranslate2 or numba (a variable already set wins):

* ``OMP_WAIT_POLICY=PASSIVE``: torch and ctranslate2 (both GNU OpenMP) otherwise spin-wait between
  parallel regions; when the cores are shared (two films on ``--cores 2``, other jobs on the
  machine) the spinning threads take the CPU the working ones need: resemblyzer's LSTM ran 4–10×
  slower at load 4 on 2 cores (27 ms vs 4.6 ms a partial), and no slower when the cores are idle.
* ``NUMBA_CACHE_DIR=<project>/.cache/numba``: librosa's numba functions (resemblyzer's mel
  spectrogram) compile once (~25 s on a fresh machine) and later runs load them, even when
  site-packages is read-only (shared or cluster installs).
"""

import os as _os
from pathlib import Path as _Path

_os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
_PROJECT = _Path(__file__).resolve().parents[1]
if (_PROJECT / "pyproject.toml").is_file():  # an editable install (the project's own venv and conda envs)
    _os.environ.setdefault("NUMBA_CACHE_DIR", str(_PROJECT / ".cache" / "numba"))
