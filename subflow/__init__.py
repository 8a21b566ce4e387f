"""subflow: film → accurate English subtitles, one Snakemake stage at a time.

The computing layer: one folder per stage family (media, vad, diarization, asr, names, subtitles, report)
and the modules every family shares (io, options, models, stage, resources, run_record). The stage scripts in
``scripts/`` adapt Snakemake's job to it; ``manifest_lib`` records the runs and imports nothing from here.
Heavy imports (torch, faster-whisper, pyannote) live inside the functions that need them so
that the Snakefile and dry runs stay fast.

Set here, before any stage imports torch, ctranslate2 or numba (a variable already set wins):

* ``GOMP_SPINCOUNT=10000``: torch and ctranslate2 (both GNU OpenMP) spin-wait 300,000 rounds between
  parallel regions by default, so when the cores are shared (other jobs on the machine) spinning
  threads take the CPU the working ones need; ``OMP_WAIT_POLICY=PASSIVE`` (no spinning) cures that
  but halves pyannote's segmentation speed on idle cores; 10,000 rounds keeps the idle speed and most
  of the passive policy's gain on busy cores (figures: bench/results/figures.md).
* ``NUMBA_CACHE_DIR=<project>/.cache/numba``: librosa's numba functions (resemblyzer's mel
  spectrogram) compile once (tens of seconds on a fresh machine) and later runs load them, even when
  site-packages is read-only (shared or cluster installs).
"""

import os as _os
from pathlib import Path as _Path

_os.environ.setdefault("GOMP_SPINCOUNT", "10000")
_PROJECT = _Path(__file__).resolve().parents[1]
if (_PROJECT / "pyproject.toml").is_file():  # an editable install (the project's own venv and conda envs)
    _os.environ.setdefault("NUMBA_CACHE_DIR", str(_PROJECT / ".cache" / "numba"))
