"""On disk: per-stage record files (the truth) merged into manifest.json (the view) under a lock.

    {movie_dir}/.manifest.d/stage.<name>.json   one stage's entry; written only by the process running it
    {movie_dir}/.manifest.d/pipeline.json       created_at, input, pipeline status; changed under the lock
    {movie_dir}/manifest.json                   the document readers and jq see; rebuilt from the records
    {movie_dir}/manifest.json.lock              flock(2) target; never deleted

A record is written to a temp file, fsynced, and renamed over the old one, without the lock (one
writer per stage), so the slow part — fsync — runs in parallel across stages. Publishing then
rebuilds manifest.json from every record under the lock (temp file + ``os.replace``), unless
manifest.json already shows this stage's latest record: under contention one rebuild publishes
many writers' records (a group commit). A rebuild under the lock re-reads every record, so each
published view contains every record written before its lock was taken: no update is lost, and
views only move forward. Readers see the old or the new view, never a torn one, and need no lock.

The view is not fsynced: it is derived, and the next publish rebuilds it from the fsynced records.
Renames are not followed by a directory fsync: after a power cut a record may be its previous
version, never a torn one.
The lock is flock(2): the kernel drops it when its holder dies, even by SIGKILL, and on Linux NFS
clients it is carried by NFS byte-range locks, so it also serialises writers on different SLURM
nodes. ``filelock`` would poll every 50 ms by default, over the whole latency budget; publishing
polls at 0.2-2 ms and stops as soon as another writer's rebuild has published its record.
"""

from __future__ import annotations

import copy
import fcntl
import json
import logging
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from manifest_lib.document import MANIFEST_NAME, assemble, dumps, encode, now_iso, refuse_secrets
from manifest_lib.errors import ManifestCorruptError, ManifestUnreadableError
from manifest_lib.exits import signals_deferred

Document = dict[str, Any]
RECORDS_DIR = ".manifest.d"
PIPELINE_RECORD = "pipeline"
_TMP_MAX_AGE_S = 60.0
_POLL_FIRST_S, _POLL_MAX_S = 0.0002, 0.002
log = logging.getLogger("manifest_lib")

# flock over NFS is a per-process POSIX lock, so threads of one process also need a lock of their own.
_thread_lock = threading.Lock()


def stage_record(stage: str) -> str:
    return f"stage.{stage}"


@contextmanager
def locked(movie_dir: Path, *, wait: bool = True) -> Iterator[bool]:
    """Hold the writers' lock of the manifest in ``movie_dir``; with ``wait=False``, only if free.

    Yields whether the lock is held.
    """
    movie_dir.mkdir(parents=True, exist_ok=True)
    with _thread_lock:
        fd = os.open(movie_dir / f"{MANIFEST_NAME}.lock", os.O_RDWR | os.O_CREAT, 0o666)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                yield False
                return
            yield True
        finally:
            os.close(fd)


def _read_bytes(path: Path | str) -> bytes | None:
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise ManifestUnreadableError(str(path), exc.strerror or str(exc)) from exc


