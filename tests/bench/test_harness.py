"""The benchmark harness's pure parts: TSV and manifest parsing, interval and ratio maths (no timing)."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def bench():
    import bench.run

    return bench.run


TSV = (
    "s\th:m:s\tmax_rss\tmax_vms\tmax_uss\tmax_pss\tio_in\tio_out\tmean_load\tcpu_time\n"
    "3.63\t0:00:03\t665.48\t5550.22\t647.54\t650.35\t18.11\t0.04\t70.48\t3.16\n"
)


def test_benchmark_tsv_parsed(bench):
    row = bench.parse_benchmark_tsv(TSV)
    assert row["s"] == pytest.approx(3.63)
    assert row["max_rss"] == pytest.approx(665.48)
    assert row["cpu_time"] == pytest.approx(3.16)
    assert "h:m:s" not in row


def test_benchmark_tsv_repeats_averaged_and_empty_tolerated(bench):
    repeated = TSV + "4.63\t0:00:04\t600\t1\t1\t1\t1\t1\t1\t5.16\n"
    assert bench.parse_benchmark_tsv(repeated)["s"] == pytest.approx(4.13)
    assert bench.parse_benchmark_tsv("") == {}
    assert bench.parse_benchmark_tsv(TSV.splitlines()[0]) == {}


def test_manifest_stages(bench):
    manifest = {
        "stages": {
            "asr": {
                "status": "success",
                "duration_seconds": 3.056,
                "started_at": "2026-11-24T13:29:03.595+00:00",
                "completed_at": "2026-11-24T13:29:06.650+00:00",
                "execution": {"threads": 2},
            },
            "tmdb": {"status": "skipped", "duration_seconds": 0.027, "started_at": None, "completed_at": None},
        }
    }
    stages = bench.manifest_stages(manifest)
    assert stages["asr"]["duration_s"] == 3.056 and stages["asr"]["threads"] == 2
    assert stages["asr"]["end"] - stages["asr"]["start"] == pytest.approx(3.055, abs=1e-3)
    assert stages["tmdb"]["start"] is None and stages["tmdb"]["status"] == "skipped"


def test_union_length_counts_overlaps_once(bench):
    assert bench.union_length([]) == 0.0
    assert bench.union_length([(0, 2), (1, 3), (5, 6)]) == pytest.approx(4.0)
    assert bench.union_length([(5, 6), (0, 10)]) == pytest.approx(10.0)
    assert bench.union_length([(3, 1)]) == 0.0  # an empty interval counts nothing


def test_overhead_is_wall_minus_busy_time(bench):
    jobs = {
        "a": {"s": 2.0, "end": 102.0},  # 100–102
        "b": {"s": 3.0, "end": 104.0},  # 101–104, overlaps a
        "c": {"s": None, "end": None},  # stage without a TSV
    }
    figures = bench.workflow_overhead(10.0, jobs)
    assert figures["busy_s"] == pytest.approx(4.0)
    assert figures["overhead_s"] == pytest.approx(6.0)
    assert figures["stage_sum_s"] == pytest.approx(5.0)
    assert figures["wall_minus_stage_sum_s"] == pytest.approx(5.0)


def test_summary_and_ratios(bench):
    assert bench.summarize([3.0, None, 1.0, 2.0]) == {"median": 2.0, "min": 1.0, "max": 3.0, "n": 3}
    assert bench.summarize([None]) is None
    assert bench.ratio(3.0, 2.0) == 1.5
    assert bench.ratio(None, 2.0) is None and bench.ratio(1.0, 0.0) is None
    assert bench.fmt({"median": 2.0, "min": 1.0, "max": 3.0, "n": 3}) == "2.0s [1.0–3.0]"
    assert bench.fmt(None) == "—"


def test_targets(bench):
    assert bench.target_met("asr_stage_over_bare", 1.05) is True
    assert bench.target_met("asr_stage_over_bare", 1.06) is False
    assert bench.target_met("pair_throughput", 1.7) is True
    assert bench.target_met("pair_throughput", 1.2) is False
    assert bench.target_met("dry_run_1000_s", None) is None


def test_film10_script_is_about_ten_minutes_of_two_voices(bench):
    script = bench.film10_script()
    voices = {voice for voice, _ in script}
    assert voices == {"en-us", "en+f3"}
    words = sum(len(text.split()) for _, text in script)
    assert 590 <= words / 3.2 + 0.7 * len(script) <= 640
