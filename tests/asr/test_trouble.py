"""The signs of a window the batched pass got wrong, on transcript segments shaped as faster-whisper writes them."""

import pytest

from subflow.asr.trouble import PILED_WORDS, Window, has_loop, signals, unheard, untranscribed_warning, windows_of

WINDOW = Window(0.0, 10.0, ((0.5, 4.5), (5.0, 9.5)))  # 8.5 s of speech


def segment(text: str, start: float = 0.5, end: float = 9.5, probability: float = 0.9) -> dict:
    words = text.split()
    step = (end - start) / max(len(words), 1)
    timed = [
        {"word": f" {w}", "start": start + i * step, "end": start + (i + 1) * step, "probability": probability}
        for i, w in enumerate(words)
    ]
    return {"start": start, "end": end, "text": text, "words": timed}


CLEAN = "I waited at the station for an hour and then the last bus never came so I walked home in the rain"


def test_clean_dialogue_has_no_signal():
    assert signals(WINDOW, [segment(CLEAN)], frozenset({"ysolde", "kestrel"})) == []


@pytest.mark.parametrize(
    ("text", "prompt", "probability", "expected"),
    [
        ("Ysolde Ysolde Ysolde Ysolde Ysolde", {"ysolde"}, 0.9, "repetition: a phrase repeated in a loop"),
        ("Ysolde Kestrel Bay Marchetti", {"ysolde", "kestrel", "bay", "marchetti"}, 0.9, "mostly the prompt's words"),
        (CLEAN, set(), 0.2, "very low log-probability"),
        ("Thanks for watching!", set(), 0.9, "a phrase Whisper writes into music and silence"),
        (" ".join(["word"] * 2 + [f"w{i}" for i in range(60)]), set(), 0.9, "more words per second than anyone speaks"),
        ("Hello there.", set(), 0.9, "far fewer words than the speech holds"),
    ],
)
def test_each_signal(text: str, prompt: set[str], probability: float, expected: str):
    assert expected in signals(WINDOW, [segment(text, probability=probability)], frozenset(prompt))


def test_names_are_an_echo_only_for_a_decode_that_had_them_in_its_prompt():
    names = segment("Ysolde Kestrel Bay Marchetti")
    assert "mostly the prompt's words" not in signals(WINDOW, [names], frozenset())


def test_speech_segments_without_words_are_found():
    words_in_first = segment(CLEAN, start=0.5, end=4.5)
    assert unheard(WINDOW, [words_in_first]) == [(5.0, 9.5)]
    assert "speech with no word" in signals(WINDOW, [words_in_first], frozenset())
    assert unheard(Window(0.0, 10.0, ((5.0, 5.6),)), []) == []  # shorter than a second: a cough, a breath


def test_loops_need_three_repeats():
    assert has_loop("we go we go we go".split()) and not has_loop("we go we go home".split())


def test_windows_take_the_speech_segments_whose_middle_they_hold():
    windows = windows_of([{"start": 0.0, "end": 10.0}, {"start": 10.0, "end": 30.0}], [{"start": 8.0, "end": 11.0}])
    assert [w.speech for w in windows] == [((8.0, 10.0),), ()]  # clipped to the window that holds its middle


def test_the_warning_names_the_lost_speech():
    text = untranscribed_warning([{"start": 12.0, "end": 14.5}, {"start": 30.0, "end": 31.0}])
    assert text == "2 speech segment(s) untranscribed (3.5 s) after every try: 12.0–14.5 s, 30.0–31.0 s"


def test_words_piled_at_one_instant_are_trouble():
    """The language films' dev half: an Italian line decoded in English as the line before it, twice over,
    its words all at 25.44 s."""
    heard = segment("La Sera Ibi El", start=23.2, end=25.4)
    piled = [{"word": " think", "start": 25.44, "end": 25.44, "probability": 0.99} for _ in range(PILED_WORDS)]
    window = Window(17.9, 28.3, ((17.9, 22.6), (23.1, 28.2)))
    assert "words said in no time" in signals(window, [{**heard, "words": heard["words"] + piled}], frozenset())
    few = heard["words"] + piled[: PILED_WORDS - 1] + heard["words"][:1]
    assert "words said in no time" not in signals(window, [{**heard, "words": few}], frozenset())
