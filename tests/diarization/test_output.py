"""What diarization writes: speaker names in order of appearance, RTTM lines, the speaker_segments.json body."""

from __future__ import annotations

from subflow.diarization.output import name_speakers, speaker_body, to_rttm


def test_names_rttm_and_body():
    turns = name_speakers([{"start": 2.0, "end": 3.0004, "speaker": 7}, {"start": 0.5, "end": 1.0, "speaker": 3}])
    assert turns == [
        {"start": 0.5, "end": 1.0, "speaker": "SPEAKER_00"},
        {"start": 2.0, "end": 3.0, "speaker": "SPEAKER_01"},
    ]
    rttm = to_rttm(turns, "The Night Train (2024)")
    assert rttm.splitlines()[0] == "SPEAKER The_Night_Train__2024_ 1 0.500 0.500 <NA> <NA> SPEAKER_00 <NA> <NA>"
    assert speaker_body(turns, "m", "offline") == {
        "segments": turns,
        "speaker_count": 2,
        "model": "m",
        "backend": "offline",
    }
    assert speaker_body([], "m", "offline")["speaker_count"] == 0 and to_rttm([], "x") == ""
