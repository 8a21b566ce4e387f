"""Name recall in the final subtitles: TMDB names in the prompt (pre_ner) and corrected after ASR (post_ner).

A generated film ("Inception (2010).mkv": 20 lines, two espeak-ng voices, twelve character names and
trap lines full of words that sound like them: "mall", "aims", "fisher", "miles", "cob") is
subtitled by the real workflow while a local TMDB server (tests/names/tmdb_server.py) serves the
film's cast. Rows of the table:

* subflow with and without the prompt (asr.use_prompt), each with and without post_ner: the SRT of
  the workflow (subtitles read post_ner's corrected transcript) and an SRT made by the same subtitle
  functions from the uncorrected transcript.json;
* the whisperx CLI on the same film with the same (default) model, with and without --initial_prompt
  (pre_ner's prompt).

Recall = reference name words (the script's words that are entity names or aliases) that the SRT
has, spelled and capitalised right, at the aligned position (difflib alignment of normalised words).
"False names" = name words in the SRT that align to a non-name word of the script. "Wrong fixes" =
post_ner corrections whose words align to anything but that same name in the script.

    .venv/bin/python -m bench.name_recall [--out DIR] [--no-whisperx] [--cores 2]
"""

from __future__ import annotations

import argparse
import difflib
import json
import re
import subprocess
import sys
import time
from pathlib import Path

import yaml

from bench.peer import whisperx_command
from bench.synth import make_film
from subflow.io import offline_env, read_json
from subflow.options import SubtitlesOptions
from subflow.subtitles.build import build_subtitles, entity_names
from subflow.subtitles.export import to_srt
from subflow.subtitles.format import SubtitleRules
from tests.names.tmdb_server import TmdbServer

ROOT = Path(__file__).resolve().parents[1]

FILM_NAME = "Inception (2010).mkv"
MOVIE = "Inception_2010"
API_KEY = "bench-key"
SCRIPT: list[tuple[str, str]] = [
    ("en-us", "Cobb, we need to talk about the job."),
    ("en+f3", "Arthur, did you bring the files from Saito?"),
    ("en-us", "Ariadne built the maze for the second level."),
    ("en+f3", "Eames can forge anyone. Even Browning."),
    ("en-us", "Mal is not real, Cobb. She is only a memory."),
    ("en+f3", "Yusuf mixed the sedative for the flight to Los Angeles."),
    ("en-us", "Robert Fischer will inherit the empire of his father."),
    ("en+f3", "Saito wants us to plant an idea in Fischer's mind."),
    ("en-us", "Tell Ariadne that Arthur is waiting in the hotel."),
    ("en+f3", "Professor Miles taught me everything about the dream."),
    ("en-us", "Eames, stop pretending and help Yusuf."),
    ("en+f3", "Dom Cobb is the best extractor in the business."),
    ("en-us", "Mal always said the top would keep spinning."),
    ("en+f3", "We met at the mall near the old station."),
    ("en-us", "He aims to finish the work before dawn."),
    ("en+f3", "The fisher on the pier caught nothing today."),
    ("en-us", "Say the word and we leave tonight."),
    ("en+f3", "They ate corn on the cob by the river."),
    ("en-us", "We drove for miles without a word."),
    ("en+f3", "Malcolm owns a small shop in town."),
]
_TOKEN = re.compile(r"[\w'’]+")


# --- scoring ---------------------------------------------------------------------------------------


def name_words(entities: list[dict]) -> set[str]:
    """Every word of every character/overview entity form ("Dom", "Cobb", "Fischer", ...)."""
    words = set()
    for entity in entities:
        if entity.get("source") in ("character", "overview"):
            for form in [entity["text"], *entity.get("aliases", [])]:
                words.update(form.split())
    return words


def tokens(text: str) -> list[str]:
    """Words with their spelling and case, possessive dropped: "Fischer's" → "Fischer"."""
    return [re.sub(r"(?:'s|’s|'|’)$", "", t) for t in _TOKEN.findall(text)]


def alignment(reference: list[str], hypothesis: list[str]) -> dict[int, int]:
    """Reference index → hypothesis index for words equal after lowercasing (difflib, no junk heuristic)."""
    matcher = difflib.SequenceMatcher(
        None, [w.lower() for w in reference], [w.lower() for w in hypothesis], autojunk=False
    )
    pairs = {}
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            pairs.update({i1 + k: j1 + k for k in range(i2 - i1)})
        elif tag == "replace" and i2 - i1 == j2 - j1:  # substitutions: position known, spelling differs
            pairs.update({i1 + k: j1 + k for k in range(i2 - i1)})
    return pairs


def score_text(reference_text: str, hypothesis_text: str, names: set[str]) -> dict:
    """Recall of the script's name words in a hypothesis, and name words it puts where none was said."""
    reference, hypothesis = tokens(reference_text), tokens(hypothesis_text)
    pairs = alignment(reference, hypothesis)
    expected = [i for i, w in enumerate(reference) if w in names]
    found = [i for i in expected if i in pairs and hypothesis[pairs[i]] == reference[i]]
    missed = [reference[i] for i in expected if i not in found]
    aligned_to = {j: i for i, j in pairs.items()}
    false_names = [
        w for j, w in enumerate(hypothesis) if w in names and (j not in aligned_to or reference[aligned_to[j]] != w)
    ]
    return {
        "names": len(expected),
        "recalled": len(found),
        "recall": round(len(found) / len(expected), 4) if expected else None,
        "missed": missed,
        "false_names": false_names,
    }


