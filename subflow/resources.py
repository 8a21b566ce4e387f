"""What a stage job asks of the machine: GPU units and threads, from the config and the size of the run.

The Snakefile asks at every start, dry runs included, so nothing here imports torch.
"""

import glob
import os

# Snakemake starts the ready job with the highest priority first: the long chain of a film
# (silero_vad, pyannote_vad, diarization) goes before the short stages that can fill gaps later.
CRITICAL_PATH = 1


def gpu_visible() -> bool:
    """Whether this host shows an NVIDIA GPU to its processes, without importing torch: a /dev/nvidiaN device
    not hidden by CUDA_VISIBLE_DEVICES."""
    if os.environ.get("CUDA_VISIBLE_DEVICES", "unset").strip() in ("", "-1", "none", "NoDevFiles"):
        return False
    return bool(glob.glob("/dev/nvidia[0-9]*"))


def gpu_units(device: str) -> int:
    """The ``gpu`` resource a GPU stage claims: 1 when it will run on a GPU (``device: cuda``, or ``auto``
    with one visible here), else 0, so that on a CPU-only machine ``--resources gpu=1`` does not queue
    asr and diarization behind each other for a GPU nobody uses. The SLURM profile sets it per rule."""
    return int(device == "cuda" or (device == "auto" and gpu_visible()))


def shared_threads(most: int, cores: int | None, films: int = 1) -> int:
    """Threads of a multi-threaded stage: ``most`` in a one-film run, where the film's stages run one after
    another on all the cores (asr decodes one batch per thread, so its long pass no longer leaves a core idle
    beside a short diarization); half the ``cores`` when several films are run, so that jobs of different films
    overlap instead of queueing. ``cores`` None (a cluster job, or no --cores): the rule's own figure.
    Measurements: bench/results/figures.md.
    """
    if cores is None or films < 2:
        return most
    return max(1, min(most, cores // 2))
