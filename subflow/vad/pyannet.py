"""pyannote's PyanNet segmentation model in plain torch, so that its stages need no pyannote.audio.

Importing pyannote.audio costs seconds and over a gigabyte of memory (lightning, torchmetrics) in every job
that does it. PyanNet is SincNet (asteroid's learnable sinc filters), a bidirectional LSTM and linear layers:
the same modules under the same names take the checkpoint's weights as they are. The checkpoint, a
lightning pickle that names pyannote classes, is read with those classes stubbed, so nothing of pyannote
is imported or run. Other architectures and powerset models are left to pyannote.audio
(:func:`subflow.models.load_segmentation_model`). tests/vad/test_pyannet.py checks the scores against it.
"""

import pickle
import types
from dataclasses import dataclass
from pathlib import Path
from typing import Any

STUBBED = ("pyannote", "pytorch_lightning", "lightning")
MULTI_LABEL, FRAME = 2, 1  # pyannote.audio.core.task.Problem and Resolution values
KERNELS, STRIDES = (251, 3, 5, 3, 5, 3), (1, 3, 1, 3, 1, 3)  # SincNet's convolutions and poolings


class _Stub:
    """Stands for a pickled pyannote or lightning object: keeps its arguments and state, runs nothing."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.args, self.kwargs = args, kwargs

    def __setstate__(self, state: Any) -> None:
        if isinstance(state, tuple) and len(state) == 2:  # (dict, slots)
            state = state[0] or state[1]
        if isinstance(state, dict):
            self.__dict__.update(state)


class _StubbingUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if module.split(".")[0] in STUBBED:
            return type(name, (_Stub,), {})
        return super().find_class(module, name)


_STUBBING = types.SimpleNamespace(Unpickler=_StubbingUnpickler, load=pickle.load, __name__="subflow_stubbing_pickle")


@dataclass(frozen=True)
class Specifications:
    """What pyannote's task specifications say that the stages use: the window, its warm-up, the classes."""

    duration: float
    warm_up: tuple[float, float]
    classes: tuple[str, ...]
    powerset: bool = False


def read_checkpoint(path: str | Path) -> dict:
    """A pyannote checkpoint's contents, pyannote and lightning objects stubbed (see the module docstring)."""
    import torch

    return torch.load(str(path), map_location="cpu", pickle_module=_STUBBING, weights_only=False)


def _value(stub: Any) -> Any:
    return stub.args[0] if getattr(stub, "args", None) else None


def pyannet_specifications(checkpoint: dict) -> Specifications | None:
    """The specifications of a multi-label, frame-level PyanNet checkpoint; None for any other model."""
    about = checkpoint.get("pyannote.audio", {})
    specs = about.get("specifications")
    if about.get("architecture", {}).get("class") != "PyanNet" or specs is None:
        return None
    fields = vars(specs)
    if _value(fields.get("problem")) != MULTI_LABEL or _value(fields.get("resolution")) != FRAME:
        return None
    if fields.get("powerset_max_classes") is not None:
        return None
    return Specifications(float(fields["duration"]), tuple(fields["warm_up"]), tuple(fields["classes"]))


def receptive_field_samples(stride: int) -> tuple[int, int]:
    """(size, step) in samples of SincNet's output frames with this first stride; with no padding, frame 0
    starts at sample 0."""
    strides = (stride,) + STRIDES[1:]
    size = 1
    for kernel, step in reversed(list(zip(KERNELS, strides))):
        size = (size - 1) * step + kernel
    hop = 1
    for step in strides:
        hop *= step
    return size, hop


def build_pyannet(hparams: dict, specs: Specifications) -> Any:
    """The torch module (weights not loaded) for a PyanNet's hyper-parameters."""
    import torch
    import torch.nn.functional as F
    from asteroid_filterbanks import Encoder, ParamSincFB
    from pyannote.core import SlidingWindow
    from torch import nn

    sample_rate = int(hparams.get("sample_rate", 16000))
    stride = int(hparams.get("sincnet", {}).get("stride", 10))
    lstm = {"hidden_size": 128, "num_layers": 2, "bidirectional": True, "monolithic": True, **hparams.get("lstm", {})}
    linear = {"hidden_size": 128, "num_layers": 2, **hparams.get("linear", {})}
    if sample_rate != 16000 or not lstm["monolithic"]:
        raise ValueError("only 16 kHz PyanNets with one (monolithic) LSTM")

    class SincNet(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.wav_norm1d = nn.InstanceNorm1d(1, affine=True)
            sinc = ParamSincFB(80, 251, stride=stride, sample_rate=sample_rate, min_low_hz=50, min_band_hz=50)
            self.conv1d = nn.ModuleList([Encoder(sinc), nn.Conv1d(80, 60, 5), nn.Conv1d(60, 60, 5)])
            self.pool1d = nn.ModuleList([nn.MaxPool1d(3, stride=3) for _ in range(3)])
            self.norm1d = nn.ModuleList([nn.InstanceNorm1d(n, affine=True) for n in (80, 60, 60)])

        def forward(self, waveforms: torch.Tensor) -> torch.Tensor:
            outputs = self.wav_norm1d(waveforms)
            for c, (conv1d, pool1d, norm1d) in enumerate(zip(self.conv1d, self.pool1d, self.norm1d)):
                outputs = conv1d(outputs)
                if c == 0:
                    outputs = torch.abs(outputs)
                outputs = F.leaky_relu(norm1d(pool1d(outputs)))
            return outputs

    class PyanNet(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.specifications = specs
            size, hop = receptive_field_samples(stride)
            self.receptive_field = SlidingWindow(start=0.0, duration=size / sample_rate, step=hop / sample_rate)
            self.sincnet = SincNet()
            options = {k: lstm[k] for k in ("hidden_size", "num_layers", "bidirectional", "dropout") if k in lstm}
            self.lstm = nn.LSTM(60, batch_first=True, **options)
            width = lstm["hidden_size"] * (2 if lstm["bidirectional"] else 1)
            sizes = [width] + [linear["hidden_size"]] * linear["num_layers"]
            self.linear = nn.ModuleList([nn.Linear(a, b) for a, b in zip(sizes, sizes[1:])])
            self.classifier = nn.Linear(sizes[-1], len(specs.classes))

        def forward(self, waveforms: torch.Tensor) -> torch.Tensor:
            outputs, _ = self.lstm(self.sincnet(waveforms).transpose(1, 2))
            for layer in self.linear:
                outputs = F.leaky_relu(layer(outputs))
            return torch.sigmoid(self.classifier(outputs))

    return PyanNet()


def load_pyannet(path: str | Path) -> Any | None:
    """The checkpoint as a plain-torch PyanNet in eval mode, or None when it is not one this module runs."""
    checkpoint = read_checkpoint(path)
    specs = pyannet_specifications(checkpoint)
    if specs is None:
        return None
    try:
        model = build_pyannet(dict(checkpoint.get("hyper_parameters", {})), specs)
        model.load_state_dict(checkpoint["state_dict"])
    except (ValueError, KeyError, RuntimeError):  # another layout of PyanNet: pyannote.audio's own class
        return None
    return model.eval()
