"""Languages: films in six languages and English films with lines in others, the workflow (asr.model base)
against the whisperx CLI with ``--task translate`` and the same model, in one run.

    .venv/bin/python -m bench.languages [--output FILE]

Figures: film language right (the workflow's ``film_language``; whisperx's "Detected language"), the language
of each line of the mixed films (the workflow's ``foreign_lines``), the forced set's precision and recall
(events of subtitles/forced.srt against the lines in another language, by time), and chrF (torchmetrics,
character 6-grams, β = 2) of each SRT's text against hand-written English translations. espeak-ng's voices
make translation poor for everyone: the figures are for side-by-side comparison only.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import shutil
import subprocess
import time
from pathlib import Path

from bench.corpus.build import CACHE
from bench.peer import whisperx_command
from bench.subtitle_metrics import events_from_srt
from bench.synth import make_film
from subflow.io import offline_env, read_json
from subflow.models import packaged_base_path
from subflow.runner import PROJECT_ROOT, run_snakemake

WORK = CACHE.parent / "languages"
RESULTS = PROJECT_ROOT / "bench" / "results"

# (voice, spoken text, English reference); the film's language is the first line's.
FILMS: dict[str, list[tuple[str, str, str]]] = {
    "Der Zug (2020).mkv": [
        (
            "de",
            "Guten Abend. Der Zug nach Berlin fährt um neun Uhr.",
            "Good evening. The train to Berlin leaves at nine.",
        ),
        ("de", "Wir müssen noch die Koffer packen.", "We still have to pack the suitcases."),
        ("de", "Dann sollten wir uns beeilen, der Bahnhof ist weit.", "Then we should hurry, the station is far."),
    ],
    "Le Train (2020).mkv": [
        ("fr", "Bonsoir. Le train pour Paris part à neuf heures.", "Good evening. The train to Paris leaves at nine."),
        ("fr", "Nous devons encore faire les valises.", "We still have to pack the suitcases."),
        ("fr", "Alors dépêchons-nous, la gare est loin.", "Then let us hurry, the station is far."),
    ],
    "El Tren (2020).mkv": [
        (
            "es",
            "Buenas noches. El tren para Madrid sale a las nueve.",
            "Good evening. The train to Madrid leaves at nine.",
        ),
        ("es", "Todavía tenemos que hacer las maletas.", "We still have to pack the suitcases."),
        ("es", "Entonces debemos darnos prisa, la estación está lejos.", "Then we must hurry, the station is far."),
    ],
    "Il Treno (2020).mkv": [
        ("it", "Buona sera. Il treno per Roma parte alle nove.", "Good evening. The train to Rome leaves at nine."),
        ("it", "Dobbiamo ancora fare le valigie.", "We still have to pack the suitcases."),
        ("it", "Allora dobbiamo sbrigarci, la stazione è lontana.", "Then we must hurry, the station is far."),
    ],
    "Pociag (2020).mkv": [
        (
            "pl",
            "Dobry wieczór. Pociąg do Warszawy odjeżdża o dziewiątej.",
            "Good evening. The train to Warsaw leaves at nine.",
        ),
        ("pl", "Wciąż musimy spakować walizki.", "We still have to pack the suitcases."),
        ("pl", "Więc musimy się pospieszyć, dworzec jest daleko.", "So we must hurry, the station is far."),
    ],
    "Juna (2020).mkv": [
        (
            "fi",
            "Hyvää iltaa. Juna Helsinkiin lähtee yhdeksältä.",
            "Good evening. The train to Helsinki leaves at nine.",
        ),
        ("fi", "Meidän täytyy vielä pakata matkalaukut.", "We still have to pack the suitcases."),
        ("fi", "Sitten meidän pitää kiirehtiä, asema on kaukana.", "Then we have to hurry, the station is far."),
    ],
    "Night Crossing (2021).mkv": [
        ("en-us", "Good evening. The train to London leaves at nine, and we still have to pack.", ""),
        ("en+f3", "Then we should hurry, the station is far from here and the roads are wet.", ""),
        (
            "es",
            "Buenas noches. Sus billetes, por favor. El tren sale pronto.",
            "Good evening. Your tickets, please. The train leaves soon.",
        ),
        ("en-us", "I think the conductor wants our tickets. Give him the envelope.", ""),
        (
            "it",
            "Buona sera. I biglietti, per favore. Il treno parte subito.",
            "Good evening. The tickets, please. The train leaves at once.",
        ),
        ("en+f3", "And now the border police. This journey will never end.", ""),
    ],
    "The Ferry (2021).mkv": [
        ("en+f3", "The ferry is late again. The captain says the sea is too rough tonight.", ""),
        (
            "fr",
            "Madame, le bateau ne partira pas avant demain matin.",
            "Madam, the boat will not leave before tomorrow morning.",
        ),
        ("en-us", "Did you understand him? I think we are staying here tonight.", ""),
        (
            "fr",
            "Il y a un hôtel près du port, à cinq minutes à pied.",
            "There is a hotel near the port, five minutes on foot.",
        ),
        ("en+f3", "Then we walk to the hotel and hope it has two rooms.", ""),
    ],
}


def reference(script: list[tuple[str, str, str]], lines) -> list[dict]:
    return [
        {"voice": v, "language": v.split("-")[0].split("+")[0], "start": li.start, "end": li.end, "english": e or t}
        for (v, t, e), li in zip(script, lines)
    ]


def overlaps(a: tuple[float, float], b: tuple[float, float]) -> bool:
    return min(a[1], b[1]) > max(a[0], b[0])


def span(line: dict) -> tuple[float, float]:
    return (line["start"], line["end"])


def srt_text(body: str) -> str:
    return " ".join(e.text.replace("\n", " ") for e in events_from_srt(body)) if body.strip() else ""


def chrf(hypothesis: str, target: str) -> float:
    from torchmetrics.functional.text import chrf_score

    return float(chrf_score([hypothesis], [[target]])) if hypothesis else 0.0


def run_ours(film: Path, out: Path) -> dict:
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    config = out / "config.yaml"
    settings = {"asr": {"model": "base"}, "tmdb": {"enabled": False}}
    config.write_text(json.dumps({"input_dir": str(film.parent), "output_dir": str(out / "out"), **settings}))
    started = time.monotonic()
    result = run_snakemake(["--cores", "2", "--resources", "gpu=1", "--configfile", str(config)])
    movie = next((out / "out").glob("*/manifest.json"), None)
    asr = read_json(movie)["stages"]["asr"].get("metadata", {}) if movie else {}
    folder = movie.parent if movie else out

    def read(name: str) -> str:
        path = folder / "subtitles" / name
        return path.read_text(encoding="utf-8") if path.is_file() else ""

    return {
        "rc": result.returncode,
        "wall_s": round(time.monotonic() - started, 1),
        "language": (asr.get("film_language") or {}).get("language"),
        "foreign_lines": asr.get("foreign_lines", []),
        "srt": read("subtitles.srt"),
        "forced": read("forced.srt"),
    }


def run_peer(film: Path, out: Path) -> dict:
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    command = whisperx_command(film, out, model=str(packaged_base_path()), language=None) + ["--task", "translate"]
    started = time.monotonic()
    result = subprocess.run(command, env=offline_env(TQDM_DISABLE="1"), capture_output=True, text=True, check=False)
    found = re.search(r"Detected language: (\w+)", result.stdout + result.stderr)
    srt = next(out.glob("*.srt"), None)
    return {
        "rc": result.returncode,
        "wall_s": round(time.monotonic() - started, 1),
        "language": found.group(1) if found else None,
        "srt": srt.read_text(encoding="utf-8") if srt else "",
    }


def film_row(name: str, script: list[tuple[str, str, str]]) -> dict:
    folder = WORK / Path(name).stem
    film = folder / "in" / name
    lines = reference(script, make_film(film, [(voice, text) for voice, text, _ in script]))
    ours, peer = run_ours(film, folder / "ours"), run_peer(film, folder / "whisperx")
    english = " ".join(line["english"] for line in lines)
    row = {"film": name, "language": lines[0]["language"], "lines": lines, "ours": ours, "whisperx": peer}
    for system in (ours, peer):
        system["language_right"] = system["language"] == row["language"]
        system["chrf"] = round(chrf(srt_text(system["srt"]), english), 4)
    foreign = [line for line in lines if line["language"] != "en"]
    if row["language"] == "en":
        said = [
            next((f["language"] for f in ours["foreign_lines"] if overlaps((f["start"], f["end"]), span(li))), "en")
            for li in lines
        ]
        ours["line_languages_right"] = sum(s == li["language"] for s, li in zip(said, lines))
        events = events_from_srt(ours["forced"]) if ours["forced"].strip() else []
        hits = [e for e in events if any(overlaps((e.start, e.end), span(f)) for f in foreign)]
        found = [f for f in foreign if any(overlaps((e.start, e.end), span(f)) for e in events)]
        ours["forced_precision"] = len(hits) / len(events) if events else None
        ours["forced_recall"] = len(found) / len(foreign) if foreign else None
    return row


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path)
    args = parser.parse_args(argv)
    rows = []
    for name, script in FILMS.items():
        print(f"languages: {name} …", flush=True)
        rows.append(film_row(name, script))
        o, p = rows[-1]["ours"], rows[-1]["whisperx"]
        print(
            f"  language {o['language']} / {p['language']} (true {rows[-1]['language']}), chrF {o['chrf']} / {p['chrf']}"
        )
    films = [r for r in rows if r["language"] != "en"]
    mixed = [r for r in rows if r["language"] == "en"]
    summary = {
        "film_language_right": {s: sum(r[s]["language_right"] for r in rows) / len(rows) for s in ("ours", "whisperx")},
        "line_language_right": sum(r["ours"]["line_languages_right"] for r in mixed)
        / sum(len(r["lines"]) for r in mixed),
        "forced_precision": [r["ours"]["forced_precision"] for r in mixed],
        "forced_recall": [r["ours"]["forced_recall"] for r in mixed],
        "chrf_mean": {s: sum(r[s]["chrf"] for r in rows) / len(rows) for s in ("ours", "whisperx")},
        "chrf_foreign_films": {s: sum(r[s]["chrf"] for r in films) / len(films) for s in ("ours", "whisperx")},
        "wall_s": {s: sum(r[s]["wall_s"] for r in rows) for s in ("ours", "whisperx")},
    }
    output = args.output or RESULTS / f"languages-{dt.date.today().isoformat()}.json"
    output.write_text(json.dumps({"summary": summary, "films": rows}, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(summary, indent=2))
    print(f"results: {output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
