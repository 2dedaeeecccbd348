"""Checks of the crime estimators by simulation on the store's own police.uk records.

An interval that claims 95% should hold the true effect 95% of the time, and a test at 5% should call a
setup that did nothing significant 5% of the time, on data like the data it will meet: overdispersed,
seasonal, serially correlated crime counts of real streets and wards. So the check uses them.

Each simulated dataset is a placebo setup: a random set of ``treated`` units of the force (streets or wards
with households), drawn with the dataset's own seed — anywhere in the force, or (``within_ward``) streets of
one random ward, as a setup of streets is, so that they share their ward's ups and downs — and a random
start month leaving ``before_months``
months held before it and at least ``min_after`` after. Nothing happened there, so the true effect is known:
none, or the one planted. An effect is planted by binomial thinning of the placebo units' records after the
start: each record is kept with probability ``p``. Thinning a Poisson process by ``p`` leaves a Poisson
process with rate x ``p`` (and a mixed Poisson one mixed the same way), so the planted rate ratio is
exactly ``p`` whatever the counts' overdispersion; ``p = 1`` plants nothing. With
``rate_ratio="detectable"`` each dataset plants its own minimum detectable rate ratio
(lpt.evaluation.power, from its before months and matched comparison), so about 80% should be significant.

Each dataset then runs the estimator as :func:`lpt.evaluation.crime.crime_effect` does: the matched
difference-in-differences (lpt.evaluation.matching, lpt.evaluation.did) or the interrupted time series of the
placebo units (lpt.evaluation.its). :class:`SimulationCheck` reports the share of 95% intervals holding the
planted ratio (target 93-97%), the share significant at 5% (about 5% with nothing planted) and the mean
estimate, each with its Monte Carlo standard error (sqrt(share x (1 - share) / datasets)). A dataset whose
estimator refuses (e.g. placebo units with no records after the start) counts as failed and is left out of
the shares. ``benchmarks/evaluation.py`` runs the full check; the figures are in the estimators' docstrings.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sqlalchemy import Engine

from lpt.errors import LPTError
from lpt.evaluation.did import difference_in_differences
from lpt.evaluation.effect import METHODS
from lpt.evaluation.its import interrupted_time_series
from lpt.evaluation.matching import COMPARISONS, match_comparisons, matched_counts, matching_features
from lpt.evaluation.panel import UnitCounts, busiest_force, panel_of, unit_counts
from lpt.evaluation.power import detectable_rate_ratio
from lpt.progress import progress_bar

__all__ = ["RESULT_COLUMNS", "TREATED", "SimulationCheck", "simulation_check"]

#: Columns of :attr:`SimulationCheck.results`, one row per dataset: ``dataset`` (its number, also its seed
#: with the check's), ``start_month``, ``ward_code`` (the ward the placebo streets were drawn in, with
#: ``within_ward``; else None), ``treated`` and ``comparison`` (units in the estimate), ``planted``
#: (the true rate ratio), ``estimate``, ``ci_low``, ``ci_high``, ``p_value``, ``covers`` (the interval holds
#: ``planted``), ``significant`` (p < 0.05), ``pre_trend_p`` (the difference-in-differences' check; NaN for
#: the time series), ``failed`` (the estimator refused: the reason, else None).
RESULT_COLUMNS = ["dataset", "start_month", "ward_code", "treated", "comparison", "planted", "estimate", "ci_low",
                  "ci_high", "p_value", "covers", "significant", "pre_trend_p", "failed"]
#: Placebo units per dataset by default: a street setup's worth of streets, and one ward (the usual setup).
TREATED = {"street": 30, "ward": 1}


@dataclass(frozen=True)
class SimulationCheck:
    """Results of :func:`simulation_check`: ``results`` (:data:`RESULT_COLUMNS`) and what was run."""

    method: str
    unit: str
    outcome: str
    rate_ratio: float | str
    results: pd.DataFrame
    seconds: float

    @property
    def summary(self) -> pd.Series:
        """``datasets``, ``failed``; ``coverage`` and ``significant`` (shares of the datasets that ran) with
        Monte Carlo standard errors ``coverage_se`` and ``significant_se``; ``mean_planted``;
        ``mean_estimate`` and ``geometric_mean_estimate`` with theirs, ``mean_estimate_se`` and
        ``geometric_mean_se``; ``pre_trend_flagged`` (share with pre_trend_p < 0.05); ``seconds``."""
        ran = self.results[self.results["failed"].isna()]
        n = max(len(ran), 1)
        share = {name: float(ran[name].mean()) if len(ran) else float("nan") for name in ("covers", "significant")}
        logged = np.log(ran["estimate"])
        geometric = float(np.exp(logged.mean()))
        return pd.Series({
            "datasets": len(self.results), "failed": len(self.results) - len(ran),
            "coverage": share["covers"], "coverage_se": float(np.sqrt(share["covers"] * (1 - share["covers"]) / n)),
            "significant": share["significant"],
            "significant_se": float(np.sqrt(share["significant"] * (1 - share["significant"]) / n)),
            "mean_planted": float(ran["planted"].mean()), "mean_estimate": float(ran["estimate"].mean()),
            "mean_estimate_se": float(ran["estimate"].std() / np.sqrt(n)),
            "geometric_mean_estimate": geometric, "geometric_mean_se": geometric * float(logged.std() / np.sqrt(n)),
            "pre_trend_flagged": float((ran["pre_trend_p"] < 0.05).mean()), "seconds": self.seconds,
        })


def simulation_check(
    engine: Engine, *, n_datasets: int = 200, rate_ratio: float | str = 1.0, method: str = "did",
    unit: str = "street", seed: int = 0, progress: bool | None = None, outcome: str = "crime",
    treated: int | None = None, before_months: int = 6, min_after: int = 3, k: int | None = None, errors: str = "auto",
    force: str | None = None, within_ward: bool = False,
) -> SimulationCheck:
    """Run the estimator ``method`` (did, its) on ``n_datasets`` placebo setups of ``treated`` units
    (default :data:`TREATED`) of ``unit`` with ``rate_ratio`` planted (a ratio in (0, 1], or "detectable"),
    on the records of ``force`` (default: the force with most records). ``errors``: the
    difference-in-differences' standard errors (lpt.evaluation.did.ERRORS). ``within_ward``: the placebo
    streets are ``treated`` streets of one random ward (all of them in a smaller ward). Seeded: the same
    arguments give the same results."""
    if method not in METHODS:
        raise LPTError(f"method is one of {', '.join(METHODS)}, not {method!r}")
    if rate_ratio != "detectable" and not (isinstance(rate_ratio, float | int) and 0 < rate_ratio <= 1):
        raise LPTError(f"rate_ratio is a ratio in (0, 1] (thinning cannot add records) or 'detectable', not {rate_ratio!r}")
    if rate_ratio == "detectable" and method != "did":
        raise LPTError("the detectable ratio is the difference-in-differences' (method 'did')")
    if within_ward and unit != "street":
        raise LPTError("within_ward draws streets of one ward: unit must be 'street'")
    counts = unit_counts(engine, force=force or busiest_force(engine), outcome=outcome, unit=unit)
    months = counts.months
    starts = months[before_months:len(months) - min_after + 1]
    size = TREATED[unit] if treated is None else treated
    if not starts or not 0 < size < len(counts.units):
        raise LPTError(f"too few months ({len(months)}) or {unit}s ({len(counts.units)}) for these placebo setups")
    began = time.perf_counter()
    k = k or COMPARISONS[unit]
    rows = [_dataset(counts, i, seed, starts, size, rate_ratio, method, before_months, k, errors, within_ward)
            for i in progress_bar(range(n_datasets), "simulated setups", "setup", progress)]
    return SimulationCheck(method, unit, outcome, rate_ratio, pd.DataFrame(rows, columns=RESULT_COLUMNS),
                           time.perf_counter() - began)


def _dataset(counts: UnitCounts, number: int, seed: int, starts: list[str], size: int, rate_ratio: float | str,
             method: str, before_months: int, k: int, errors: str, within_ward: bool) -> dict:
    """One placebo setup: draw, plant, estimate."""
    rng = np.random.default_rng([seed, number])
    start = starts[rng.integers(len(starts))]
    units, ward = counts.units, None
    if within_ward:
        ward = str(rng.choice(np.sort(units["ward_code"].unique())))
        units = units[units["ward_code"] == ward]
    chosen = rng.choice(units["unit"].to_numpy(), size=min(size, len(units)), replace=False)
    panel = panel_of(counts, chosen, start, before_months=before_months)
    row = {"dataset": number, "start_month": start, "ward_code": ward, "treated": len(chosen), "comparison": 0,
           "planted": np.nan, "pre_trend_p": np.nan, "failed": None}
    try:
        rows = panel.counts if method == "its" else matched_counts(panel, match_comparisons(matching_features(panel), k=k))
        planted = rate_ratio
        if rate_ratio == "detectable":
            planted = detectable_rate_ratio(rows, after_months=len(panel.months_after), unit=panel.unit).rate_ratio
        thinned = _thinned(rows, float(planted), rng)
        effect = (interrupted_time_series(thinned, outcome=panel.outcome, unit=panel.unit) if method == "its" else
                  difference_in_differences(thinned, outcome=panel.outcome, unit=panel.unit, errors=errors))
    except LPTError as exc:
        return row | {"failed": str(exc)}
    return row | {
        "treated": effect.treated, "comparison": effect.comparison, "planted": float(planted),
        "estimate": effect.estimate, "ci_low": effect.ci_low, "ci_high": effect.ci_high, "p_value": effect.p_value,
        "covers": bool(effect.ci_low <= planted <= effect.ci_high), "significant": bool(effect.p_value < 0.05),
        "pre_trend_p": effect.checks.get("pre_trend_p", np.nan),
    }


def _thinned(counts: pd.DataFrame, keep: float, rng: np.random.Generator) -> pd.DataFrame:
    """``counts`` with each record of the treated units after the start kept with probability ``keep``."""
    if keep >= 1:
        return counts
    thinned = counts.copy()
    chosen = (thinned["treated"] & thinned["after"]).to_numpy()
    thinned.loc[chosen, "count"] = rng.binomial(thinned.loc[chosen, "count"].to_numpy(), keep)
    return thinned
