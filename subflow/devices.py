"""Which device a model runs on, from the config's ``device`` (auto | cpu | cuda)."""

from subflow.errors import StageError


def resolve_device(setting: str) -> str:
    """``auto`` → ``cuda`` when torch sees a GPU, else ``cpu``; ``cuda`` without a GPU is an error."""
    import torch

    has_cuda = torch.cuda.is_available()
    if setting == "auto":
        return "cuda" if has_cuda else "cpu"
    if setting == "cuda" and not has_cuda:
        raise StageError("device: cuda is configured but torch sees no CUDA GPU; use device: auto or cpu")
    return setting


def resolve_ctranslate2_device(setting: str) -> str:
    """As :func:`resolve_device`, asking CTranslate2 (faster-whisper's engine) instead of torch, so that the
    asr stage never imports torch (a second of start-up: bench/results/figures.md)."""
    if setting == "cpu":
        return "cpu"
    import ctranslate2

    has_cuda = ctranslate2.get_cuda_device_count() > 0
    if setting == "auto":
        return "cuda" if has_cuda else "cpu"
    if setting == "cuda" and not has_cuda:
        raise StageError("device: cuda is configured but CTranslate2 sees no CUDA GPU; use device: auto or cpu")
    return setting


def set_torch_threads(threads: int) -> None:
    """Keep torch to the threads Snakemake gave the job, so --cores means what it says."""
    import torch

    torch.set_num_threads(max(1, threads))
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:  # already set once in this process
        pass
