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


def shared_threads(most: int, cores: int | None, alone: bool = False, films: int = 1) -> int:
    """Threads of a multi-threaded stage: at most ``most``, and half the ``cores`` when another job can run
    beside it, so a small machine overlaps jobs instead of queueing them. asr and diarization of one film
    always can; demux and pyannote_vad (``alone``) run by themselves in a one-film run and take ``most`` then.
    ``cores`` None (a cluster job, or no --cores): the rule's own figure. Measurements: bench/results/figures.md.
    """
    if cores is None or (alone and films < 2):
        return most
    return max(1, min(most, cores // 2))
