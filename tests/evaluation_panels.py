"""Hand-made outcome panels for the evaluation tests: Poisson counts where the true effect is known."""

from __future__ import annotations

import numpy as np
import pandas as pd

from lpt.evaluation.panel import UNIT_COLUMNS, Panel, UnitCounts, panel_of

START = "2024-01"  # the start month of every synthetic setup


def synthetic_counts(
    seed: int, *, treated: int = 40, comparison: int = 120, months_before: int = 12, months_after: int = 6,
    rate_ratio: float = 1.0, pre_trend: float = 0.0, recent_rise: float = 1.0, rate: float = 0.02,
    mixing: float | None = None,
) -> tuple[UnitCounts, list[str]]:
    """Monthly counts of ``treated`` + ``comparison`` streets around :data:`START` and the treated units' names.

    Each unit has 40-400 households and a rate per household per month around ``rate`` (log-normal spread),
    months share a seasonal swing and a common trend. The treated units' counts after the start are
    multiplied by ``rate_ratio``; ``pre_trend`` adds exp(pre_trend x t) to the treated units in every month;
    ``recent_rise`` multiplies the treated units' last 3 months before the start. ``mixing``: the
    shape of a gamma mixing of each unit-month mean (None: plain Poisson).
    """
    rng = np.random.default_rng(seed)
    n = treated + comparison
    names = [f"U{i:04d}" for i in range(n)]
    months = pd.period_range(pd.Period(START, freq="M") - months_before, periods=months_before + months_after, freq="M")
    t = np.array([(m - pd.Period(START, freq="M")).n for m in months])
    households = rng.integers(40, 400, n).astype(float)
    unit_rate = rate * np.exp(rng.normal(0, 0.5, n))
    month_effect = np.exp(0.15 * np.sin(2 * np.pi * months.month.to_numpy() / 12) + 0.005 * t)
    is_treated = np.arange(n) < treated
    mean = households[:, None] * unit_rate[:, None] * month_effect[None, :]
    mean *= np.where(is_treated[:, None] & (t[None, :] >= 0), rate_ratio, 1.0)
    mean *= np.where(is_treated[:, None], np.exp(pre_trend * t)[None, :], 1.0)
    mean *= np.where(is_treated[:, None] & (t[None, :] < 0) & (t[None, :] >= -3), recent_rise, 1.0)
    if mixing is not None:
        mean = mean * rng.gamma(mixing, 1 / mixing, mean.shape)
    counts = pd.DataFrame(rng.poisson(mean), index=pd.Index(names, name="unit"), columns=[str(m) for m in months])
    units = pd.DataFrame({"unit": names, "ward_code": [f"W{i % 10}" for i in range(n)], "lsoa21_code": None,
                          "street_name": None, "exposure": households, "imd_decile": rng.integers(1, 11, n).astype(float)})
    return UnitCounts("crime", "street", units[UNIT_COLUMNS], counts.rename_axis(columns=None)), names[:treated]


def synthetic_panel(seed: int, *, months_before: int = 12, **options) -> Panel:
    """:func:`synthetic_counts` as a panel around :data:`START` (every unit: treated and comparison)."""
    counts, treated = synthetic_counts(seed, months_before=months_before, **options)
    return panel_of(counts, treated, START, before_months=months_before)
