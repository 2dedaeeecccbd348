"""Difference-in-differences on counts: did the setup's units change more than matched comparison units?

The model (Wooldridge 2010, *Econometric Analysis of Cross Section and Panel Data*, 2nd ed., s. 18.7.4,
the fixed-effects Poisson model): unit ``i`` (street or ward) in month ``t`` has

    E[count_it] = households_i x exp(a_i + g_t + b x treated_i x after_t),

unit effects ``a_i`` (log rates per household), month effects ``g_t`` shared by all units, and the setup's
effect: the rate ratio exp(b) (0.8: 20% fewer records than the comparison's change predicts). With a fixed
exposure per unit the log(households) offset is absorbed by the unit effects and changes no estimate; it is
kept so that the unit effects read as rates per household. The Poisson fixed-effects estimator is
consistent whatever the variance of the counts (Wooldridge 2010, s. 18.7.4): overdispersion matters only
for the standard errors.

Estimation: the months held are the same for every unit, so summed over each period the model is one for
each unit's before and after totals, E[total_ip] = households_i x exp(a_i + d_p + b x treated_i x after_p)
with d_p = log of the sum of exp(g_t) over the period's months. That is what is fitted
(statsmodels GLM, Poisson, unit dummies, ``after``, ``treated x after``, log(households) offset): Bertrand,
Duflo and Mullainathan (2004), "How much should we trust differences-in-differences estimates?", *QJE*
119(1), 249-275, show that serially correlated outcomes make monthly standard errors far too small and that
collapsing the data into a before and an after period is a remedy that works even with few groups.
Units with no record in either period carry no information (their fixed effect runs off to minus infinity)
and are left out, with a note.

Standard errors (``errors``):

* ``"quasi"``: quasi-Poisson on the totals, Var(total) = phi x mean with phi the Pearson chi-squared over
  the residual degrees of freedom (``scale="X2"``), and t quantiles with those degrees of freedom (N units -
  2). phi is learnt from every unit, so a setup of one ward gets an interval that assumes its
  before-to-after shift varies as the comparison units' do (after Poisson scaling). One phi for all units
  understates the spread of big streets' totals, which vary more than in proportion to their size.
* ``"cluster"``: the unit-month model above with unit and month fixed effects, cluster-robust by unit
  (``cov_type="cluster"``), normal quantiles: it lets each unit vary in its own way, but estimates the
  treated side's variability from the treated units alone, which fails with few of them.
* ``"auto"`` (default): the larger of the two standard errors when at least :data:`FEW_UNITS` units are
  treated, else quasi-Poisson.

What the simulation check found (lpt.evaluation.simulate, placebo setups on the Humberside 2025 police.uk
records at force scale, 8,913 streets, 6 months before and 3-6 after, 200 datasets per setting;
``benchmarks/evaluation.py``): with no effect planted, the default errors covered the true ratio 96.0% of
the time for 30 random streets, 95.5% for 30 streets of one ward and 95.5% for one ward (6 comparison
wards), and found an effect in 4.0%, 4.5% and 4.5%; with a 30% fall planted they covered it 96.0%, 95.5% and
96.5% of the time. Quasi-Poisson alone covered 92.0% and 92.5% for the streets (8.0% and 7.5% false
positives); clustered alone 95.0% for 30 streets but 62.5% for one ward. The estimate of a ratio of
skewed sums leans a little towards a fall (geometric mean 0.95, 0.93 and 0.98 with nothing planted: a few
busy streets dominate the sums of few streets): read small falls with that in mind.

Checks (:attr:`Effect.checks`): ``overdispersion`` (phi of the totals model; 1 is Poisson); ``pre_trend_p``
and ``pre_trend_ratio`` (the before months alone, unit-month model with unit and month effects and
``treated x month``, quasi-Poisson: a p below 0.05 says the treated units' trend already differed before
the start; the ratio is per month); ``recent_ratio`` and ``recent_p`` (the totals model on the before
period with its last :data:`RECENT_MONTHS` months as a pseudo "after": above 1, the treated units had an
unusual rise just before the start, as when a setup is chosen for a recent spike, and part of any fall after
it is regression to the mean). NaN where the before period is too short.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from statsmodels.genmod.generalized_linear_model import GLMResults

from lpt.errors import LPTError
from lpt.evaluation.effect import Effect
from lpt.evaluation.panel import PANEL_COLUMNS
from lpt.evaluation.poisson import coefficients, fit_poisson, rate_sentence

__all__ = ["EFFECT", "ERRORS", "FEW_UNITS", "RECENT_MONTHS", "SERIES_COLUMNS", "difference_in_differences", "fit_totals", "series"]

#: Ways to get the standard errors (see the module docstring).
ERRORS = ("auto", "quasi", "cluster")
#: Fewer treated units than this get a note on how far the interval can be trusted.
FEW_UNITS = 10
#: Months at the end of the before period tested for an unusual rise (regression to the mean).
RECENT_MONTHS = 3
#: Columns of :func:`series` (and of :attr:`Effect.series`): ``period`` (YYYY-MM), ``group`` (treated or
#: comparison), ``value`` (mean records per unit), ``after``.
SERIES_COLUMNS = ["period", "group", "value", "after"]

#: The term of the setup's effect in the models.
EFFECT = "treated x after"
_AFTER = "after"


def difference_in_differences(
    counts: pd.DataFrame, *, outcome: str = "crime", unit: str = "street", errors: str = "auto"
) -> Effect:
    """The setup's rate ratio against the comparison units in ``counts``.

    ``counts``: :data:`lpt.evaluation.panel.PANEL_COLUMNS` rows of the treated units and their comparison
    units (e.g. lpt.evaluation.matching.matched_counts), before and after months. LPTError when a side or
    a period is missing, or the treated units have no record before or after the start.
    """
    if errors not in ERRORS:
        raise LPTError(f"errors is one of {', '.join(ERRORS)}, not {errors!r}")
    missing = [c for c in PANEL_COLUMNS if c not in counts.columns]
    if missing:
        raise LPTError(f"the panel lacks columns {', '.join(missing)}")
    informative = counts.groupby("unit")["count"].transform("sum") > 0
    used = counts[informative]
    _check(used, unit)
    totals = fit_totals(used, used["after"])
    treated = int(used.loc[used["treated"], "unit"].nunique())
    table, described = _with_errors(used, totals, errors, treated, unit)
    effect_row = table.iloc[0]
    comparison = int(used.loc[~used["treated"], "unit"].nunique())
    estimate, low, high = np.exp(effect_row[["coef", "ci_low", "ci_high"]].to_numpy(dtype=float))
    checks = {"overdispersion": float(totals.scale), **_pre_trend(used), **_recent(used)}
    left_out = counts.loc[~informative, "unit"].nunique()
    notes = _notes(unit, treated, errors, checks, left_out)
    months_before, months_after = (used.loc[used["after"] == side, "month"].nunique() for side in (False, True))
    against = f"expected from {comparison} comparison {unit}s over {months_after} months"
    return Effect(
        outcome=outcome, method="did", measure="rate ratio", estimate=float(estimate), ci_low=float(low),
        ci_high=float(high), p_value=float(effect_row["p_value"]), treated=treated, comparison=comparison,
        periods_before=int(months_before), periods_after=int(months_after), unit=unit, standard_errors=described,
        series=series(counts), model=table, checks=checks, notes=notes,
        sentence=rate_sentence(outcome, f"the setup's {treated} {unit}s", estimate, low, high, effect_row["p_value"],
                               against),
    )


def series(counts: pd.DataFrame) -> pd.DataFrame:
    """:data:`SERIES_COLUMNS`: mean records per unit and month of the treated and the comparison units."""
    means = counts.groupby(["month", "treated", "after"])["count"].mean().reset_index()
    return pd.DataFrame({
        "period": means["month"], "group": np.where(means["treated"], "treated", "comparison"),
        "value": means["count"].astype(float), "after": means["after"].astype(bool),
    })[SERIES_COLUMNS]


# --- fits -----------------------------------------------------------------------


def fit_totals(counts: pd.DataFrame, after: pd.Series) -> GLMResults:
    """The quasi-Poisson fit of each unit's totals in the two periods ``after`` (bool per row of ``counts``:
    :data:`PANEL_COLUMNS`) splits them into: unit dummies, ``after`` and ``treated x after`` (:data:`EFFECT`)."""
    totals = (counts.assign(after=after.to_numpy(dtype=bool))
              .groupby(["unit", "after"], as_index=False)
              .agg(count=("count", "sum"), exposure=("exposure", "first"), treated=("treated", "first")))
    design = pd.get_dummies(totals["unit"], dtype=float)
    design[_AFTER] = totals["after"].astype(float)
    design[EFFECT] = (totals["after"] & totals["treated"]).astype(float)
    return fit_poisson(totals["count"], design, np.log(totals["exposure"]), scale="X2", use_t=True)


def _with_errors(counts: pd.DataFrame, totals: GLMResults, errors: str, treated: int, unit: str) -> tuple[pd.DataFrame, str]:
    """The coefficient table with the standard errors ``errors`` asks for (module docstring), and their name."""
    quasi = coefficients(totals, [EFFECT, _AFTER]), f"quasi-Poisson on before and after totals, t with {totals.df_resid:.0f} df"
    if errors == "quasi" or (errors == "auto" and treated < FEW_UNITS):
        return quasi
    try:
        clustered = coefficients(_fit_monthly(counts), [EFFECT]), f"clustered by {unit} ({counts['unit'].nunique()} clusters)"
    except np.linalg.LinAlgError:  # the unit-month fit can fail where the totals' fit does not (units of few records)
        clustered = None
    if clustered is None or not np.isfinite(clustered[0]["std_err"].iloc[0]):
        if errors == "cluster":
            raise LPTError("the unit-month model clustered by unit could not be fitted: use errors='quasi'")
        return quasi[0], f"{quasi[1]} (the clustered fit failed)"
    if errors == "cluster":
        return clustered
    table, described = max(quasi, clustered, key=lambda found: found[0]["std_err"].iloc[0])
    return table, f"the larger of quasi-Poisson and clustered: {described}"


def _fit_monthly(counts: pd.DataFrame):
    """The unit-month model with unit and month effects, cluster-robust by unit."""
    design = _monthly_design(counts)
    design[EFFECT] = (counts["after"] & counts["treated"]).astype(float).to_numpy()
    return fit_poisson(counts["count"], design, np.log(counts["exposure"]), cov_type="cluster",
                       cov_kwds={"groups": pd.factorize(counts["unit"])[0]})


def _monthly_design(counts: pd.DataFrame) -> pd.DataFrame:
    """Unit dummies (all) and month dummies (the first month the reference), row for row with ``counts``."""
    units = pd.get_dummies(counts["unit"], dtype=float)
    months = pd.get_dummies(counts["month"], prefix="month", dtype=float).iloc[:, 1:]
    return pd.concat([units, months], axis=1).set_axis(counts.index)


# --- checks ---------------------------------------------------------------------


def _pre_trend(counts: pd.DataFrame) -> dict[str, float]:
    """The treated units' extra trend per month before the start (quasi-Poisson, unit and month effects)."""
    before = counts[~counts["after"]]
    before = before[before.groupby("unit")["count"].transform("sum") > 0]
    if before["month"].nunique() < 3 or before["treated"].all() or not before["treated"].any():
        return {"pre_trend_ratio": float("nan"), "pre_trend_p": float("nan")}
    design = _monthly_design(before)
    design["treated x month"] = (before["t"] * before["treated"]).astype(float).to_numpy()
    result = fit_poisson(before["count"], design, np.log(before["exposure"]), scale="X2", use_t=True)
    return {"pre_trend_ratio": float(np.exp(result.params["treated x month"])),
            "pre_trend_p": float(result.pvalues["treated x month"])}


