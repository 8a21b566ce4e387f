"""DER of the offline backend against the reference RTTMs in ../shared/realdata (bench/der.py).

Metric: pyannote.metrics DiarizationErrorRate(collar=0.25, skip_overlap=False) over 0 s – end of file,
speaker count estimated. Targets (issue 4): ≤ 20 % on pyannote_sample, ≤ 35 % mean over the four AMI
debug files. Each file also fails when it is more than 5 points worse than the DER measured when this
backend was written (BASELINE, CPU, 2 threads, `python -m bench.der`).
"""

from __future__ import annotations

import pytest

from tests.conftest import REALDATA

BASELINE = {"sample": 0.013, "dev00": 0.198, "dev01": 0.180, "tst00": 0.592, "tst01": 0.259, "falcon_test": 0.001}
AMI_MEAN_BASELINE = 0.307
REGRESSION = 0.05

pytestmark = [pytest.mark.slow, pytest.mark.realdata]


@pytest.fixture(scope="module")
def rows():
    for folder in ("pyannote_sample", "pyannote_ami_debug", "falcon_3spk"):
        if not (REALDATA / folder).exists():
            pytest.skip(f"{REALDATA / folder} is absent (../shared/realdata is not beside the project)")
    from bench.der import evaluate

    return {r["uri"]: r for r in evaluate()}


def test_pyannote_sample(rows):
    der = rows["sample"]["der"]
    assert der <= 0.20, f"DER {der:.1%} on pyannote_sample (target ≤ 20 %)"
    assert der <= BASELINE["sample"] + REGRESSION, f"DER {der:.1%} regressed from {BASELINE['sample']:.1%}"
    assert rows["sample"]["hyp_speakers"] == 2


def test_ami_debug_mean(rows):
    from bench.der import ami_summary

    mean = ami_summary(list(rows.values()))["mean_der"]
    assert mean <= 0.35, f"mean DER {mean:.1%} on the AMI debug files (target ≤ 35 %)"
    assert mean <= AMI_MEAN_BASELINE + REGRESSION, f"mean DER {mean:.1%} regressed from {AMI_MEAN_BASELINE:.1%}"


@pytest.mark.parametrize("uri", sorted(BASELINE))
def test_no_file_regresses(rows, uri):
    der = rows[uri]["der"]
    assert der <= BASELINE[uri] + REGRESSION, f"{uri}: DER {der:.1%} regressed from {BASELINE[uri]:.1%}"


def test_falcon_three_speakers(rows):
    assert rows["falcon_test"]["hyp_speakers"] == 3
