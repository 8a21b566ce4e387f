"""subflow: film → accurate English subtitles, one Snakemake stage at a time.

The computing layer: one folder per stage family (media, vad, diarization, asr, names, subtitles, report)
and the modules every family shares (io, options, models, stage, resources, run_record). The stage scripts in
``scripts/`` adapt Snakemake's job to it; ``manifest_lib`` records the runs and imports nothing from here.
Heavy imports (torch, faster-whisper, pyannote) live inside the functions that need them so
that the Snakefile and dry runs stay fast.

Set here, before any stage imports torch or ctranslate2 (a variable already set wins):

* ``GOMP_SPINCOUNT=10000``: torch and ctranslate2 (both GNU OpenMP) spin-wait 300,000 rounds between
  parallel regions by default, so when the cores are shared (other jobs on the machine) spinning
  threads take the CPU the working ones need; ``OMP_WAIT_POLICY=PASSIVE`` (no spinning) cures that
  but halves pyannote's segmentation speed on idle cores; 10,000 rounds keeps the idle speed and most
  of the passive policy's gain on busy cores (figures: bench/results/figures.md).
"""

import os as _os

_os.environ.setdefault("GOMP_SPINCOUNT", "10000")
