"""Difference-in-differences on counts: planted effects recovered, checks that fire when they should."""

from __future__ import annotations

import numpy as np
import pytest

from lpt.errors import LPTError
from lpt.evaluation.did import EFFECT, SERIES_COLUMNS, difference_in_differences, fit_totals
from lpt.evaluation.poisson import COEFFICIENT_COLUMNS
from tests.evaluation_panels import synthetic_panel


def test_planted_rate_ratio_recovered_within_its_interval():
    panel = synthetic_panel(1, treated=100, comparison=300, rate_ratio=0.7)
    effect = difference_in_differences(panel.counts, outcome="crime", unit="street")
    assert effect.method == "did" and effect.measure == "rate ratio"
    assert effect.ci_low < 0.7 < effect.ci_high
    assert effect.estimate == pytest.approx(0.7, abs=0.04)
    assert effect.p_value < 1e-6 and not effect.covers
    assert (effect.treated, effect.comparison, effect.periods_before, effect.periods_after) == (100, 300, 12, 6)
    assert list(effect.model.columns) == COEFFICIENT_COLUMNS and effect.model["term"].iloc[0] == EFFECT
    assert list(effect.series.columns) == SERIES_COLUMNS and set(effect.series["group"]) == {"treated", "comparison"}
    assert effect.checks["overdispersion"] == pytest.approx(1, abs=0.25)  # Poisson counts
    assert effect.checks["pre_trend_p"] > 0.01
    assert effect.sentence.startswith("Crime in the setup's 100 streets was 30% lower than expected from 300 "
                                      "comparison streets over 6 months (rate ratio 0.70")
    assert "unlikely to be chance" in effect.sentence


def test_no_effect_covers_one():
    effect = difference_in_differences(synthetic_panel(2, rate_ratio=1.0).counts)
    assert effect.covers and effect.p_value > 0.05
    assert "could be chance" in effect.sentence


def test_clustered_errors_agree_on_many_units_and_the_default_takes_the_larger():
    counts = synthetic_panel(3, treated=60, comparison=180, rate_ratio=0.8).counts
    quasi = difference_in_differences(counts, errors="quasi")
    cluster = difference_in_differences(counts, errors="cluster")
    assert cluster.estimate == pytest.approx(quasi.estimate, rel=1e-6)  # the same likelihood for the effect
    assert quasi.model["term"].tolist() == [EFFECT, "after"] and cluster.model["term"].tolist() == [EFFECT]
    chosen = difference_in_differences(counts)
    wider = max(quasi, cluster, key=lambda effect: effect.model["std_err"].iloc[0])
    assert (chosen.ci_low, chosen.ci_high) == (wider.ci_low, wider.ci_high)
    assert chosen.standard_errors == f"the larger of quasi-Poisson and clustered: {wider.standard_errors}"
    assert cluster.ci_low < 0.8 < cluster.ci_high
    assert cluster.standard_errors == "clustered by street (240 clusters)"
    assert quasi.standard_errors.startswith("quasi-Poisson on before and after totals, t with 238 df")
    with pytest.raises(LPTError, match="errors is one of"):
        difference_in_differences(counts, errors="robust")


def test_exposure_offset_changes_no_estimate():
    counts = synthetic_panel(4, rate_ratio=0.8).counts
    doubled = counts.assign(exposure=counts["exposure"] * np.where(counts["treated"], 3.0, 0.5))
    assert difference_in_differences(doubled).estimate == pytest.approx(difference_in_differences(counts).estimate)
    result = fit_totals(counts, counts["after"])
    unit_rates = np.exp(result.params.drop(["after", EFFECT]))
    before = counts[~counts["after"]].groupby("unit").agg(n=("count", "sum"), e=("exposure", "first"), m=("month", "nunique"))
    assert unit_rates.median() == pytest.approx((before["n"] / before["e"]).median(), rel=0.3)  # rates per household


def test_pre_trend_detected_when_planted():
    trended = difference_in_differences(synthetic_panel(5, treated=100, pre_trend=0.05).counts)
    assert trended.checks["pre_trend_p"] < 0.01
    assert trended.checks["pre_trend_ratio"] == pytest.approx(np.exp(0.05), abs=0.01)
    assert any("already trended differently" in note for note in trended.notes)
    flat = difference_in_differences(synthetic_panel(5).counts)
    assert flat.checks["pre_trend_p"] > 0.05
    assert not any("trended" in note for note in flat.notes)


def test_recent_rise_before_the_start_warns_of_regression_to_the_mean():
    risen = difference_in_differences(synthetic_panel(6, recent_rise=1.5).counts)
    assert risen.checks["recent_ratio"] == pytest.approx(1.5, abs=0.15) and risen.checks["recent_p"] < 0.001
    assert any("regression to the mean" in note for note in risen.notes)
    calm = difference_in_differences(synthetic_panel(6).counts)
    assert calm.checks["recent_p"] > 0.05 and not any("regression" in note for note in calm.notes)


def test_few_treated_units_are_noted_and_uninformative_units_left_out():
    counts = synthetic_panel(7, treated=3, comparison=30).counts
    silent = counts["unit"] == counts["unit"].iloc[-1]
    counts.loc[silent, "count"] = 0
    effect = difference_in_differences(counts)
    assert effect.standard_errors.startswith("quasi-Poisson")  # too few treated units to cluster
    assert effect.comparison == 29
    assert effect.notes[0] == "1 streets with no record in either period carry no information and are left out."
    assert any(note.startswith("Only 3 treated streets") for note in effect.notes)
    assert any("displaced" in note for note in effect.notes)
    clustered = difference_in_differences(counts, errors="cluster")
    assert any("unreliable below about 10 clusters" in note for note in clustered.notes)


def test_refuses_what_it_cannot_estimate():
    counts = synthetic_panel(8, treated=5, comparison=20).counts
    with pytest.raises(LPTError, match="comparison streets before"):
        difference_in_differences(counts[counts["treated"]])
    emptied = counts.copy()
    emptied.loc[emptied["treated"] & emptied["after"], "count"] = 0
    with pytest.raises(LPTError, match="the setup's streets after the start"):
        difference_in_differences(emptied)
    with pytest.raises(LPTError, match="lacks columns count, exposure"):
        difference_in_differences(counts.drop(columns=["exposure", "count"]))


def test_a_failed_clustered_fit_falls_back_to_quasi_poisson_or_says_so(monkeypatch):
    from lpt.evaluation import did

    def fails(counts):
        raise np.linalg.LinAlgError("SVD did not converge")

    monkeypatch.setattr(did, "_fit_monthly", fails)
    counts = synthetic_panel(9, treated=30, comparison=90).counts
    effect = difference_in_differences(counts)
    assert effect.standard_errors.endswith("(the clustered fit failed)") and effect.ci_low < effect.estimate < effect.ci_high
    with pytest.raises(LPTError, match="could not be fitted: use errors='quasi'"):
        difference_in_differences(counts, errors="cluster")
