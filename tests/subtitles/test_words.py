"""Transcript words cleaned for the formatter: times filled, silence dropped, loops collapsed, speakers joined."""

from subflow.subtitles.words import (
    Word,
    assign_speakers,
    collapse_repeats,
    drop_words_outside_speech,
    words_from_transcript,
)
from tests.subtitles.timed import timed


def test_words_from_transcript_strip_spaces_fill_missing_times_and_keep_wordless_segments():
    transcript = {
        "segments": [
            {
                "start": 1.0,
                "end": 2.0,
                "text": "Hello there",
                "words": [
                    {"word": " Hello", "start": 1.0, "end": 1.4, "probability": 0.9},
                    {"word": " ", "start": 1.4, "end": 1.4, "probability": 0.1},
                    {"word": " 1,200", "start": None, "end": None, "probability": 0.5},
                    {"word": " there", "start": 1.6, "end": 2.0, "probability": 0.9, "speaker": "SPEAKER_01"},
                ],
            },
            {"start": 3.0, "end": 4.0, "text": " ab cd", "words": []},
        ]
    }
    words = words_from_transcript(transcript)
    assert [w.text for w in words] == ["Hello", "1,200", "there", "ab", "cd"]
    assert (words[1].start, words[1].end) == (1.4, 1.4)
    assert words[2].speaker == "SPEAKER_01"
    assert (words[3].start, words[3].end, words[4].end) == (3.0, 3.5, 4.0)


def test_words_over_silence_are_dropped_and_words_spilling_into_silence_are_cut():
    speech = [{"start": 1.0, "end": 3.0}, {"start": 6.0, "end": 8.0}]
    words = [
        Word("ghost", 4.0, 4.5),  # 1 s from any speech: dropped
        Word("near", 3.2, 3.4),  # within the 0.5 s tolerance: kept as is
        Word("ask", 2.8, 6.9),  # Whisper hung the silence on it: cut to the segment it mostly lies in
        Word("late", 8.4, 8.6),
        Word("gone", 9.0, 9.5),
    ]
    kept, dropped = drop_words_outside_speech(words, speech)
    assert dropped == 2
    assert kept == [Word("near", 3.2, 3.4), Word("ask", 6.0, 6.9), Word("late", 8.4, 8.6)]
    assert drop_words_outside_speech(words, []) == ([], 5)


def test_looping_phrases_collapse_but_a_few_repeated_words_stay():
    words = timed("so Thank you. thank you, Thank you. THANK YOU well hello hello hello")
    kept, loops = collapse_repeats(words)
    assert [w.text for w in kept] == ["so", "Thank", "you.", "well", "hello", "hello", "hello"]
    assert loops == 1
    kept, loops = collapse_repeats(timed("no " * 7 + "yes"))
    assert ([w.text for w in kept], loops) == (["no", "yes"], 1)


def test_speakers_come_from_the_largest_overlap_and_short_runs_follow_the_sentence():
    segments = [
        {"start": 0.0, "end": 1.05, "speaker": "A"},
        {"start": 1.05, "end": 3.0, "speaker": "B"},
        {"start": 10.0, "end": 11.0, "speaker": "A"},
    ]
    words = timed("And I am Sheila from Texas.", start=0.9, step=0.3) + [Word("Far", 20.0, 20.2)]
    assigned = assign_speakers(words, segments)
    # "And" overlaps A most, but is one word of B's sentence; "Far" is in a gap: the nearest segment's
    assert [w.speaker for w in assigned] == ["B"] * 6 + ["A"]
