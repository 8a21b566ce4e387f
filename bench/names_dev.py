"""Tuning names on the dev half: asr, post_ner and subtitles replayed on the outputs of an accuracy run.

    .venv/bin/python -m bench.accuracy --half dev --no-peer      # once: builds the films, runs the workflow
    .venv/bin/python -m bench.names_dev [--no-prompt] [--post-ner '{"min_score": 70}'] [--films 1,5] [--model base]

Each film's audio, speech segments and speaker turns come from bench/.cache/accuracy/<half>/; the
entities and the prompt are built again from the film's TMDB record (:mod:`bench.corpus.tmdb`) with the
code of this checkout, so a change to pre_ner, asr or post_ner (or a ``post_ner`` option) is measured in
a few minutes instead of a whole workflow run per film. Thresholds are tuned on the dev half only; the
test half is measured by :mod:`bench.accuracy`.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from dataclasses import asdict

from bench.accuracy import WORK
from bench.corpus import tmdb
from bench.corpus.build import build
from bench.corpus.score import score_srt
from bench.corpus.spec import FilmSpec, half
from bench.name_recall import wrong_corrections
from subflow.asr.decode import DecodeOptions, transcribe
from subflow.io import load_wav, read_json
from subflow.models import load_spacy, resolve_whisper_model, whisper_tokenizer_file
from subflow.names.entities import build_entities
from subflow.names.fix import fix_names
from subflow.names.lexicon import common_words
from subflow.names.prompt import TokenCounter, build_prompt
from subflow.names.tmdb import FilmQuery, build_tmdb_data
from subflow.options import AsrOptions, PostNerOptions, PreNerOptions, SubtitlesOptions
from subflow.subtitles.build import build_subtitles, entity_names
from subflow.subtitles.export import to_srt
from subflow.subtitles.format import SubtitleRules


def replay(
    spec: FilmSpec, halfname: str, use_prompt: bool, post_ner: PostNerOptions, nlp, lexicon, counter, model: str
) -> dict:
    """One film's asr → post_ner → subtitles on its cached workflow outputs, scored against its reference."""
    movie = WORK / halfname / spec.slug / "ours" / "out" / spec.movie
    speakers = movie / "diarization" / "speaker_segments.json"
    if not speakers.is_file():
        raise SystemExit(f"{movie}: no workflow outputs; run python -m bench.accuracy --half {halfname} first")
    data = build_tmdb_data(tmdb.details(spec), tmdb.credits(spec), FilmQuery(spec.title, spec.year), 100)
    entities = build_entities(data, nlp, lexicon)
    plan = build_prompt(entities, counter, PreNerOptions().prompt_max_tokens, False)
    prompt = plan.text if use_prompt else None
    segments = read_json(movie / "vad" / "pyannote_segments.json")["segments"]
    settings = AsrOptions(model=model, language="en")
    options = DecodeOptions.for_device(settings, resolve_whisper_model(model, False), "cpu", 2, prompt)
    started = time.monotonic()
    body = transcribe(load_wav(movie / "audio" / "audio.wav"), segments, options)
    asr_s = time.monotonic() - started
    redecoding = body.pop("redecoding")
    bodies = [asdict(e) for e in entities]
    corrected, report, _ = fix_names(body, bodies, lexicon, post_ner, lambda: nlp)
    events, _ = build_subtitles(
        corrected,
        segments,
        SubtitleRules.for_film(SubtitlesOptions(), None),
        read_json(speakers)["segments"],
        entity_names([{"entities": bodies}]),
    )
    reference = build(spec).reference
    score = score_srt(reference, to_srt(events))
    script = " ".join(line["text"] for line in reference["lines"])
    wrong = wrong_corrections(script, corrected, report["corrections"], set(reference["name_words"]))
    return {
        "number": spec.number,
        "prompt": prompt,
        **{k: score[k] for k in ("wer", "names", "names_right", "names_missed", "false_names")},
        "redecoded": len(redecoding["redecoded"]),
        "asr_s": round(asr_s, 1),
        "foreign_lines": [(f["language"], f["probability"], f["heard_as_english"]) for f in body["foreign_lines"]],
        "fixes": [(c["before"], c["after"], c["rule"]) for c in report["corrections"]],
        "wrong_fixes": [(c["before"], c["after"]) for c in wrong],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--half", choices=("dev", "test"), default="dev")
    parser.add_argument("--no-prompt", action="store_true", help="decode without pre_ner's prompt")
    parser.add_argument("--post-ner", default="{}", help="post_ner options as JSON")
    parser.add_argument("--films", help="film numbers, comma-separated (default: the whole half)")
    parser.add_argument("--model", default=AsrOptions().model, help="asr.model (base, tiny.en, a local folder)")
    args = parser.parse_args(argv)
    wanted = {int(n) for n in args.films.split(",")} if args.films else None
    tokenizer = whisper_tokenizer_file("tiny.en")
    lexicon, counter, nlp = common_words(tokenizer), TokenCounter(tokenizer), load_spacy()
    post_ner = PostNerOptions.from_config(json.loads(args.post_ner))
    rows = []
    for spec in half(args.half):
        if wanted is None or spec.number in wanted:
            rows.append(replay(spec, args.half, not args.no_prompt, post_ner, nlp, lexicon, counter, args.model))
            r = rows[-1]
            print(
                f"{r['number']:2d} WER {100 * r['wer']:5.1f} %  asr {r['asr_s']} s  names {r['names_right']}/{r['names']}  "
                f"missed {r['names_missed']}  where none was said {r['false_names']}  fixes {r['fixes']}  "
                f"foreign lines {r['foreign_lines']}  wrong fixes {r['wrong_fixes']}",
                flush=True,
            )
    names = sum(r["names"] for r in rows)
    print(
        f"{len(rows)} films: mean WER {100 * statistics.fmean(r['wer'] for r in rows):.2f} %, "
        f"asr {sum(r['asr_s'] for r in rows):.1f} s, names "
        f"{sum(r['names_right'] for r in rows)}/{names}, name words where none was said "
        f"{sum(len(r['false_names']) for r in rows)}, post_ner fixes that made a word wrong "
        f"{sum(len(r['wrong_fixes']) for r in rows)}, lines taken for another language "
        f"{sum(len(r['foreign_lines']) for r in rows)}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
