"""One short corpus-style film, built for real: its reference agrees with its sound, and it is the same every time.

Three engines, music under the dialogue, a music-only and a silent passage, noise at 15 dB SNR (~20 s of
film: a few seconds of CPU; the corpus itself is built only by the bench).
"""

from __future__ import annotations

import numpy as np
import pytest

from bench.corpus import sound
from bench.corpus.build import PASSAGE_DB, build, decode, lag, render
from bench.corpus.spec import FilmSpec, Passage, Say, Speaker
from subflow.io import SAMPLE_RATE

SHORT = FilmSpec(
    number=901,
    slug="901-probe",
    title="Probe at Kestrel Bay",
    year=2020,
    overview="Captain Oduya and Ysolde Marchetti sail home to Kestrel Bay.",
    container="mkv",
    speakers=(
        Speaker("A", "Captain Oduya", "Ama Lyle", "espeak/en-us"),
        Speaker("B", "Ysolde Marchetti", "Dana Koel", "flite/slt"),
        Speaker("C", "Brannock Ardery", "Ivo Strand", "festival/kal_diphone"),
    ),
    others=(),
    places=("Kestrel Bay",),
    script=(
        Say("A", "Ysolde, the tide is turning. We leave before dark."),
        Say("B", "Captain Oduya, the nets are still wet."),
        Passage("music", 5),
        Say("C", "Brannock Ardery will ring the bell at Kestrel Bay."),
        Passage("silence", 3),
        Say("A", "Then we go home."),
    ),
    music_under_db=16,
    noise_snr_db=15,
)


@pytest.fixture(scope="module")
def film(tmp_path_factory):
    root = tmp_path_factory.mktemp("corpus")
    return build(SHORT, root), render(SHORT)


def seconds(samples: np.ndarray, start: float, end: float) -> np.ndarray:
    return samples[int(start * SAMPLE_RATE) : int(end * SAMPLE_RATE)]


def test_film_is_built_once_and_the_same_every_time(film):
    built, rendered = film
    again = render(SHORT)
    assert np.array_equal(again.mix, rendered.mix) and again.lines == rendered.lines
    assert built.reference["lines"] == rendered.lines and built.reference["passages"] == rendered.passages
    mtime = built.film.stat().st_mtime_ns
    assert build(SHORT, built.film.parent.parent).film.stat().st_mtime_ns == mtime  # cached, not rebuilt
    assert sorted(p.name for p in built.input_dir.iterdir()) == sorted([SHORT.file_name, "reference.json"])


def test_reference_lines_voices_and_passages(film):
    built, _ = film
    ref = built.reference
    assert [line["text"] for line in ref["lines"]] == [item.text for item in SHORT.lines]
    assert len({line["voice"].split("/")[0] for line in ref["lines"]}) == 3
    stretches = sorted([(x["start"], x["end"]) for x in ref["lines"] + ref["passages"]])
    assert all(a[1] < b[0] for a, b in zip(stretches, stretches[1:])), "lines and passages never overlap"
    assert [p["kind"] for p in ref["passages"]] == ["music", "silence"]
    assert [round(p["end"] - p["start"], 3) for p in ref["passages"]] == [5.0, 3.0]
    assert 0 < stretches[0][0] and stretches[-1][1] < ref["duration"]
    assert set(ref["name_words"]) == {"Oduya", "Ysolde", "Marchetti", "Brannock", "Ardery", "Kestrel"}


def test_speech_only_where_the_lines_are(film):
    _, rendered = film
    speech = rendered.stems["speech"]
    inside = np.zeros(speech.size, dtype=bool)
    for line in rendered.lines:
        part = seconds(speech, line["start"], line["end"])
        edge = int(0.03 * SAMPLE_RATE)
        assert np.abs(part[:edge]).max() > 0.01 and np.abs(part[-edge:]).max() > 0.01  # speech starts and ends there
        inside[int((line["start"] - 0.001) * SAMPLE_RATE) : int((line["end"] + 0.001) * SAMPLE_RATE)] = True  # ms
    assert not np.any(speech[~inside]), "no speech outside the reference lines"


def test_levels_are_what_the_script_says(film):
    _, rendered = film
    stems, lines, (music_only, silence) = rendered.stems, rendered.lines, rendered.passages
    speech = sound.rms(np.concatenate([seconds(stems["speech"], x["start"], x["end"]) for x in lines]))
    noise_db = 20 * np.log10(speech / sound.rms(stems["noise"]))
    under_db = 20 * np.log10(speech / sound.rms(seconds(stems["music"], lines[0]["start"], lines[1]["end"])))
    alone_db = 20 * np.log10(
        speech / sound.rms(seconds(stems["music"], music_only["start"] + 1, music_only["end"] - 1))
    )
    assert noise_db == pytest.approx(15, abs=0.2)
    assert under_db == pytest.approx(16, abs=1.0)
    assert alone_db == pytest.approx(PASSAGE_DB, abs=1.0)
    assert sound.rms(seconds(stems["music"], silence["start"] + 0.5, silence["end"] - 0.5)) < 1e-4


def test_film_file_holds_the_reference_sound(film):
    built, rendered = film
    audio = decode(built.film)
    assert audio.size / SAMPLE_RATE == pytest.approx(built.reference["duration"], abs=0.1)
    assert abs(lag(rendered.mix, built.film)) <= 2  # not shifted (the AAC priming is compensated)
    n = min(audio.size, rendered.mix.size)
    assert np.corrcoef(rendered.mix[:n], audio[:n])[0, 1] > 0.95  # the same sound


def test_vad_hears_every_line_and_nothing_in_the_silence(film):
    from subflow.options import SileroVadOptions
    from subflow.vad.silero import detect_speech

    built, _ = film
    segments = detect_speech(decode(built.film), SileroVadOptions())
    for line in built.reference["lines"]:
        assert any(s["start"] < line["end"] and line["start"] < s["end"] for s in segments), line["text"]
    silence = built.reference["passages"][1]
    assert not any(silence["start"] + 0.3 < s["start"] and s["end"] < silence["end"] - 0.3 for s in segments)
