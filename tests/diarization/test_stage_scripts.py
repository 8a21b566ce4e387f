"""Stages 4–6 as the workflow runs them (script work() + real manifest): speech, speakers, and none."""

from __future__ import annotations

import pytest

from subflow.errors import StageError
from subflow.io import SAMPLE_RATE, read_json
from tests.diarization.stages import prepare, run_diarization, run_vad
from tests.stage_runner import run_script


def test_dialogue_through_both_stages(tmp_path, dialogue, config):
    samples, lines = dialogue
    movie = tmp_path / "Dialogue_2024"
    prepare(movie, samples, config)
    vad = run_vad(movie, config)
    assert vad["status"] == "success"
    body = read_json(movie / "vad" / "pyannote_segments.json")
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
    speakers = read_json(movie / "diarization" / "speaker_segments.json")
    assert speakers["speaker_count"] == 2 and all(s["start"] < s["end"] for s in speakers["segments"])
    rttm = (movie / "diarization" / "speakers.rttm").read_text().splitlines()
    assert len(rttm) == len(speakers["segments"]) and rttm[0].startswith("SPEAKER Dialogue_2024 1 ")


def test_silence_gives_zero_speakers_and_no_subtitles(tmp_path, silence, config):
    movie = tmp_path / "Silence_2024"
    prepare(movie, silence, config)
    assert run_vad(movie, config)["status"] == "success"
    stage = run_diarization(movie, config)
    assert stage["status"] == "success" and stage["metadata"]["speaker_count"] == 0
    assert read_json(movie / "diarization" / "speaker_segments.json")["segments"] == []
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
    asr = read_json(movie / "manifest.json")["stages"]["asr"]
    assert asr["status"] == "failed" and "no speech found" in asr["error"]["message"]
    assert not (movie / "subtitles" / "subtitles.srt").exists()


def test_unknown_backend_or_option_fails_the_stage_naming_it(tmp_path, dialogue, config):
    samples, _ = dialogue
    movie = tmp_path / "Dialogue_2024"
    prepare(movie, samples[: 5 * SAMPLE_RATE], config)
    run_vad(movie, config)
    with pytest.raises(StageError, match=r"diarization\.backend: unknown backend 'nemo'"):
        run_diarization(movie, config, backend="nemo")
    with pytest.raises(StageError, match="diarization: unknown option"):
        run_diarization(movie, config, num_speaker=2)
    assert read_json(movie / "manifest.json")["stages"]["diarization"]["status"] == "failed"


READ_SAVED_SCORES = """
import json, sys
from subflow.diarization.offline import diarize_offline
from subflow.io import load_wav, read_json
from subflow.options import DiarizationOptions

movie, options = sys.argv[1], DiarizationOptions.from_config(json.loads(sys.argv[2]))
speech = read_json(f"{movie}/vad/pyannote_segments.json")["segments"]
samples, scores = load_wav(f"{movie}/audio/audio.wav"), f"{movie}/vad/segmentation.npz"
turns = diarize_offline(samples, speech, options, scores_path=scores)
print(json.dumps({"turns": turns, "pyannote.audio": sorted(m for m in sys.modules if m.startswith("pyannote.audio"))}))
"""


def test_diarization_reads_pyannote_vads_scores_without_importing_pyannote_audio(tmp_path, dialogue, config, models):
    """pyannote.audio takes seconds and a gigabyte to import: with pyannote_vad's scores, diarization needs none
    of it, and finds the same turns as from scores it computes itself."""
    import json
    import subprocess
    import sys

    from subflow.diarization.offline import diarize_offline
    from subflow.options import DiarizationOptions
    from tests.conftest import ROOT

    samples, _ = dialogue
    movie = tmp_path / "Dialogue_2024"
    prepare(movie, samples, config)
    assert run_vad(movie, config)["status"] == "success"
    argv = [sys.executable, "-c", READ_SAVED_SCORES, str(movie), json.dumps(config["diarization"])]
    result = json.loads(subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, check=True).stdout)
    assert result["pyannote.audio"] == []
    speech = read_json(movie / "vad" / "pyannote_segments.json")["segments"]
    computed = diarize_offline(samples, speech, DiarizationOptions.from_config(config["diarization"]), models=models)
    assert len({t["speaker"] for t in result["turns"]}) == 2
    assert result["turns"] == json.loads(json.dumps(computed))