def _recent(counts: pd.DataFrame) -> dict[str, float]:
    """The treated units' last before months against their earlier ones, relative to the comparison."""
    before = counts[~counts["after"]]
    months = sorted(before["month"].unique())
    nan = {"recent_ratio": float("nan"), "recent_p": float("nan")}
    if len(months) < RECENT_MONTHS + 2:
        return nan
    recent = before["month"].isin(months[-RECENT_MONTHS:])
    sides = before.assign(recent=recent).groupby(["treated", "recent"])["count"].sum()
    if (sides.reindex(pd.MultiIndex.from_product([[True, False], [True, False]]), fill_value=0) == 0).any():
        return nan
    kept = before.groupby("unit")["count"].transform("sum") > 0
    result = fit_totals(before[kept], recent[kept])
    return {"recent_ratio": float(np.exp(result.params[EFFECT])), "recent_p": float(result.pvalues[EFFECT])}


def _check(counts: pd.DataFrame, unit: str) -> None:
    """LPTError unless both sides have records in both periods, with at least 3 units in all."""
    if counts["unit"].nunique() < 3:
        raise LPTError(f"a difference-in-differences needs at least 3 {unit}s with records (the setup's and comparison ones)")
    sides = counts.groupby(["treated", "after"])["count"].sum()
    for treated, after, what in ((True, False, f"the setup's {unit}s before the start"),
                                 (True, True, f"the setup's {unit}s after the start"),
                                 (False, False, f"the comparison {unit}s before the start"),
                                 (False, True, f"the comparison {unit}s after the start")):
        if sides.get((treated, after), 0) == 0:
            raise LPTError(f"no records for {what}: no rate ratio can be estimated")


