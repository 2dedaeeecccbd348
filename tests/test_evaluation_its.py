"""Interrupted time series: the level change recovered, the seasonality rule, the standard errors chosen."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lpt.errors import LPTError
from lpt.evaluation.its import interrupted_time_series, newey_west_lag, seasonality
from lpt.evaluation.poisson import fit_poisson
from tests.evaluation_panels import synthetic_panel


def test_level_change_recovered():
    panel = synthetic_panel(1, treated=40, comparison=5, months_before=24, months_after=12, rate_ratio=0.7)
    effect = interrupted_time_series(panel.counts, outcome="asb", unit="street")
    assert effect.method == "its" and effect.comparison == 0 and effect.treated == 40
    assert effect.ci_low < 0.7 < effect.ci_high and effect.estimate == pytest.approx(0.7, abs=0.06)
    assert effect.p_value < 0.001
    assert (effect.periods_before, effect.periods_after) == (24, 12)
    assert effect.model["term"].tolist() == ["intercept", "trend", "level change", "slope change",
                                             *(f"month_{m}" for m in range(2, 13))]
    assert effect.checks["slope_change_ratio"] == pytest.approx(1, abs=0.02)
    assert set(effect.series["group"]) == {"treated"} and effect.series["after"].sum() == 12
    assert effect.sentence.startswith("Anti-social behaviour in the setup's 40 streets was 25% lower than the trend")
    assert len(effect.notes) == 1 and "no comparison" in effect.notes[0]


def test_no_change_covers_one_and_short_series_are_noted():
    two_years = interrupted_time_series(synthetic_panel(2, treated=40, comparison=5, months_before=16, months_after=8).counts)
    assert two_years.covers
    assert two_years.model["term"].tolist()[4:] == ["sin(month)", "cos(month)"]
    panel = synthetic_panel(2, treated=40, comparison=5, months_before=9, months_after=6)
    effect = interrupted_time_series(panel.counts)  # its seasons pass for effect: only the note is tested
    assert effect.model["term"].tolist() == ["intercept", "trend", "level change", "slope change"]
    assert any("too short to model seasons" in note for note in effect.notes)
    assert effect.standard_errors.endswith("t with 11 df")


def test_the_wider_standard_errors_are_used():
    """Overdispersed, autocorrelated series: whichever is reported, it is at least as wide as the other."""
    panel = synthetic_panel(3, treated=10, comparison=5, months_before=36, months_after=12, mixing=2.0)
    effect = interrupted_time_series(panel.counts)
    assert effect.checks["hac_lag"] == 3 and effect.checks["overdispersion"] > 1.5
    treated = panel.counts[panel.counts["treated"]]
    monthly = (treated.groupby(["month", "t", "after"], as_index=False)
               .agg(count=("count", "sum"), exposure=("exposure", "sum")).sort_values("t"))
    design = pd.DataFrame({"intercept": 1.0, "trend": monthly["t"].astype(float),
                           "level change": monthly["after"].astype(float)}, index=monthly.index)
    design["slope change"] = design["trend"] * design["level change"]
    design = pd.concat([design, seasonality(monthly["month"])], axis=1)
    offset = np.log(monthly["exposure"])
    hac = fit_poisson(monthly["count"], design, offset, cov_type="HAC", cov_kwds={"maxlags": 3}, use_t=True)
    quasi = fit_poisson(monthly["count"], design, offset, scale="X2", use_t=True)
    wider = max(hac.bse["level change"], quasi.bse["level change"])
    assert effect.model.set_index("term").at["level change", "std_err"] == pytest.approx(wider)
    assert effect.standard_errors.startswith("HAC" if hac.bse["level change"] == wider else "quasi-Poisson")


def test_seasonality_rule():
    def months(n):
        return pd.Series([str(m) for m in pd.period_range("2020-01", periods=n, freq="M")])

    assert seasonality(months(23)).shape[1] == 0
    harmonic = seasonality(months(24))
    assert list(harmonic.columns) == ["sin(month)", "cos(month)"]
    assert harmonic.iloc[11].to_numpy() == pytest.approx([0.0, 1.0], abs=1e-12)  # December: angle 2 pi
    dummies = seasonality(months(36))
    assert dummies.shape[1] == 11 and dummies.iloc[0].sum() == 0 and dummies.iloc[1]["month_2"] == 1


def test_newey_west_lag_rule():
    assert [newey_west_lag(n) for n in (12, 24, 48, 100)] == [2, 2, 3, 4]


def test_too_short_refused():
    panel = synthetic_panel(4, treated=5, comparison=5, months_before=2, months_after=6)
    with pytest.raises(LPTError, match="at least 3 months before the start and 2 after"):
        interrupted_time_series(panel.counts)
