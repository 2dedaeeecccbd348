"""The estimators checked by simulation on the bundled Humberside police.uk records (a small run; the full
check is benchmarks/evaluation.py)."""

from __future__ import annotations

import pandas as pd
import pytest

from lpt.errors import LPTError
from lpt.evaluation.simulate import RESULT_COLUMNS, simulation_check


def test_no_effect_intervals_cover_and_tests_rarely_fire(sample_store):
    engine, _ = sample_store
    check = simulation_check(engine, n_datasets=36, rate_ratio=1.0, method="did", unit="street", seed=1, progress=False)
    assert list(check.results.columns) == RESULT_COLUMNS
    summary = check.summary
    assert summary["datasets"] == 36 and summary["failed"] == 0
    assert summary["coverage"] >= 0.85 and summary["significant"] <= 0.15
    assert summary["coverage_se"] == pytest.approx((summary["coverage"] * (1 - summary["coverage"]) / 36) ** 0.5)
    assert (check.results["treated"] <= 30).all() and (check.results["comparison"] > 30).all()
    assert check.results["start_month"].between("2025-07", "2025-10").all()


def test_a_planted_fall_is_recovered(sample_store):
    engine, _ = sample_store
    check = simulation_check(engine, n_datasets=36, rate_ratio=0.7, method="did", unit="ward", seed=2, progress=False)
    summary = check.summary
    assert summary["mean_planted"] == pytest.approx(0.7)
    assert summary["geometric_mean_estimate"] == pytest.approx(0.7, abs=0.07)
    assert summary["coverage"] >= 0.85
    assert (check.results["treated"] == 1).all() and (check.results["comparison"] == 6).all()


def test_time_series_runs_and_the_same_seed_gives_the_same_results(sample_store):
    engine, _ = sample_store
    first = simulation_check(engine, n_datasets=4, method="its", unit="ward", treated=3, seed=5, progress=False)
    again = simulation_check(engine, n_datasets=4, method="its", unit="ward", treated=3, seed=5, progress=False)
    pd.testing.assert_frame_equal(first.results, again.results)
    assert (first.results["comparison"] == 0).all() and first.results["pre_trend_p"].isna().all()
    other = simulation_check(engine, n_datasets=4, method="its", unit="ward", treated=3, seed=6, progress=False)
    assert not other.results["estimate"].equals(first.results["estimate"])


def test_bad_arguments(sample_store):
    engine, _ = sample_store
    with pytest.raises(LPTError, match="thinning cannot add records"):
        simulation_check(engine, n_datasets=1, rate_ratio=1.3)
    with pytest.raises(LPTError, match="method is one of"):
        simulation_check(engine, n_datasets=1, method="rdd")
    with pytest.raises(LPTError, match="difference-in-differences"):
        simulation_check(engine, n_datasets=1, method="its", rate_ratio="detectable")
    with pytest.raises(LPTError, match="too few months"):
        simulation_check(engine, n_datasets=1, before_months=11)
