"""Back-test: forecast every month from the 4th on from the earlier months only, and score it.

Methods compared: ``lpt`` (:func:`lpt.forecast.model.expected_counts`; with
harm weights also ``lpt_harm``, streets ranked by expected harm), the
naive baselines of :mod:`lpt.forecast.baselines`, and ``perfect`` foresight
(the ceiling, scored by hit rate only). Scoring rules: :mod:`lpt.forecast.metrics`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from lpt.errors import LPTError
from lpt.forecast import baselines, metrics
from lpt.forecast.history import StreetHistory
from lpt.forecast.model import expected_counts

__all__ = ["COVERAGES", "FIRST_TEST_MONTH", "BacktestResult", "run_backtest", "summary_table"]

COVERAGES: tuple[float, ...] = (0.01, 0.05, 0.10)
#: Months are forecast from the 4th on (index 3), so every forecast has three months behind it.
FIRST_TEST_MONTH = 3

#: Baseline name → score per street from the earlier months' totals.
_BASELINES: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "last_month": baselines.last_month,
    "all_history": baselines.all_history,
    "ewma": baselines.ewma,
}


@dataclass
class BacktestResult:
    """Scores and metrics of a back-test.

    ``scores``: columns ``month, location, lsoa_code, score``: LPT's forecast
    for every street seen before each test month. ``per_month``: columns
    ``month, method, coverage, streets, k, hit_rate, pai, pei`` and
    ``harm_hit_rate`` when harm weights were given. ``summary``: the same
    metrics averaged over test months, one row per method and coverage.
    """

    force: str
    scores: pd.DataFrame
    per_month: pd.DataFrame
    summary: pd.DataFrame

    def as_dict(self) -> dict:
        """The ``--json`` shape: per method, each metric at each coverage (means over test months)."""
        methods: dict[str, dict] = {}
        for (method, coverage), row in self.summary.set_index(["method", "coverage"]).iterrows():
            entry = methods.setdefault(method, {})
            for metric, value in row.drop(["streets", "k"]).items():
                entry.setdefault(metric, {})[f"{coverage:.0%}"] = None if pd.isna(value) else round(float(value), 6)
        return {
            "force": self.force,
            "test_months": sorted(self.per_month["month"].unique().tolist()),
            "methods": methods,
        }


def run_backtest(
    history: StreetHistory, *, force: str = "", harm_weights: Mapping[str, float] | None = None
) -> BacktestResult:
    """Forecast and score every month from the 4th on; ``harm_weights`` maps crime type → weight."""
    if len(history.months) <= FIRST_TEST_MONTH:
        raise LPTError(
            f"the back-test needs at least {FIRST_TEST_MONTH + 1} consecutive months, got {len(history.months)}"
        )
    harm = _harm_vector(history, harm_weights)
    totals = history.totals
    score_frames, rows = [], []
    for t in range(FIRST_TEST_MONTH, len(history.months)):
        seen = np.flatnonzero(totals[:t].sum(axis=0) > 0)
        test = _TestMonth(history.months[t], history.counts[t], seen, harm)
        expected = expected_counts(history.counts[:t])[seen]
        method_scores = {"lpt": expected.sum(axis=1)}
        if harm is not None:
            method_scores["lpt_harm"] = expected @ harm  # ranked by expected harm, not count
        method_scores |= {name: score(totals[:t])[seen] for name, score in _BASELINES.items()}
        method_scores["perfect"] = test.outcome
        for name, scores in method_scores.items():
            rows += test.score_rows(name, scores)
        score_frames.append(history.streets.iloc[seen].assign(month=test.month, score=method_scores["lpt"]))
    per_month = pd.DataFrame(rows)
    per_month.loc[per_month["method"] == "perfect", ["pai", "pei"]] = np.nan
    summary = per_month.drop(columns="month").groupby(["method", "coverage"], sort=False).mean().reset_index()
    scores = pd.concat(score_frames, ignore_index=True)[["month", "location", "lsoa_code", "score"]]
    return BacktestResult(force=force, scores=scores, per_month=per_month, summary=summary)


class _TestMonth:
    """What one test month holds for scoring: rows (and harm) per seen street, and in all."""

    def __init__(self, month: str, counts: np.ndarray, seen: np.ndarray, harm: np.ndarray | None) -> None:
        self.month = month
        self.outcome = counts[seen].sum(axis=1)
        self.total = counts.sum()
        self.harm_outcome = counts[seen] @ harm if harm is not None else None
        self.harm_total = (counts @ harm).sum() if harm is not None else None

    def score_rows(self, method: str, scores: np.ndarray) -> list[dict]:
        rows = []
        for coverage in COVERAGES:
            row = {
                "month": self.month,
                "method": method,
                "coverage": coverage,
                "streets": len(scores),
                "k": round(coverage * len(scores)),
                "hit_rate": metrics.hit_rate(scores, self.outcome, self.total, coverage),
                "pai": metrics.pai(scores, self.outcome, self.total, coverage),
                "pei": metrics.pei(scores, self.outcome, self.total, coverage),
            }
            if self.harm_outcome is not None:
                row["harm_hit_rate"] = metrics.hit_rate(scores, self.harm_outcome, self.harm_total, coverage)
            rows.append(row)
        return rows


def _harm_vector(history: StreetHistory, harm_weights: Mapping[str, float] | None) -> np.ndarray | None:
    if harm_weights is None:
        return None
    missing = [t for t in history.crime_types if t not in harm_weights]
    if missing:
        raise LPTError(f"harm weights missing for crime types: {', '.join(missing)}")
    return np.array([harm_weights[t] for t in history.crime_types], dtype=float)


def summary_table(result: BacktestResult) -> pd.DataFrame:
    """One row per method; columns ``<metric> <coverage>`` (e.g. ``hit_rate 5%``), means over test months."""
    metric_columns = [c for c in result.summary.columns if c not in ("method", "coverage", "streets", "k")]
    wide = result.summary.pivot(index="method", columns="coverage", values=metric_columns)
    wide.columns = [f"{metric} {coverage:.0%}" for metric, coverage in wide.columns]
    order = [m for m in ["lpt", "lpt_harm", *_BASELINES, "perfect"] if m in wide.index]
    return wide.loc[order].dropna(axis=1, how="all")
