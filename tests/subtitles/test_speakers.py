"""Words of the transcript get the speaker of the turn they fall in (nearest turn in gaps)."""

from subflow.subtitles.words import Word, assign_speakers

TURNS = [
    {"start": 0.0, "end": 2.0, "speaker": "SPEAKER_00"},
    {"start": 2.5, "end": 5.0, "speaker": "SPEAKER_01"},
    {"start": 4.8, "end": 6.0, "speaker": "SPEAKER_00"},
]


def speakers(words, turns=TURNS):
    return [w.speaker for w in assign_speakers(words, turns)]


def test_word_takes_the_speaker_it_overlaps_most():
    # one sentence each, so the sentence smoothing does not blur the per-word overlap rule
    words = [Word("Hello.", 0.1, 0.5), Word("There.", 1.8, 2.6), Word("Yes.", 4.7, 5.5)]
    # "There.": 0.2 s in SPEAKER_00, 0.1 s in SPEAKER_01; "Yes.": 0.3 s in 01, 0.7 s in 00
    assert speakers(words) == ["SPEAKER_00", "SPEAKER_00", "SPEAKER_00"]


def test_word_in_a_gap_takes_the_nearest_turn():
    words = [Word("Um.", 2.3, 2.4), Word("Late.", 7.0, 7.4), Word("Early.", -1.0, -0.5)]
    assert speakers(words) == ["SPEAKER_01", "SPEAKER_00", "SPEAKER_00"]


def test_no_turns_leaves_words_without_speaker():
    assert speakers([Word("Hello.", 0.1, 0.5)], []) == [None]
    assert speakers([]) == []


def test_zero_length_word_inside_a_turn():
    assert speakers([Word("A.", 3.0, 3.0)]) == ["SPEAKER_01"]


def test_unsorted_turns_and_many_words():
    turns = [{"start": float(i), "end": i + 0.9, "speaker": f"S{i % 3}"} for i in range(2000)][::-1]
    words = [Word("w.", i + 0.2, i + 0.4) for i in range(2000)]
    assert speakers(words, turns) == [f"S{i % 3}" for i in range(2000)]
