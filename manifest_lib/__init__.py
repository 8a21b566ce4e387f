"""manifest_lib: every stage's run recorded in ``{output_dir}/{Movie}/manifest.json``.

The contract is the design document, ``docs/pipeline-manifest-tracking.md`` (its API, layout, statuses and exit
codes); the document's ``from manifest import ...`` is ``from manifest_lib import ...`` here.

Design note — per-stage records, merged into manifest.json under a lock
-----------------------------------------------------------------------
Stages of one movie run in parallel (``--cores 4``) and, on SLURM, on different nodes sharing a
filesystem. Each stage keeps its entry in its own record, ``.manifest.d/stage.<name>.json``, which
only the process running that stage writes: temp file, fsync, ``os.replace``. No lock is needed for
that, so the expensive part of a durable update — the fsync — runs in parallel across stages.
The record is then published: under an exclusive ``flock`` on ``manifest.json.lock`` the writer
re-reads every record and replaces ``manifest.json`` (temp file + ``os.replace``) with the merged
document, unless manifest.json already shows its latest entry because another writer merged it
first — so under contention one merge publishes many updates (a group commit).

* No lost update: a writer changes only its own record, and every merge re-reads all records
  under the lock, so each new manifest.json holds every record written before it; views only move
  forward. Pipeline-level fields (input, status) are a record changed under the lock.
* No torn file: readers (``load_manifest``, jq) read manifest.json without the lock and see the
  old or the new file, never a mix; a writer killed at any point (even SIGKILL) leaves the previous
  files intact, and the kernel drops its lock.
* Durability: records are fsynced, manifest.json is derived and rebuilt by the next write; a
  corrupt manifest.json is moved aside (``manifest.json.corrupt-<time>``) and rebuilt, not lost.

Why not one file with read-modify-write under the lock: every update would hold the lock across
its fsync, serialising all fsyncs (16 writers x several ms on a busy disk), far over the 20 ms p99
target; and a corrupt file would lose every stage's record. The lock is ``flock(2)`` (dropped by
the kernel when its holder dies), not ``filelock``, whose 50 ms default poll exceeds the budget; a
publishing writer polls at 0.2-2 ms and stops as soon as another writer's merge has published its
record. Benchmark: ``bench/manifest_contention.py``.

Layout additions to the document (all additive; ``version`` stays "1.0.0"): per stage ``attempt``,
``history`` (earlier attempts), ``updated_at``, ``execution`` (host, pid, slurm_job_id, threads,
snakemake_rule), ``error`` = ``{"message", "type"}`` (type: the exception class name, null for
:meth:`StageManifest.set_error`), ``skip_reason``, ``progress`` while running, ``pending`` (see below); in ``pipeline``,
``running_stages``, ``skipped_stages``, ``pending_stages``, ``started_at``, ``completed_at``; at the top, ``input``.
Status ``pending`` (added to the document's four): the stage had ended success/skipped, but the workflow
is about to run it again (an output deleted, an input newer, code/params changed, ``--forcerun``), so it
no longer counts as complete; ``pending`` holds the reason and how that attempt ended, the outputs are
re-checked. Only :meth:`PipelineManifest.mark_pending` sets it (Snakemake's ``onstart``); the next
attempt replaces it and keeps the marked attempt in ``history`` with its real end.
The ``pipeline`` stage lists are derived from ``stages`` on every write, so they always agree.
``skipped`` counts as complete (:func:`is_stage_completed`): a skipped optional stage is finished.
Timestamps are ISO-8601 UTC with offset. Schema: ``manifest_lib/schema.json``. manifest.json has
one top-level key and one stage a line (compact JSON inside; ``jq .`` pretty-prints it).
Exit codes (``exits.py``): 0, 1, 2, 130 as the document's table, and 143 for SIGTERM.
"""

from __future__ import annotations

import logging

from manifest_lib.document import (
    COMPLETE_STATUSES,
    MANIFEST_NAME,
    MANIFEST_VERSION,
    STAGE_STATUSES,
    schema,
    schema_errors,
)
from manifest_lib.errors import ManifestCorruptError, ManifestError, ManifestUnreadableError, MissingOutputError
from manifest_lib.exits import (
    EXIT_FAILURE,
    EXIT_INTERRUPTED,
    EXIT_SUCCESS,
    EXIT_TERMINATED,
    EXIT_USAGE,
    Terminated,
    exit_code_for,
    install_handlers,
    restore_handlers,
    run_main,
    signals_deferred,
)
from manifest_lib.pipeline import PipelineManifest, is_stage_completed, load_manifest, movie_dirs
from manifest_lib.report import (
    ASCII_SYMBOLS,
    LEGEND,
    SYMBOLS,
    cell_status,
    cell_text,
    count_text,
    duration_text,
    movie_note,
    one_line,
    render_table,
    status_table,
    verify_movie,
)
from manifest_lib.stage import StageManifest, error_record
from manifest_lib.store import read_view

logging.getLogger("manifest_lib").addHandler(logging.NullHandler())

__all__ = [
    "ASCII_SYMBOLS",
    "COMPLETE_STATUSES",
    "EXIT_FAILURE",
    "EXIT_INTERRUPTED",
    "EXIT_SUCCESS",
    "EXIT_TERMINATED",
    "EXIT_USAGE",
    "LEGEND",
    "MANIFEST_NAME",
    "MANIFEST_VERSION",
    "STAGE_STATUSES",
    "SYMBOLS",
    "ManifestCorruptError",
    "ManifestError",
    "ManifestUnreadableError",
    "MissingOutputError",
    "PipelineManifest",
    "StageManifest",
    "Terminated",
    "cell_status",
    "cell_text",
    "count_text",
    "duration_text",
    "error_record",
    "exit_code_for",
    "install_handlers",
    "is_stage_completed",
    "load_manifest",
    "movie_note",
    "movie_dirs",
    "one_line",
    "read_view",
    "render_table",
    "restore_handlers",
    "run_main",
    "schema",
    "schema_errors",
    "signals_deferred",
    "status_table",
    "verify_movie",
]
