"""Stages 5 and 6 as the workflow runs them (script work() + real manifest), and the pyannote backend."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import numpy as np
import pytest

from subflow.errors import StageError
from tests.diarization.conftest import RATE
from tests.stage_runner import run_script


def read(path: Path):
    return json.loads(Path(path).read_text(encoding="utf-8"))


def prepare(movie: Path, samples: np.ndarray, config: dict) -> None:
    """audio/audio.wav and vad/silero_segments.json, as stages 1 and 4 leave them."""
    import soundfile

    from subflow.io import segments_summary, write_json
    from subflow.vad.silero import detect_speech

    (movie / "audio").mkdir(parents=True)
    soundfile.write(str(movie / "audio" / "audio.wav"), samples, RATE, subtype="PCM_16")
    write_json(
        movie / "audio" / "metadata.json", {"sample_rate": RATE, "duration_seconds": samples.size / RATE, "video": None}
    )
    segments = detect_speech(samples, config["silero_vad"])
    write_json(movie / "vad" / "silero_segments.json", segments_summary(segments, samples.size / RATE, "silero"))


def run_vad(movie: Path, config: dict) -> dict:
    inputs = {"audio": str(movie / "audio" / "audio.wav"), "segments": str(movie / "vad" / "silero_segments.json")}
    outputs = {
        "segments": str(movie / "vad" / "pyannote_segments.json"),
        "scores": str(movie / "vad" / "segmentation.npz"),
    }
    return run_script("pyannote_vad", movie, inputs, outputs, {"options": config["pyannote_vad"], "device": "cpu"})


def run_diarization(movie: Path, config: dict, **section) -> dict:
    inputs = {
        "audio": str(movie / "audio" / "audio.wav"),
        "segments": str(movie / "vad" / "pyannote_segments.json"),
        "scores": [str(movie / "vad" / "segmentation.npz")],  # pyannote_vad's window scores, reused
    }
    outputs = {
        "speakers": str(movie / "diarization" / "speaker_segments.json"),
        "rttm": str(movie / "diarization" / "speakers.rttm"),
    }
    params = {"options": {**config["diarization"], **section}, "device": "cpu"}
    return run_script("diarization", movie, inputs, outputs, params)


def test_dialogue_through_both_stages(tmp_path, dialogue, config):
    samples, lines = dialogue
    movie = tmp_path / "Dialogue_2024"
    prepare(movie, samples, config)
    vad = run_vad(movie, config)
    assert vad["status"] == "success"
    body = read(movie / "vad" / "pyannote_segments.json")
    assert vad["metadata"]["segment_count"] == len(body["segments"]) >= len(lines) - 2
    for line in lines:  # every line's speech lies inside the refined segments
        inside = sum(max(0.0, min(line.end, s["end"]) - max(line.start, s["start"])) for s in body["segments"])
        assert inside >= 0.95 * (line.end - line.start), line.text
    assert {"refined_segments", "speech_percentage"} <= set(vad["metadata"])
    assert body["rule"].startswith("pyannote_led") and 60 < body["speech_percentage"] < 100

    stage = run_diarization(movie, config)
    assert stage["status"] == "success"
    assert stage["metadata"]["speaker_count"] == 2 and stage["metadata"]["backend"] == "offline"
    assert "resemblyzer" in stage["metadata"]["model"]
    speakers = read(movie / "diarization" / "speaker_segments.json")
    assert speakers["speaker_count"] == 2 and all(s["start"] < s["end"] for s in speakers["segments"])
    rttm = (movie / "diarization" / "speakers.rttm").read_text().splitlines()
    assert len(rttm) == len(speakers["segments"]) and rttm[0].startswith("SPEAKER Dialogue_2024 1 ")


def test_silence_gives_zero_speakers_and_no_subtitles(tmp_path, silence, config):
    movie = tmp_path / "Silence_2024"
    prepare(movie, silence, config)
    assert run_vad(movie, config)["status"] == "success"
    stage = run_diarization(movie, config)
    assert stage["status"] == "success" and stage["metadata"]["speaker_count"] == 0
    assert read(movie / "diarization" / "speaker_segments.json")["segments"] == []
    assert (movie / "diarization" / "speakers.rttm").read_text() == ""
    # no speech at all: ASR fails with a clear reason (a bad input for a subtitle run), so no subtitle event is made
    inputs = {
        "audio": str(movie / "audio" / "audio.wav"),
        "segments": str(movie / "vad" / "pyannote_segments.json"),
        "prompt": [],
    }
    with pytest.raises(StageError, match="no speech found"):
        run_script(
            "asr",
            movie,
            inputs,
            {"transcript": str(movie / "transcription" / "transcript.json")},
            {"options": config["asr"], "device": "cpu"},
        )
    asr = read(movie / "manifest.json")["stages"]["asr"]
    assert asr["status"] == "failed" and "no speech found" in asr["error"]["message"]
    assert not (movie / "subtitles" / "subtitles.srt").exists()


# --- the pyannote backend -------------------------------------------------------------------------


def make_local_pipeline(folder: Path) -> Path:
    """A pyannote SpeakerDiarization folder that loads with no network: the segmentation model from
    whisperx, an untrained WeSpeaker ResNet34 as embedding, a neutral PLDA. It exercises the whole
    backend code path (load from a local folder, run on an in-memory waveform, convert the output);
    its speaker labels mean nothing."""
    import torch
    import yaml
    from pyannote.audio.core.task import Problem, Resolution, Specifications
    from pyannote.audio.models.embedding import WeSpeakerResNet34

    from subflow.models import packaged_segmentation_path

    for sub in ("segmentation", "embedding", "plda"):
        (folder / sub).mkdir(parents=True)
    shutil.copy(packaged_segmentation_path(), folder / "segmentation" / "pytorch_model.bin")
    torch.manual_seed(0)
    model = WeSpeakerResNet34(sample_rate=RATE, num_channels=1)
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
    prepare(movie, samples[: 12 * RATE], config)
    run_vad(movie, config)
    pipeline = make_local_pipeline(tmp_path / "my-pipeline")
    stage = run_diarization(movie, config, backend="pyannote", pipeline=str(pipeline), max_speakers=2)
    assert stage["status"] == "success" and stage["metadata"]["backend"] == "pyannote"
    assert stage["metadata"]["model"] == str(pipeline)
    body = read(movie / "diarization" / "speaker_segments.json")
    assert body["segments"] and 1 <= body["speaker_count"] <= 2
    assert all(0 <= s["start"] < s["end"] <= 12.0 and s["speaker"].startswith("SPEAKER_") for s in body["segments"])


def test_pyannote_hub_model_not_cached_fails_fast_with_how_to(tmp_path, monkeypatch, dialogue, config):
    from huggingface_hub import constants

    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path / "empty-cache"))
    monkeypatch.delenv("HF_TOKEN", raising=False)
    samples, _ = dialogue
    movie = tmp_path / "Dialogue_2024"
    prepare(movie, samples[: 5 * RATE], config)
    run_vad(movie, config)
    for name in ("pyannote/speaker-diarization-community-1", "pyannote/speaker-diarization-3.1"):
        started = time.monotonic()
        with pytest.raises(StageError) as error:
            run_diarization(movie, config, backend="pyannote", pipeline=name)
        assert time.monotonic() - started < 15
        message = str(error.value)
        assert "diarization.pipeline" in message and "HF_TOKEN" in message and name in message
        assert "local copy" in message and "backend: offline" in message
    manifest = read(movie / "manifest.json")
    assert manifest["stages"]["diarization"]["status"] == "failed"


def test_pyannote_local_path_missing_or_not_a_pipeline(tmp_path, config):
    from subflow.models import load_pyannote_pipeline

    with pytest.raises(StageError, match="does not exist"):
        load_pyannote_pipeline(str(tmp_path / "nowhere"))
    with pytest.raises(StageError, match="no config.yaml"):
        load_pyannote_pipeline(str(tmp_path))