def _word_tokens(transcript: dict) -> tuple[list[str], list[dict]]:
    """A transcript's tokens (:func:`tokens` of each word) and the word each token belongs to."""
    hyp, owner = [], []
    for segment in transcript["segments"]:
        for word in segment.get("words") or []:
            for token in tokens(word["word"]):
                hyp.append(token)
                owner.append(word)
    return hyp, owner


def _aligned(reference_text: str, transcript: dict) -> tuple[list[str], list[dict], list[str], dict[int, int]]:
    """The transcript's tokens, their words, the script's tokens, and transcript index → script index."""
    hyp, owner = _word_tokens(transcript)
    reference = tokens(reference_text)
    return hyp, owner, reference, {j: i for i, j in alignment(reference, hyp).items()}


def _tokens_at(owner: list[dict], time: float | None) -> int | None:
    """Index of the first token of the word that starts at ``time`` (a correction's start)."""
    return next((j for j, word in enumerate(owner) if word.get("start") == time), None)


def wrong_corrections(reference_text: str, corrected: dict, corrections: list[dict], names: set[str]) -> list[dict]:
    """post_ner corrections whose words do not align to the same name in the script."""
    hyp, owner, reference, pairs = _aligned(reference_text, corrected)
    wrong = []
    for correction in corrections:
        start = _tokens_at(owner, correction["time"])
        ok = start is not None
        for k, token in enumerate(tokens(correction["after"])):
            j = start + k if start is not None else None
            if j is None or j >= len(hyp) or j not in pairs or reference[pairs[j]] != token or token not in names:
                ok = False
        if not ok:
            wrong.append(correction)
    return wrong


def right_words_changed(reference_text: str, transcript: dict, corrections: list[dict]) -> list[dict]:
    """post_ner corrections that changed words ASR had heard right (issue 15's guard: at most one in the half).

    ``transcript`` is asr's, before post_ner. A correction counts when every word it replaced aligns to the
    same word of the script (case aside) and what it wrote is not the script's spelling there."""
    hyp, owner, reference, pairs = _aligned(reference_text, transcript)
    changed = []
    for correction in corrections:
        start = _tokens_at(owner, correction["time"])
        before, after = tokens(correction["before"]), tokens(correction["after"])
        if start is None or not before:
            continue
        heard = [pairs.get(start + k) for k in range(len(before))]
        if None in heard or any(hyp[start + k].lower() != reference[i].lower() for k, i in enumerate(heard)):
            continue
        if [reference[i] for i in heard] != after:
            changed.append(correction)
    return changed


def srt_text(path: Path) -> str:
    import srt

    return " ".join(e.content.replace("\n", " ") for e in srt.parse(path.read_text(encoding="utf-8")))


# --- running -----------------------------------------------------------------------------------------


def film_in(folder: Path) -> Path:
    """The generated film of :data:`SCRIPT` in ``folder``, made once."""
    film = folder / FILM_NAME
    if not film.exists():
        make_film(film, SCRIPT)
    return film


def run_workflow(input_dir: Path, output_dir: Path, base_url: str, use_prompt: bool, cores: int) -> float:
    """The real workflow with the local TMDB; returns the wall time."""
    override = output_dir.parent / f"{output_dir.name}.config.yaml"
    override.parent.mkdir(parents=True, exist_ok=True)
    override.write_text(
        json.dumps(
            {
                "input_dir": str(input_dir),
                "output_dir": str(output_dir),
                "tmdb": {"base_url": base_url, "timeout_s": 5, "retries": 1},
                "asr": {"use_prompt": use_prompt},
            }
        )
    )
    env = offline_env(TMDB_API_KEY=API_KEY)
    snakemake = str(Path(sys.executable).with_name("snakemake"))
    args = [snakemake, "--cores", str(cores), "--resources", "gpu=1", "--configfile", str(override)]
    started = time.monotonic()
    result = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise SystemExit(f"workflow failed ({result.returncode}):\n{result.stdout[-2000:]}\n{result.stderr[-4000:]}")
    return time.monotonic() - started


def srt_without_post_ner(movie_dir: Path, target: Path) -> Path:
    """The SRT the subtitles stage makes, from the uncorrected transcript.json (same pipeline, same inputs)."""
    config = yaml.safe_load((ROOT / "config.yaml").read_text())
    video = read_json(movie_dir / "audio" / "metadata.json").get("video") or {}
    events, _ = build_subtitles(
        read_json(movie_dir / "transcription" / "transcript.json"),
        read_json(movie_dir / "vad" / "pyannote_segments.json")["segments"],
        SubtitleRules.for_film(SubtitlesOptions.from_config(config["subtitles"]), video.get("fps")),
        read_json(movie_dir / "diarization" / "speaker_segments.json")["segments"],
        entity_names([read_json(movie_dir / "entities" / "pre_ner.json")]),
    )
    target.write_text(to_srt(events), encoding="utf-8")
    return target


