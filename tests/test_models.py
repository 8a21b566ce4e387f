"""Every model resolves within seconds, or fails with the one message that says how to provide it."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from subflow.errors import StageError
from subflow.models import (
    load_pyannote_pipeline,
    packaged_segmentation_path,
    resolve_segmentation_checkpoint,
    resolve_whisper_model,
)

ONE_MESSAGE = "is not in the local Hugging Face cache and subflow never downloads it at run time; set"


def test_default_model_is_the_checkpoint_in_whisperx():
    assert packaged_segmentation_path().is_file()
    assert resolve_segmentation_checkpoint("whisperx") == str(packaged_segmentation_path())


def test_uncached_segmentation_model_fails_fast_naming_token_and_local_path(monkeypatch, tmp_path):
    from huggingface_hub import constants

    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path))  # an empty cache
    started = time.monotonic()
    with pytest.raises(StageError) as error:
        resolve_segmentation_checkpoint("pyannote/segmentation-3.0")
    assert time.monotonic() - started < 10
    message = str(error.value)
    assert "pyannote_vad.model" in message and "HF_TOKEN" in message and "local copy" in message


def test_segmentation_local_paths_are_checked(tmp_path):
    with pytest.raises(StageError, match="no pytorch_model.bin"):
        resolve_segmentation_checkpoint(str(tmp_path))
    with pytest.raises(StageError, match="neither an existing local checkpoint"):
        resolve_segmentation_checkpoint(str(tmp_path / "missing.bin"))


def test_packaged_whisper_model_resolves_to_a_directory():
    assert (Path(resolve_whisper_model("tiny.en", allow_download=False)) / "model.bin").exists()


def test_uncached_whisper_model_fails_fast_with_how_to(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    started = time.monotonic()
    with pytest.raises(StageError, match="large-v3.*local directory"):
        resolve_whisper_model("large-v3", allow_download=False)
    with pytest.raises(StageError, match="cannot be reached"):
        resolve_whisper_model("large-v3", allow_download=True)
    assert time.monotonic() - started < 10


def test_whisper_local_directory_without_model_is_named(tmp_path):
    with pytest.raises(StageError, match="no model.bin"):
        resolve_whisper_model(str(tmp_path), allow_download=False)


def test_pyannote_local_path_missing_or_not_a_pipeline(tmp_path):
    with pytest.raises(StageError, match="does not exist"):
        load_pyannote_pipeline(str(tmp_path / "nowhere"))
    with pytest.raises(StageError, match="no config.yaml"):
        load_pyannote_pipeline(str(tmp_path))


def test_every_model_that_is_not_here_gets_the_same_message(monkeypatch, tmp_path):
    from huggingface_hub import constants

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path))  # an empty cache
    messages = []
    for resolve in (
        lambda: resolve_whisper_model("large-v3", allow_download=False),
        lambda: resolve_segmentation_checkpoint("pyannote/segmentation-3.0"),
        lambda: load_pyannote_pipeline("pyannote/speaker-diarization-3.1"),
    ):
        with pytest.raises(StageError) as error:
            resolve()
        messages.append(str(error.value))
    assert all(ONE_MESSAGE in message and "huggingface-cli download" in message for message in messages), messages


def test_prepare_joins_the_base_model_once_at_setup(tmp_path):
    """``make setup`` runs it, so that no stage pays the join (seconds) on a fresh machine."""
    env = {**os.environ, "SUBFLOW_CACHE": str(tmp_path)}
    first = subprocess.run([sys.executable, "-m", "subflow", "prepare"], env=env, capture_output=True, text=True)
    assert first.returncode == 0, first.stderr
    folder = Path(first.stdout.strip().split(": ", 1)[1])
    assert folder.parent == tmp_path and (folder / "model.bin").stat().st_size > 100_000_000
    started = time.monotonic()
    again = subprocess.run([sys.executable, "-m", "subflow", "prepare"], env=env, capture_output=True, text=True)
    assert again.returncode == 0 and again.stdout == first.stdout
    assert time.monotonic() - started < 5  # already there: nothing joined again
