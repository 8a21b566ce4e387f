"""Latency of one manifest update under contention: 1, 4 and 16 writers on one manifest.json.

An update is ``StageManifest.add_metadata`` — take the lock, read the file, apply the change,
write a temp file, fsync, rename, fsync the directory — the path every stage call goes through.
Each writer is its own process (its own stage of one movie, as under ``snakemake --cores N``) and
updates back to back, the worst case. The manifest starts with 10 finished stages (a realistic
~10 kB file). Target: p99 <= 20 ms with 16 writers. Exit 1 when the target is missed.

Also printed: the load average and the disk's floor — one process writing a small file, fsync,
rename, as fast as it can — since on a shared machine other jobs' I/O sets much of the figure.

    .venv/bin/python bench/manifest_contention.py [--updates 200] [--dir /shared/fs/tmp]
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from manifest_lib import StageManifest

WRITER_COUNTS = (1, 4, 16)
TARGET_P99_MS = 20.0


def _seed(movie_dir: Path) -> None:
    """Ten finished stages with outputs and metadata, like a movie half way through the pipeline."""
    movie_dir.mkdir(parents=True)
    for index in range(10):
        output = movie_dir / f"stage_{index}.json"
        output.write_text("{}\n")
        with StageManifest(f"stage_{index}", movie_dir) as manifest:
            manifest.add_output("result", output, "seed output")
            for key in range(8):
                manifest.add_metadata(f"key_{key}", key * 1.5)


def _writer(movie_dir: Path, index: int, updates: int, barrier: Any, results: Any) -> None:
    manifest = StageManifest(f"writer_{index:02d}", movie_dir)
    barrier.wait()
    latencies = []
    for step in range(updates):
        began = time.perf_counter()
        manifest.add_metadata("step", step)
        latencies.append(time.perf_counter() - began)
    manifest.save("success")
    results.put(latencies)


def _quantiles(latencies: list[float]) -> tuple[float, float]:
    """p50 and p99 in milliseconds."""
    cuts = statistics.quantiles(latencies, n=100, method="inclusive")
    return cuts[49] * 1e3, cuts[98] * 1e3


def disk_floor(root: Path, count: int = 200) -> list[float]:
    """Latency of a bare durable replace (write 8 kB, fsync, rename) by one process."""
    data, latencies = b"x" * 8192, []
    for _ in range(count):
        began = time.perf_counter()
        with open(root / "floor.tmp", "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(root / "floor.tmp", root / "floor.json")
        latencies.append(time.perf_counter() - began)
    return latencies


def measure(root: Path, writers: int, updates: int) -> tuple[list[float], float]:
    """Every update's latency (s) with ``writers`` concurrent writers, and the wall time."""
    movie_dir = root / f"writers_{writers}"
    _seed(movie_dir)
    context = mp.get_context("fork")
    barrier, results = context.Barrier(writers + 1), context.Queue()
    processes = [
        context.Process(target=_writer, args=(movie_dir, i, updates, barrier, results)) for i in range(writers)
    ]
    for process in processes:
        process.start()
    barrier.wait()
    began = time.perf_counter()
    latencies = [value for _ in processes for value in results.get()]
    wall = time.perf_counter() - began
    for process in processes:
        process.join()
        if process.exitcode != 0:
            raise SystemExit(f"writer exited with {process.exitcode}")
    return latencies, wall


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--updates", type=int, default=200, help="updates per writer (default 200)")
    parser.add_argument("--dir", type=Path, default=None, help="where to put the manifests (default: a temp dir)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=args.dir, prefix="manifest_bench_") as tmp:
        print(f"manifest_contention: {args.updates} updates per writer, manifests under {tmp}")
        floor_p50, floor_p99 = _quantiles(disk_floor(Path(tmp)))
        load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
        print(
            f"load average {load} on {os.cpu_count()} CPUs; disk floor p50 {floor_p50:.2f} ms, p99 {floor_p99:.2f} ms"
        )
        print(f"{'writers':>7} {'updates':>8} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} {'updates/s':>10}")
        p99_at_max = 0.0
        for writers in WRITER_COUNTS:
            latencies, wall = measure(Path(tmp), writers, args.updates)
            p50, p99 = _quantiles(latencies)
            print(
                f"{writers:>7} {len(latencies):>8} {p50:>8.2f} {p99:>8.2f} {max(latencies) * 1e3:>8.2f} {len(latencies) / wall:>10.0f}"
            )
            p99_at_max = p99
    verdict = "met" if p99_at_max <= TARGET_P99_MS else "MISSED"
    print(f"target p99 <= {TARGET_P99_MS:g} ms at {WRITER_COUNTS[-1]} writers: {verdict} ({p99_at_max:.2f} ms)")
    return 0 if p99_at_max <= TARGET_P99_MS else 1


if __name__ == "__main__":
    sys.exit(main())
