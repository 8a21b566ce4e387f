"""pyannote segmentation for stage 5: model resolution that never hangs, speech on real audio, saved scores."""

from __future__ import annotations

import numpy as np

from subflow.io import SAMPLE_RATE
from subflow.models import packaged_segmentation_path
from subflow.options import PyannoteVadOptions
from subflow.vad.segmentation import load_scores, pyannote_speech, save_scores
from tests.conftest import realdata


def test_pyannote_finds_jfk_speech_and_not_silence(models, config, silence):
    import soundfile

    samples, _ = soundfile.read(str(realdata("jfk", "jfk_whispercpp.wav")), dtype="float32")
    options = PyannoteVadOptions.from_config(config["pyannote_vad"])
    speech, scores = pyannote_speech(samples, models["segmentation"], options)
    assert scores is not None
    total = sum(s["end"] - s["start"] for s in speech)
    assert 7.0 < total < 10.5  # 11 s clip, about 8.5 s of speech
    assert all(0 <= s["start"] < s["end"] <= 11.0 for s in speech)
    assert pyannote_speech(silence, models["segmentation"], options)[0] == []


def test_the_step_option_sets_the_window_step_and_diarization_reuses_it_by_default(models, config):
    import dataclasses

    import soundfile

    samples, _ = soundfile.read(str(realdata("jfk", "jfk_whispercpp.wav")), dtype="float32")
    options = PyannoteVadOptions.from_config(config["pyannote_vad"])
    assert options.step == config["diarization"]["segmentation_step"]  # else diarization runs the model again
    coarse = dataclasses.replace(options, step=0.5)
    speech, scores = pyannote_speech(samples, models["segmentation"], coarse)
    window = scores.sliding_window
    assert window.step == 0.5 * window.duration
    whole = int((samples.size / SAMPLE_RATE - window.duration) // window.step) + 1
    assert len(scores.data) in (whole, whole + 1)  # whole windows, then the rest padded to one
    assert 7.0 < sum(s["end"] - s["start"] for s in speech) < 10.5


def test_window_scores_are_saved_for_diarization_and_reloaded_only_when_they_match(models, config, tmp_path):
    import soundfile

    samples, _ = soundfile.read(str(realdata("jfk", "jfk_whispercpp.wav")), dtype="float32")
    options = PyannoteVadOptions.from_config(config["pyannote_vad"])
    _, scores = pyannote_speech(samples, models["segmentation"], options)
    checkpoint = str(packaged_segmentation_path())
    path = tmp_path / "segmentation.npz"
    frames = models["segmentation"].receptive_field
    save_scores(path, scores, frames, checkpoint, samples.size)
    step = scores.sliding_window.step / scores.sliding_window.duration
    again, again_frames = load_scores(path, checkpoint, samples.size, step)
    assert np.allclose(again.data, scores.data)
    assert (again.sliding_window.start, again.sliding_window.duration, again.sliding_window.step) == (
        scores.sliding_window.start,
        scores.sliding_window.duration,
        scores.sliding_window.step,
    )
    assert (again_frames.start, again_frames.duration, again_frames.step) == (
        frames.start,
        frames.duration,
        frames.step,
    )
    assert load_scores(path, "other.bin", samples.size, step) is None
    assert load_scores(path, checkpoint, samples.size + 1, step) is None
    assert load_scores(path, checkpoint, samples.size, step / 2) is None


def test_audio_too_short_for_a_window_has_no_speech_and_an_empty_scores_file(models, config, tmp_path):
    options = PyannoteVadOptions.from_config(config["pyannote_vad"])
    tiny = np.zeros(SAMPLE_RATE // 10, dtype=np.float32)
    assert pyannote_speech(tiny, models["segmentation"], options) == ([], None)
    path = tmp_path / "segmentation.npz"
    save_scores(path, None, models["segmentation"].receptive_field, str(packaged_segmentation_path()), tiny.size)
    assert path.read_bytes() == b""
    assert load_scores(path, str(packaged_segmentation_path()), tiny.size, 0.1) is None


def test_both_vads_report_progress_up_to_the_whole_audio(models, config, monkeypatch):
    import soundfile

    import subflow.progress
    from subflow.options import SileroVadOptions
    from subflow.vad.silero import detect_speech

    monkeypatch.setattr(subflow.progress, "PROGRESS_EVERY_S", 0.01)
    samples, _ = soundfile.read(str(realdata("jfk", "jfk_whispercpp.wav")), dtype="float32")
    long = np.tile(samples, 6)  # a minute: several of the model's batches
    for detect in (
        lambda report: pyannote_speech(
            long, models["segmentation"], PyannoteVadOptions.from_config(config["pyannote_vad"]), report
        )[0],
        lambda report: detect_speech(long, SileroVadOptions.from_config(config["silero_vad"]), report),
    ):
        calls: list[float] = []
        assert detect(lambda fraction, message, calls=calls: calls.append(fraction)) == detect(None)
        assert calls == sorted(calls) and calls[-1] == 1.0 and len(calls) >= 2
