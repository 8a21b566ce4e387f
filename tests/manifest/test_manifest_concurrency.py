"""Many writers at once and writers killed at random: nothing lost, nothing torn, ever.

Real processes (fork), real signals; the readers read manifest.json the way jq does, without
the lock.
"""

from __future__ import annotations

import json
import multiprocessing as mp
import os
import random
import signal
import time
from pathlib import Path
from typing import Any

from manifest_lib import StageManifest, load_manifest, schema_errors
from manifest_lib.store import RECORDS_DIR

FORK = mp.get_context("fork")
WRITERS, UPDATES = 16, 200


def _writer(movie_dir: Path, index: int, go: Any) -> None:
    go.wait()
    with StageManifest(f"writer_{index:02d}", movie_dir) as manifest:
        for step in range(UPDATES):
            manifest.add_metadata(f"update_{step:03d}", step)


def _reader(path: Path, stop: Any, results: Any) -> None:
    """Read in a loop: every read must parse; a stage's key count must never go backwards."""
    reads, torn, backwards, invalid, seen = 0, [], [], [], {}
    while not stop.is_set():
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            continue
        try:
            doc = json.loads(data)
        except ValueError as exc:
            torn.append(f"{len(data)} bytes: {exc}")
            continue
        reads += 1
        for stage, entry in doc["stages"].items():
            count = len(entry["metadata"])
            if count < seen.get(stage, 0):
                backwards.append(f"{stage}: {seen[stage]} -> {count}")
            seen[stage] = count
        if reads % 40 == 0:
            invalid += schema_errors(doc)
    results.put({"reads": reads, "torn": torn, "backwards": backwards, "invalid": invalid})


def test_16_writers_200_updates_each_lose_nothing(tmp_path: Path):
    movie_dir = tmp_path / "Movie_2024"
    movie_dir.mkdir()
    go, stop, results = FORK.Event(), FORK.Event(), FORK.Queue()
    reader = FORK.Process(target=_reader, args=(movie_dir / "manifest.json", stop, results))
    writers = [FORK.Process(target=_writer, args=(movie_dir, i, go)) for i in range(WRITERS)]
    reader.start()
    for writer in writers:
        writer.start()
    go.set()
    for writer in writers:
        writer.join(timeout=120)
    stop.set()
    report = results.get(timeout=30)
    reader.join(timeout=10)

    assert [writer.exitcode for writer in writers] == [0] * WRITERS
    doc = load_manifest(movie_dir)
    recorded = {(stage, key) for stage, entry in doc["stages"].items() for key in entry["metadata"]}
    assert len(recorded) == WRITERS * UPDATES == 3200
    assert doc["pipeline"]["completed_stages"] == sorted(
        doc["stages"], key=lambda s: (doc["stages"][s]["completed_at"], s)
    )
    assert len(doc["pipeline"]["completed_stages"]) == WRITERS and doc["pipeline"]["running_stages"] == []
    assert report["reads"] > 20, report["reads"]
    assert report["torn"] == [] and report["backwards"] == [] and report["invalid"] == []


def _busy_writer(movie_dir: Path, stage: str) -> None:
    """Start a stage and record as fast as possible until killed."""
    with StageManifest(stage, movie_dir) as manifest:
        step = 0
        while True:
            manifest.add_metadata(f"key_{step % 20}", step)
            if step % 7 == 0:
                manifest.add_output("log", movie_dir / "log.txt", "a file that comes and goes")
            step += 1


def test_writers_killed_with_sigkill_never_break_the_manifest(tmp_path: Path):
    movie_dir = tmp_path / "Movie_2024"
    rng = random.Random(20241029)
    kills = 0
    for round_ in range(200):
        writer = FORK.Process(target=_busy_writer, args=(movie_dir, f"stage_{round_ % 3}"))
        writer.start()
        time.sleep(rng.uniform(0.0, 0.025))
        os.kill(writer.pid, signal.SIGKILL)
        writer.join()
        kills += writer.exitcode == -signal.SIGKILL
        path = movie_dir / "manifest.json"
        if path.exists():
            doc = json.loads(path.read_bytes())
            assert schema_errors(doc) == [], f"round {round_}: {schema_errors(doc)}"
            assert load_manifest(movie_dir) is not None
    assert kills == 200
    for record in (movie_dir / RECORDS_DIR).glob("*.json"):
        json.loads(record.read_bytes())
    assert not list(movie_dir.glob("manifest.json.corrupt-*"))
    # The lock is free and the next stage of the movie runs normally; killed attempts are history.
    with StageManifest("stage_0", movie_dir) as manifest:
        manifest.add_metadata("after", "the storm")
    entry = load_manifest(movie_dir)["stages"]["stage_0"]
    assert entry["status"] == "success" and entry["attempt"] > 1
    assert {attempt["status"] for attempt in entry["history"]} <= {"failed"}