def run_whisperx(film: Path, out_dir: Path, prompt: str | None) -> float:
    out_dir.mkdir(parents=True, exist_ok=True)
    args = whisperx_command(film, out_dir)
    if prompt:
        args += ["--initial_prompt", prompt]
    started = time.monotonic()
    result = subprocess.run(args, env=offline_env(), capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise SystemExit(f"whisperx failed ({result.returncode}):\n{result.stderr[-3000:]}")
    return time.monotonic() - started


def measure(out: Path, whisperx: bool = True, cores: int = 2, prompts: tuple[bool, ...] = (True, False)) -> dict:
    """Run everything; return the rows and the details."""
    film = film_in(out / "in")
    reference = " ".join(text for _, text in SCRIPT)
    rows, details = [], {}
    with TmdbServer(API_KEY) as server:
        for use_prompt in prompts:
            output_dir = out / ("out_prompt" if use_prompt else "out_noprompt")
            wall = run_workflow(film.parent, output_dir, server.base_url, use_prompt, cores)
            movie = output_dir / MOVIE
            entities = json.loads((movie / "entities" / "pre_ner.json").read_text())["entities"]
            names = name_words(entities)
            post = json.loads((movie / "entities" / "post_ner.json").read_text())
            corrected = json.loads((movie / "transcription" / "transcript_corrected.json").read_text())
            wrong = wrong_corrections(reference, corrected, post["corrections"], names)
            raw_srt = srt_without_post_ner(movie, out / f"no_post_ner_{'prompt' if use_prompt else 'noprompt'}.srt")
            label = "prompt" if use_prompt else "no prompt"
            rows.append(
                {
                    "system": "subflow",
                    "prompt": use_prompt,
                    "post_ner": False,
                    **score_text(reference, srt_text(raw_srt), names),
                    "wall_s": None,
                }
            )
            rows.append(
                {
                    "system": "subflow",
                    "prompt": use_prompt,
                    "post_ner": True,
                    **score_text(reference, srt_text(movie / "subtitles" / "subtitles.srt"), names),
                    "corrections": len(post["corrections"]),
                    "wrong_corrections": len(wrong),
                    "wall_s": round(wall, 1),
                }
            )
            details[label] = {
                "corrections": post["corrections"],
                "wrong_corrections": wrong,
                "manifest": json.loads((movie / "manifest.json").read_text())["stages"],
            }
        if whisperx:
            prompt = out / "out_prompt" / MOVIE / "initial_prompt.txt"
            prompt_text = prompt.read_text().strip() if prompt.exists() else None
            names = name_words(
                json.loads(
                    (
                        out
                        / ("out_prompt" if prompt.exists() else "out_noprompt")
                        / MOVIE
                        / "entities"
                        / "pre_ner.json"
                    ).read_text()
                )["entities"]
            )
            for use_prompt in (False, True) if prompt_text else (False,):
                target = out / ("whisperx_prompt" if use_prompt else "whisperx_noprompt")
                wall = run_whisperx(film, target, prompt_text if use_prompt else None)
                srt_file = next(target.glob("*.srt"))
                rows.append(
                    {
                        "system": "whisperx CLI",
                        "prompt": use_prompt,
                        "post_ner": False,
                        **score_text(reference, srt_text(srt_file), names),
                        "wall_s": round(wall, 1),
                    }
                )
    return {"rows": rows, "details": details, "film": str(film), "script_lines": len(SCRIPT)}


def table(rows: list[dict]) -> str:
    lines = [
        "| system | prompt | post_ner | name recall | recalled/names | false names | corrections (wrong) | wall s |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        fixes = f"{r['corrections']} ({r['wrong_corrections']})" if "corrections" in r else "–"
        lines.append(
            f"| {r['system']} | {'yes' if r['prompt'] else 'no'} | {'yes' if r['post_ner'] else 'no'} | "
            f"{100 * r['recall']:.1f}% | {r['recalled']}/{r['names']} | "
            f"{len(r['false_names'])} {r['false_names'] or ''} | "
            f"{fixes} | {r['wall_s'] if r['wall_s'] is not None else '–'} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("/tmp/subflow-name-recall"))
    parser.add_argument("--no-whisperx", action="store_true")
    parser.add_argument("--cores", type=int, default=2)
    args = parser.parse_args()
    result = measure(args.out, whisperx=not args.no_whisperx, cores=args.cores)
    (args.out / "name_recall.json").write_text(json.dumps(result, indent=2))
    print(table(result["rows"]))
    for row in result["rows"]:
        if row["missed"]:
            print(f"missed ({row['system']}, prompt={row['prompt']}, post_ner={row['post_ner']}): {row['missed']}")
    print(f"details: {args.out / 'name_recall.json'}")


if __name__ == "__main__":
    main()
