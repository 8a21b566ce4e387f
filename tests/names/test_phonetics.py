"""The sound code: names Whisper mishears sound the same, and each key starts with its sound class."""

from __future__ import annotations

from subflow.names.phonetics import onset, phonetic_key


def test_phonetic_keys():
    assert phonetic_key("Fischer") == phonetic_key("Fisher") == "FXR"
    assert phonetic_key("Saito") == phonetic_key("Sato") == "ST"
    assert phonetic_key("Mal") == phonetic_key("Mel") == "ML"
    assert phonetic_key("Dom Cobb") == "TMKB"
    assert phonetic_key("Eames") == phonetic_key("aims") == "AMS"


def test_onset_groups_sounds_that_start_alike():
    assert onset(phonetic_key("Eames")) == onset(phonetic_key("Yusuf")) == "A"
    assert onset(phonetic_key("Gary")) == onset(phonetic_key("Cobb")) == "K"
    assert onset(phonetic_key("Dom")) == onset(phonetic_key("Thomas")) == "T"
    assert onset(phonetic_key("Seems")) != onset(phonetic_key("Eames"))
    assert onset("") == ""