def _parse(data: bytes, *, view: bool) -> Document:
    """The JSON object in ``data``, or ValueError saying why it is not a manifest (record)."""
    try:
        doc = json.loads(data)
    except UnicodeDecodeError as exc:
        raise ValueError(f"not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    except json.JSONDecodeError as exc:
        raise ValueError(f"not valid JSON, {exc} (file is {len(data)} bytes; truncated?)") from exc
    if not isinstance(doc, dict):
        raise ValueError(f"valid JSON but not a manifest (a JSON {type(doc).__name__}, not an object)")
    if view and not (isinstance(doc.get("stages"), dict) and isinstance(doc.get("pipeline"), dict)):
        raise ValueError("valid JSON but not a manifest (no 'stages' and 'pipeline' objects)")
    return doc


def _move_aside(path: Path) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S.%fZ")
    aside = path.with_name(f"{path.name}.corrupt-{stamp}")
    os.replace(path, aside)
    return aside


def _write(path: Path, data: bytes, *, durable: bool) -> None:
    """Replace ``path`` atomically; ``durable``: fsync before the rename (records, not the view)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "wb") as handle:
        handle.write(data)
        if durable:
            handle.flush()
            os.fsync(handle.fileno())
    os.replace(tmp, path)


# -- the view -------------------------------------------------------------------------------


def read_view(path: Path, *, quarantine: bool = True) -> Document | None:
    """manifest.json, or None when absent; lock-free, as jq reads it.

    A corrupt file raises :class:`ManifestCorruptError`. With ``quarantine`` it is first moved
    aside under the lock (after a second read, so a file just replaced is never moved) and the
    view is rebuilt from the records, so the next read works.
    """
    data = _read_bytes(path)
    if data is None:
        return None
    try:
        return _parse(data, view=True)
    except ValueError as exc:
        if not quarantine:
            raise ManifestCorruptError(str(path), str(exc), None) from None
    movie_dir = path.parent
    with locked(movie_dir), signals_deferred():
        data = _read_bytes(path)
        if data is None:
            return None
        try:
            return _parse(data, view=True)
        except ValueError as exc:
            aside = _move_aside(path)
            if (movie_dir / RECORDS_DIR).is_dir():
                _merge(movie_dir, None)
            raise ManifestCorruptError(str(path), str(exc), str(aside)) from None


# -- the records ----------------------------------------------------------------------------


def _record_path(movie_dir: Path, name: str) -> Path:
    return movie_dir / RECORDS_DIR / f"{name}.json"


def write_record(movie_dir: Path, name: str, record: Document) -> str:
    """Write one record durably (temp, fsync, rename) as one line of JSON, and return that line.

    The caller is the record's only writer. The line is exactly what manifest.json will show.
    """
    text = encode(record)
    refuse_secrets(text, f"manifest record {name}")
    path = _record_path(movie_dir, name)
    path.parent.mkdir(parents=True, exist_ok=True)
    with signals_deferred():
        _write(path, (text + "\n").encode("utf-8"), durable=True)
    return text


def read_record(movie_dir: Path, name: str) -> Document | None:
    """One record (caller holds the lock); a corrupt one is moved aside with a warning."""
    path = _record_path(movie_dir, name)
    data = _read_bytes(path)
    if data is None:
        return None
    try:
        return _parse(data, view=False)
    except ValueError as exc:
        log.warning("corrupt manifest record %s: %s; kept as %s", path, exc, _move_aside(path))
        return None


# The last version of each stage record this process parsed: a merge re-reads every record (on NFS
# only a fresh open is guaranteed current) but parses only those whose bytes changed. Plain string
# paths: this loop runs under the lock, for every stage, at every merge.
_parsed: dict[str, tuple[bytes, Document]] = {}


def _stage_entry(records: str, stage: str) -> tuple[str, Document] | None:
    """A stage record as (its line for the view, its entry); never to be changed by the caller."""
    path = f"{records}{os.sep}stage.{stage}.json"
    data = _read_bytes(path)
    if data is None:
        return None
    cached = _parsed.get(path)
    if cached is None or cached[0] != data:
        try:
            cached = _parsed[path] = (data, _parse(data, view=False))
        except ValueError as exc:
            log.warning("corrupt manifest record %s: %s; kept as %s", path, exc, _move_aside(Path(path)))
            return None
    return data.decode("utf-8").rstrip("\n"), cached[1]


def _new_pipeline_record(movie_dir: Path) -> Document:
    """``stage_records`` indexes the stage records, so merging never depends on a (cached, on NFS)
    listing; a lost pipeline record is recreated from the listing."""
    found = sorted(path.name[len("stage.") : -len(".json")] for path in (movie_dir / RECORDS_DIR).glob("stage.*.json"))
    return {
        "created_at": now_iso(),
        "pipeline": {"status": "pending", "started_at": None, "completed_at": None},
        "stage_records": found,
    }


def _import_view(movie_dir: Path) -> None:
    """First write into a folder whose manifest.json has no records yet (copied, older): adopt it."""
    (movie_dir / RECORDS_DIR).mkdir(parents=True, exist_ok=True)
    view = movie_dir / MANIFEST_NAME
    data = _read_bytes(view)
    if data is None:
        return
    try:
        doc = _parse(data, view=True)
    except ValueError as exc:
        log.warning("corrupt manifest %s: %s; kept as %s", view, exc, _move_aside(view))
        return
    record = _new_pipeline_record(movie_dir)
    record["created_at"] = doc.get("created_at") or record["created_at"]
    record["pipeline"] = {key: doc["pipeline"].get(key) for key in record["pipeline"]}
    if "input" in doc:
        record["input"] = doc["input"]
    for stage, entry in doc["stages"].items():
        write_record(movie_dir, stage_record(stage), entry)
        record["stage_records"].append(stage)
    write_record(movie_dir, PIPELINE_RECORD, record)


def _remove_leftovers(movie_dir: Path) -> None:
    """Temp files of writers killed between write and rename (live ones are milliseconds old)."""
    for path in [*movie_dir.glob(f".{MANIFEST_NAME}.*.tmp"), *(movie_dir / RECORDS_DIR).glob(".*.tmp")]:
        try:
            if time.time() - path.stat().st_mtime > _TMP_MAX_AGE_S:
                path.unlink()
        except FileNotFoundError:
            pass


@contextmanager
def transaction(movie_dir: Path, *, new_stage: str | None = None) -> Iterator[Document]:
    """Under the lock: the pipeline record, to change in place; then it is saved and published.

    ``new_stage`` joins the index of stage records. The first write into a folder adopts a
    manifest.json that has no records (copied, older).
    """
    with locked(movie_dir), signals_deferred():
        if not (movie_dir / RECORDS_DIR).is_dir():
            _import_view(movie_dir)
        _remove_leftovers(movie_dir)
        record = read_record(movie_dir, PIPELINE_RECORD)
        created = record is None
        record = record or _new_pipeline_record(movie_dir)
        before = copy.deepcopy(record)
        if new_stage is not None and new_stage not in record["stage_records"]:
            record["stage_records"].append(new_stage)
        yield record
        if created or record != before:
            write_record(movie_dir, PIPELINE_RECORD, record)
        _merge(movie_dir, _read_bytes(movie_dir / MANIFEST_NAME))


def _ours(view: bytes) -> bool:
    """Whether ``view`` is whole as :func:`dumps` wrote it: saves parsing it at every merge (a file
    truncated or rewritten by another tool fails this, and is then parsed before being replaced)."""
    return view.startswith(b'{\n  "version": ') and view.endswith(b"}\n}\n")


def _merge(movie_dir: Path, current: bytes | None, stage: str | None = None) -> None:
    """Rebuild manifest.json from the records (caller holds the lock); a corrupt one is kept aside.

    ``stage`` is indexed first if the pipeline record lost it (removed or corrupt meanwhile).
    """
    pipeline = read_record(movie_dir, PIPELINE_RECORD)
    changed = pipeline is None
    pipeline = pipeline or _new_pipeline_record(movie_dir)
    if stage is not None and stage not in pipeline["stage_records"]:
        pipeline["stage_records"].append(stage)
        changed = True
    if changed:
        write_record(movie_dir, PIPELINE_RECORD, pipeline)
    stages, lines, records = {}, {}, str(movie_dir / RECORDS_DIR)
    for stage in pipeline["stage_records"]:
        found = _stage_entry(records, stage)
        if found is not None:
            lines[stage], stages[stage] = found
    doc = assemble(movie_dir, pipeline, stages)
    view = movie_dir / MANIFEST_NAME
    if current is not None and not _ours(current):
        try:
            _parse(current, view=True)
        except ValueError as exc:
            log.warning("corrupt manifest %s: %s; kept as %s, rebuilt from records", view, exc, _move_aside(view))
    text = dumps(doc, lines)
    refuse_secrets(text, f"manifest {view}")
    _write(view, text.encode("utf-8"), durable=False)


def _shows(view: bytes | None, stage: str, line: str) -> bool:
    """Whether manifest.json already holds record ``line`` for ``stage`` (someone published it).

    The view carries each stage record's line verbatim: a byte search answers without parsing.
    """
    return view is not None and f"\n    {encode(stage)}: {line}".encode() in view


def _view_bytes(view: Path) -> bytes | None:
    try:
        return _read_bytes(view)
    except ManifestUnreadableError:
        return None


def publish(movie_dir: Path, stage: str, line: str) -> None:
    """Make manifest.json show the record ``line`` just written for ``stage`` (a group commit).

    Done as soon as manifest.json shows the line, whoever merged it. Until then: take the lock if
    it is free and merge, else look again after a short wait (0.2 ms, doubling up to 2 ms).
    Queueing in a blocking flock instead makes every writer wait for every other one in turn, and
    on a loaded machine each of those hand-overs waits for a CPU: the queue sets the tail latency.
    """
    view = movie_dir / MANIFEST_NAME
    delay = _POLL_FIRST_S
    while not _shows(_view_bytes(view), stage, line):
        with locked(movie_dir, wait=False) as held:
            if held:
                with signals_deferred():
                    current = _read_bytes(view)
                    if not _shows(current, stage, line):
                        _merge(movie_dir, current, stage)
                return
        time.sleep(delay)
        delay = min(delay * 2, _POLL_MAX_S)
