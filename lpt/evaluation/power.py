"""What a setup could detect, before it starts: the smallest fall in records its difference-in-differences
would find with the usual power.

A minimum detectable effect (Bloom 1995, "Minimum detectable effects: a simple way to report the
statistical power of experimental designs", *Evaluation Review* 19(5), 547-556) is the true effect a
two-sided test at level ``alpha`` finds with probability ``power``: on the log scale a multiple of the
standard error SE, so the minimum detectable rate ratio is exp(-multiple x SE) for a fall (and exp(+...)
for a rise). The test is a t test on the difference-in-differences' degrees of freedom (units - 2), so the
multiple is the noncentrality at which a noncentral t has that power (statsmodels ``TTestPower``); with
many degrees of freedom it is Bloom's z(1 - alpha/2) + z(power), 2.80 for 80% power at 5%.

The standard error is that of lpt.evaluation.did's quasi-Poisson errors on each unit's before and after
totals (from 10 treated units the estimator takes clustered ones instead when they are wider, so the
figure can be a little optimistic there; in the simulation check below, 30 streets' planted minimum
detectable falls were found 84-87% of the time): Var(b) = phi x (1 / I_treated + 1 / I_comparison), where a group's information I is the sum
over its units of B x A / (B + A), B the unit's records in the before period and A those expected after it
(B x after months / before months; seasons ignored; for the setup's units times the ratio itself: a fall
leaves fewer records to see it by, so the ratio solves |log r| = multiple x SE(r)), and phi the
overdispersion the fit will find.

The choice: phi comes from placebo starts in the before period rather than from simulating a fitted model.
Every split of the before months that leaves at least :data:`MIN_SPLIT` months on each side is a
difference-in-differences with no setup (the treated units against the same comparison units, before period
only), and its Pearson scale measures how much more than Poisson the units' shifts vary, on this area's own
records. Counts of places vary more than Poisson in proportion to their size (a negative-binomial variance,
mean + alpha x mean^2), so a split's scale is 1 + alpha x m, m the mean over units of 2BA / (B + A) of its two
halves: alpha is estimated from each split and averaged (the mean floored at 0), and the planned design's phi is
1 + alpha x m with its own, longer periods. A simulation would have to invent how the after months vary,
takes minutes rather than milliseconds, and planners try several areas. Whether the approximation holds is
checked by simulation (lpt.evaluation.simulate with ``rate_ratio="detectable"``: each placebo setup's own
minimum detectable ratio, planted, should be found about 80% of the time).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import brentq
from statsmodels.stats.power import TTestPower

from lpt.errors import LPTError
from lpt.evaluation.did import FEW_UNITS, fit_totals

__all__ = ["MIN_SPLIT", "Detectable", "detectable_rate_ratio", "noncentrality"]

#: Months on each side of a placebo start.
MIN_SPLIT = 2

_WORDS = {"crime": "crime", "asb": "anti-social behaviour"}


@dataclass(frozen=True)
class Detectable:
    """The minimum detectable effect of a planned difference-in-differences.

    ``rate_ratio``: the smallest fall found with probability ``power`` by a two-sided test at ``alpha``
    (0.8: a 20% fall; 0 if no fall would be); ``rise_ratio``: the same for a rise; ``std_err`` of the log
    rate ratio with no change;
    ``overdispersion`` (the phi expected of the fit) and the ``placebo_starts`` it was
    measured on (0: assumed 1, Poisson); ``treated`` and
    ``comparison`` units with records before; ``months_before`` and ``months_after``; ``notes``; ``sentence``.
    """

    rate_ratio: float
    rise_ratio: float
    power: float
    alpha: float
    std_err: float
    overdispersion: float
    placebo_starts: int
    treated: int
    comparison: int
    months_before: int
    months_after: int
    notes: tuple[str, ...] = ()
    sentence: str = ""


def detectable_rate_ratio(
    counts: pd.DataFrame, *, after_months: int, power: float = 0.8, alpha: float = 0.05, outcome: str = "crime",
    unit: str = "street",
) -> Detectable:
    """The minimum detectable rate ratio of a difference-in-differences over ``after_months`` months.

    ``counts``: lpt.evaluation.panel.PANEL_COLUMNS rows of the treated units and their comparison units;
    only the before months are used. LPTError without before records on either side.
    """
    if not 0 < alpha < 1 or not 0 < power < 1:
        raise LPTError(f"alpha and power are between 0 and 1, not {alpha} and {power}")
    if after_months < 1:
        raise LPTError(f"after_months is 1 or more, not {after_months}")
    before = counts[~counts["after"]]
    totals = before.groupby("unit").agg(records=("count", "sum"), treated=("treated", "first"))
    totals = totals[totals["records"] > 0]
    months = before["month"].nunique()
    if not totals["treated"].any() or totals["treated"].all() or len(totals) < 3:
        raise LPTError(f"the power needs records before the start in the setup's {unit}s and at least two comparison {unit}s")
    expected = totals["records"] * after_months / months
    alpha_nb, starts = _extra_variance(before[before["unit"].isin(totals.index)])
    phi = 1 + alpha_nb * float(_size(totals["records"], expected).mean())
    multiple = noncentrality(len(totals) - 2, alpha, power)

    records, mask = totals["records"].to_numpy(dtype=float), totals["treated"].to_numpy(dtype=bool)
    baseline = expected.to_numpy(dtype=float)

    def standard_error(ratio: float) -> float:
        """SE of the log rate ratio when the setup's units' after records are ``ratio`` x expected."""
        after = baseline * np.where(mask, ratio, 1.0)
        information = records * after / (records + after)
        return float(np.sqrt(phi * (1 / information[mask].sum() + 1 / information[~mask].sum())))

    fall, rise = _solve(standard_error, multiple, -1), _solve(standard_error, multiple, +1)
    se = standard_error(1.0)
    treated, comparison = int(totals["treated"].sum()), int((~totals["treated"]).sum())
    notes = [] if starts else [f"The before period is too short to measure overdispersion (placebo starts need "
                               f"{2 * MIN_SPLIT} months): counts are taken as Poisson, so the figure is optimistic."]
    if treated < FEW_UNITS:
        notes.append(f"With only {treated} {unit}s of the setup the figure is optimistic: in simulation a single ward's "
                     "minimum detectable fall, planted, was found about half the time rather than 80%.")
    sentence = (f"With {treated} {unit}s against {comparison} comparison {unit}s, {months} months before and "
                f"{after_months} after, a fall in {_WORDS.get(outcome, outcome)} of {1 - fall:.0%} or more (rate ratio "
                f"{fall:.2f}) would be found {power:.0%} of the time at the {alpha:.0%} level; smaller effects could be missed.")
    return Detectable(
        rate_ratio=fall, rise_ratio=rise, power=power, alpha=alpha, std_err=se, overdispersion=phi,
        placebo_starts=starts, treated=treated, comparison=comparison, months_before=int(months),
        months_after=int(after_months), notes=tuple(notes),
        sentence=sentence,
    )


def _solve(standard_error, multiple: float, direction: int) -> float:
    """The rate ratio r (below 1 for ``direction`` -1, above for +1) with |log r| = ``multiple`` x
    ``standard_error(r)``: the smallest effect found with the power asked. 0 when no fall is: a large fall
    leaves so few records after that the standard error outgrows it."""
    grid = np.linspace(0, 5 * direction, 201)[1:]
    gap = np.array([abs(x) - multiple * standard_error(np.exp(x)) for x in grid])
    found = np.flatnonzero(gap >= 0)
    if not len(found):
        return 0.0 if direction < 0 else float(np.exp(grid[-1]))
    high = grid[found[0]]
    low = grid[found[0] - 1] if found[0] else 0.0
    return float(np.exp(brentq(lambda x: abs(x) - multiple * standard_error(np.exp(x)), low, high)))


def noncentrality(df: int, alpha: float, power: float) -> float:
    """The noncentrality at which a two-sided t test on ``df`` degrees of freedom at ``alpha`` has ``power``
    (statsmodels solves for an effect size of a one-sample test with df + 1 observations)."""
    size = TTestPower().solve_power(effect_size=None, nobs=df + 1, alpha=alpha, power=power)
    # A 1-element array when its fallback solver ran, and either sign: a two-sided test has two solutions.
    return abs(float(np.asarray(size).item())) * np.sqrt(df + 1)


def _extra_variance(before: pd.DataFrame) -> tuple[float, int]:
    """alpha of the placebo starts (their mean, then at least 0: flooring each first would bias it up) and
    how many there were (0: alpha taken as 0)."""
    months = sorted(before["month"].unique())
    treated = before.groupby("unit")["treated"].first()
    alphas = []
    for split in months[MIN_SPLIT:len(months) - MIN_SPLIT + 1]:
        after = before["month"] >= split
        halves = before.assign(after=after).groupby(["unit", "after"])["count"].sum().unstack(fill_value=0)
        sides = halves.groupby(treated).sum()
        if sides.shape == (2, 2) and (sides.to_numpy() > 0).all():
            size = float(_size(halves[False], halves[True]).mean())
            alphas.append((fit_totals(before, after).scale - 1) / size if size > 0 else 0.0)
    return (max(0.0, float(np.mean(alphas))), len(alphas)) if alphas else (0.0, 0)


def _size(first: pd.Series, second: pd.Series) -> pd.Series:
    """2ab / (a + b) of each unit's two period totals (0 where both are 0)."""
    total = first + second
    return (2 * first * second / total.where(total > 0)).fillna(0.0)
