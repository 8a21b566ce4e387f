"""The pyannote backend: a pipeline from a local folder, and fast failures for pipelines that are not here."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import numpy as np
import pytest

from subflow.errors import StageError
from subflow.io import SAMPLE_RATE, read_json
from subflow.models import packaged_segmentation_path
from tests.diarization.stages import prepare, run_diarization, run_vad


def make_local_pipeline(folder: Path) -> Path:
    """A pyannote SpeakerDiarization folder that loads with no network: the segmentation model from
    whisperx, an untrained WeSpeaker ResNet34 as embedding, a neutral PLDA. It exercises the whole
    backend code path (load from a local folder, run on an in-memory waveform, convert the output);
    its speaker labels mean nothing."""
    import torch
    import yaml
    from pyannote.audio.core.task import Problem, Resolution, Specifications
    from pyannote.audio.models.embedding import WeSpeakerResNet34

    for sub in ("segmentation", "embedding", "plda"):
        (folder / sub).mkdir(parents=True)
    shutil.copy(packaged_segmentation_path(), folder / "segmentation" / "pytorch_model.bin")
    torch.manual_seed(0)
    model = WeSpeakerResNet34(sample_rate=SAMPLE_RATE, num_channels=1)
    model.specifications = Specifications(problem=Problem.REPRESENTATION, resolution=Resolution.CHUNK, duration=3.0)
    checkpoint = {
        "state_dict": model.state_dict(),
        "hyper_parameters": dict(model.hparams),
        "pytorch-lightning_version": "2.6.6",
    }
    model.on_save_checkpoint(checkpoint)
    torch.save(checkpoint, folder / "embedding" / "pytorch_model.bin")
    dim, lda = 256, 128
    np.savez(folder / "plda" / "xvec_transform.npz", mean1=np.zeros(dim), mean2=np.zeros(lda), lda=np.eye(dim)[:, :lda])
    np.savez(folder / "plda" / "plda.npz", mu=np.zeros(lda), tr=np.eye(lda), psi=np.ones(lda))
    config = {
        "version": "4.0.0",
        "pipeline": {
            "name": "pyannote.audio.pipelines.SpeakerDiarization",
            "params": {
                "segmentation": "$model/segmentation",
                "embedding": "$model/embedding",
                "plda": "$model/plda",
                "clustering": "AgglomerativeClustering",
                "embedding_batch_size": 8,
                "segmentation_batch_size": 8,
            },
        },
        "params": {
            "segmentation": {"threshold": 0.5, "min_duration_off": 0.0},
            "clustering": {"method": "centroid", "min_cluster_size": 2, "threshold": 0.7},
        },
    }
    (folder / "config.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    return folder


def test_pyannote_backend_from_a_local_folder(tmp_path, dialogue, config):
    samples, _ = dialogue
    movie = tmp_path / "Dialogue_2024"
    prepare(movie, samples[: 12 * SAMPLE_RATE], config)
    run_vad(movie, config)
    pipeline = make_local_pipeline(tmp_path / "my-pipeline")
    stage = run_diarization(movie, config, backend="pyannote", pipeline=str(pipeline), max_speakers=2)
    assert stage["status"] == "success" and stage["metadata"]["backend"] == "pyannote"
    assert stage["metadata"]["model"] == str(pipeline)
    body = read_json(movie / "diarization" / "speaker_segments.json")
    assert body["segments"] and 1 <= body["speaker_count"] <= 2
    assert all(0 <= s["start"] < s["end"] <= 12.0 and s["speaker"].startswith("SPEAKER_") for s in body["segments"])


def test_pyannote_hub_model_not_cached_fails_fast_with_how_to(tmp_path, monkeypatch, dialogue, config):
    from huggingface_hub import constants

    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path / "empty-cache"))
    monkeypatch.delenv("HF_TOKEN", raising=False)
    samples, _ = dialogue
    movie = tmp_path / "Dialogue_2024"
    prepare(movie, samples[: 5 * SAMPLE_RATE], config)
    run_vad(movie, config)
    for name in ("pyannote/speaker-diarization-community-1", "pyannote/speaker-diarization-3.1"):
        started = time.monotonic()
        with pytest.raises(StageError) as error:
            run_diarization(movie, config, backend="pyannote", pipeline=name)
        assert time.monotonic() - started < 15
        message = str(error.value)
        assert "diarization.pipeline" in message and "HF_TOKEN" in message and name in message
        assert "local copy" in message and "backend: offline" in message
    manifest = read_json(movie / "manifest.json")
    assert manifest["stages"]["diarization"]["status"] == "failed"
