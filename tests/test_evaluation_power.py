"""The minimum detectable rate ratio: smaller with more units and months, right when planted."""

from __future__ import annotations

import numpy as np
import pytest

from lpt.errors import LPTError
from lpt.evaluation.did import EFFECT, fit_totals
from lpt.evaluation.power import detectable_rate_ratio
from tests.evaluation_panels import synthetic_panel


def _mde(seed: int = 1, after_months: int = 6, **options):
    return detectable_rate_ratio(synthetic_panel(seed, **options).counts, after_months=after_months)


def test_more_units_and_months_detect_smaller_effects():
    base = _mde(treated=20, comparison=60)
    assert 0.6 < base.rate_ratio < 0.95
    assert 0.95 < base.rate_ratio * base.rise_ratio < 1  # a fall leaves fewer records to see it by than a rise
    assert _mde(treated=80, comparison=240).rate_ratio > base.rate_ratio  # closer to 1: a smaller fall
    assert _mde(treated=20, comparison=60, months_before=24).rate_ratio > base.rate_ratio
    assert _mde(treated=20, comparison=60, after_months=12).rate_ratio > base.rate_ratio
    assert (base.treated, base.comparison, base.months_before, base.months_after) == (20, 60, 12, 6)
    assert base.placebo_starts == 9 and base.overdispersion < 1.3  # Poisson counts
    assert "a fall in crime of" in base.sentence and "80% of the time at the 5% level" in base.sentence


def test_overdispersed_counts_detect_less():
    plain, mixed = _mde(seed=2), _mde(seed=2, mixing=2.0)
    assert mixed.overdispersion > 1.5 > plain.overdispersion
    assert mixed.rate_ratio < plain.rate_ratio


def test_lower_power_or_looser_level_detect_smaller_effects():
    counts = synthetic_panel(3).counts
    usual = detectable_rate_ratio(counts, after_months=6)
    assert detectable_rate_ratio(counts, after_months=6, power=0.5).rate_ratio > usual.rate_ratio
    assert detectable_rate_ratio(counts, after_months=6, alpha=0.1).rate_ratio > usual.rate_ratio
    shift = 2.8 * usual.std_err  # z(0.975) + z(0.8) standard errors (many df), with no change after the start
    assert np.log(usual.rise_ratio) < shift < -np.log(usual.rate_ratio) < 1.1 * shift


def test_a_planted_detectable_effect_is_found_about_80_percent_of_the_time():
    found = []
    for seed in range(50):
        panel = synthetic_panel(100 + seed, treated=20, comparison=60, months_before=6)
        before = panel.counts[~panel.counts["after"]]
        ratio = detectable_rate_ratio(before, after_months=6).rate_ratio
        counts = panel.counts.copy()
        chosen = counts["treated"] & counts["after"]
        counts.loc[chosen, "count"] = np.random.default_rng(seed).binomial(counts.loc[chosen, "count"], ratio)
        found.append(fit_totals(counts, counts["after"]).pvalues[EFFECT] < 0.05)
    assert 0.7 <= np.mean(found) <= 0.97  # 0.92 here: the MDE errs on the safe side on these Poisson panels


def test_short_before_periods_and_bad_arguments():
    short = _mde(months_before=3)
    assert short.placebo_starts == 0 and short.overdispersion == 1
    assert "too short to measure overdispersion" in short.notes[0]
    counts = synthetic_panel(4).counts
    with pytest.raises(LPTError, match="between 0 and 1"):
        detectable_rate_ratio(counts, after_months=6, power=1.2)
    with pytest.raises(LPTError, match="after_months is 1 or more"):
        detectable_rate_ratio(counts, after_months=0)
    with pytest.raises(LPTError, match="at least two comparison"):
        detectable_rate_ratio(counts[counts["treated"]], after_months=6)


def test_the_noncentrality_is_positive_and_falls_to_blooms_multiple():
    from lpt.evaluation.power import noncentrality

    found = [noncentrality(df, 0.05, 0.8) for df in range(1, 400)]  # statsmodels gives -2.84 at df 72
    assert min(found) > 0 and all(b < a + 1e-4 for a, b in zip(found, found[1:]))  # falling, to solver tolerance
    assert found[-1] == pytest.approx(2.80, abs=0.01)
