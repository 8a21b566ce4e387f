"""scripts/asr.py on French speech: detected, tiny.en refuses it at once naming the model to choose, base
translates it (and warns that TMDB calls the film English); told the film is English, tiny.en's doubt is a
warning, or with ``asr.strict_language`` a refusal naming the way out."""

from pathlib import Path

import pytest
import soundfile

from bench.synth import synthesize
from subflow.errors import StageError
from subflow.io import SAMPLE_RATE, write_json
from subflow.models import multilingual_detector_path
from subflow.options import AsrOptions
from tests.faults.media import FRENCH_SCRIPT
from tests.stage_runner import run_script

pytestmark = pytest.mark.slow  # tiny.en and base runs


@pytest.fixture(scope="module")
def french(tmp_path_factory) -> Path:
    """A movie folder with French speech as demux and the VAD stages would leave it."""
    movie = tmp_path_factory.mktemp("out") / "Le_Train_2020"
    samples, _ = synthesize(FRENCH_SCRIPT)
    (movie / "audio").mkdir(parents=True)
    soundfile.write(movie / "audio" / "audio.wav", samples, SAMPLE_RATE)
    write_json(
        movie / "vad" / "pyannote_segments.json", {"segments": [{"start": 0.3, "end": samples.size / SAMPLE_RATE}]}
    )
    write_json(movie / "metadata" / "tmdb_data.json", {"status": "found", "original_language": "en"})
    return movie


def run_asr(movie: Path, strict: bool = False, **settings) -> dict:
    inputs = {"audio": str(movie / "audio" / "audio.wav"), "segments": str(movie / "vad" / "pyannote_segments.json")}
    inputs["tmdb"] = str(movie / "metadata" / "tmdb_data.json")
    options = {**AsrOptions().__dict__, "model": "tiny.en", "language": "en", "strict_language": strict, **settings}
    return run_script(
        "asr",
        movie,
        {**inputs, "prompt": []},
        {"transcript": str(movie / "transcription" / "transcript.json")},
        {"options": options, "device": "cpu"},
    )


def test_the_doubt_is_a_warning_and_the_transcript_is_written(french: Path):
    entry = run_asr(french, strict=False)
    assert entry["status"] == "success" and entry["metadata"]["language_check"]["verdict"] == "low_confidence"
    assert entry["warnings"][0].startswith("low confidence: the English-only model tiny.en")
    assert (french / "transcription" / "transcript.json").exists()


def test_strict_language_refuses_the_film_naming_the_way_out(french: Path):
    with pytest.raises(StageError, match="probably not English.*asr.strict_language: false"):
        run_asr(french, strict=True)


@pytest.mark.skipif(multilingual_detector_path() is None, reason="the packaged base is not installed")
def test_detected_french_is_refused_by_tiny_en_and_translated_by_base(french: Path):
    with pytest.raises(StageError, match=r"the speech is French \(fr, probability .* windows\).*set asr.model: base"):
        run_asr(french, language=None)
    entry = run_asr(french, language=None, model="base")
    assert entry["status"] == "success"
    metadata = entry["metadata"]
    assert (metadata["language"], metadata["task"], metadata["translated_from"]) == ("fr", "translate", "fr")
    assert metadata["film_language"]["votes"]["fr"] >= 1 and metadata["language_check"]["verdict"] == "translated"
    assert metadata["tmdb_original_language"] == "en"
    assert any("TMDB gives the film's original language as English (en): a dub" in w for w in entry["warnings"])