def _notes(unit: str, treated: int, errors: str, checks: dict[str, float], left_out: int) -> tuple[str, ...]:
    notes = []
    if left_out:
        notes.append(f"{left_out} {unit}s with no record in either period carry no information and are left out.")
    if treated < FEW_UNITS:
        if errors == "cluster":
            notes.append(f"Only {treated} treated {unit}s: cluster-robust intervals are unreliable below about "
                         f"{FEW_UNITS} clusters (Bertrand, Duflo and Mullainathan 2004); use errors='quasi'.")
        else:
            notes.append(f"Only {treated} treated {unit}s: the interval assumes they vary from before to after as "
                         "the comparison units do, which their own data cannot check.")
    if checks["pre_trend_p"] < 0.05:
        notes.append(f"Before the start the setup's {unit}s already trended differently from the comparison "
                     f"({checks['pre_trend_ratio']:.3f} a month, p = {checks['pre_trend_p']:.3f}): the comparison "
                     "may not show what would have happened without the setup.")
    if checks["recent_p"] < 0.05:
        if checks["recent_ratio"] > 1:
            notes.append(f"In the last {RECENT_MONTHS} months before the start the setup's {unit}s were "
                         f"{checks['recent_ratio'] - 1:.0%} above their earlier level relative to the comparison: "
                         "if the setup was chosen for that rise, part of any fall after it is regression to the mean.")
        else:
            notes.append(f"In the last {RECENT_MONTHS} months before the start the setup's {unit}s were "
                         f"{1 - checks['recent_ratio']:.0%} below their earlier level relative to the comparison: "
                         "a rise back after the start would hide part of a real effect.")
    notes.append("Crime displaced from the setup's area into nearby comparison units, or benefits spreading to "
                 "them, bias the comparison: comparison units next to the setup's deserve a look.")
    return tuple(notes)
