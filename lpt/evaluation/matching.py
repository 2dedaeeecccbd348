"""Comparison units for a setup: the candidates most like its units before it started.

A difference-in-differences is only as good as its comparison: units whose crime moved like the setup's
before it would have gone on moving like it. Following Stuart (2010), "Matching methods for causal
inference: a review and a look forward", *Statistical Science* 25(1), 1-21, each treated unit takes its
``k`` nearest candidates (default 3; s. 3.1, k:1 nearest-neighbour matching, with replacement: a candidate
may serve several treated units, which gives the closest matches at some cost in variance, s. 3.1.2) on
the variables of :data:`MATCH_VARIABLES`, measured over the before period:

* ``level``: the log rate per household per month, log((records + 0.5) / (households x months)); the 0.5
  keeps a unit with no records finite;
* ``trend``: the least-squares slope of log(1 + records) on the month (change per month);
* ``imd_decile``: IMD 2025 decile (1 most deprived; a ward's is the household-weighted mean of its LSOAs').

Each variable becomes a z-score over the treated units and the candidates together (population standard
deviation; a constant variable scores 0 and does not count) and distance is Euclidean
(:class:`scipy.spatial.cKDTree`), as in lpt.stats.peers. Units missing a variable are left out, with a note.
The matched set is the distinct candidates chosen; the difference-in-differences counts each once.

Balance (Stuart 2010, s. 6.1): the mean of each variable over the treated units, the matched set and every
candidate, and the standardised differences in means (treated minus the others) over one denominator
before and after matching, as Stuart advises so that a change reflects the means alone. Stuart divides by
the treated units' standard deviation; a setup measured on one ward has none, so the denominator here is
the standard deviation over treated and candidates together. A matched difference above
:data:`BALANCE_LIMIT` in absolute value (Stuart, citing Rubin 2001) is flagged and noted.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree
from scipy.stats import zscore

from lpt.errors import LPTError
from lpt.evaluation.panel import Panel

__all__ = [
    "COMPARISONS",
    "BALANCE_COLUMNS",
    "BALANCE_LIMIT",
    "FEATURE_COLUMNS",
    "MATCH_VARIABLES",
    "PAIR_COLUMNS",
    "Matching",
    "match_comparisons",
    "matched_counts",
    "matching_features",
]

#: What units are matched on.
MATCH_VARIABLES = ("level", "trend", "imd_decile")
#: Comparison units per treated unit by default. A setup of one ward compared with 3 wards leaves 2 degrees
#: of freedom to learn the spread of changes from: in simulation (200 placebo wards each) the crime intervals
#: covered a planted 30% fall 91.5% of the time and found it 23% of the time, with 6 wards 96.5% and 55%
#: (lpt.evaluation.simulate); the confidence intervals were 36 points wide and covered 92.5-93%, with 6
#: wards 22 points and 96.5-97% (lpt.evaluation.simulate_confidence). Streets are many: 3 each is plenty.
COMPARISONS = {"street": 3, "ward": 6}
#: Columns of :func:`matching_features`: ``unit``, ``treated`` and :data:`MATCH_VARIABLES`.
FEATURE_COLUMNS = ["unit", "treated", *MATCH_VARIABLES]
#: Columns of :attr:`Matching.pairs`: ``treated_unit``, ``comparison_unit``, ``rank`` (1 nearest),
#: ``distance`` (Euclidean, in z-scores).
PAIR_COLUMNS = ["treated_unit", "comparison_unit", "rank", "distance"]
#: Columns of :attr:`Matching.balance`, one row per variable: ``variable``; means over ``treated``,
#: ``matched`` (the distinct matched candidates) and ``candidates`` (all); ``std_diff_matched`` and
#: ``std_diff_candidates`` (treated mean minus the other, over the standard deviation of treated and
#: candidates together); ``balanced`` (``|std_diff_matched|`` at most :data:`BALANCE_LIMIT`).
BALANCE_COLUMNS = ["variable", "treated", "matched", "candidates", "std_diff_matched", "std_diff_candidates", "balanced"]
#: Largest absolute standardised difference counted as balanced.
BALANCE_LIMIT = 0.25


@dataclass(frozen=True)
class Matching:
    """Matched comparison units: ``pairs`` (:data:`PAIR_COLUMNS`), ``balance`` (:data:`BALANCE_COLUMNS`) and
    ``notes`` (units left out, variables out of balance)."""

    pairs: pd.DataFrame
    balance: pd.DataFrame
    notes: tuple[str, ...] = ()

    @property
    def comparison(self) -> list[str]:
        """The distinct matched candidates, sorted."""
        return sorted(self.pairs["comparison_unit"].unique())


def matching_features(panel: Panel) -> pd.DataFrame:
    """:data:`FEATURE_COLUMNS` of every unit of ``panel`` over its before months (one row per unit)."""
    before = panel.counts[~panel.counts["after"]]
    wide = before.pivot(index="unit", columns="t", values="count").astype(float)
    units = panel.units.set_index("unit").loc[wide.index]
    level = np.log((wide.sum(axis=1) + 0.5) / (units["exposure"] * wide.shape[1]))
    months = wide.columns.to_numpy(dtype=float) - wide.columns.to_numpy(dtype=float).mean()
    logged = np.log1p(wide.to_numpy())
    trend = (logged - logged.mean(axis=1, keepdims=True)) @ months / (months @ months) if len(months) > 1 else 0.0
    return pd.DataFrame({
        "unit": wide.index, "treated": units["treated"].to_numpy(dtype=bool), "level": level.to_numpy(),
        "trend": trend, "imd_decile": units["imd_decile"].to_numpy(dtype=float),
    })[FEATURE_COLUMNS].reset_index(drop=True)


def match_comparisons(features: pd.DataFrame, *, k: int = 3) -> Matching:
    """Each treated unit's ``k`` nearest candidates (with replacement) and the balance table.

    ``features``: :data:`FEATURE_COLUMNS` (as from :func:`matching_features`). ``k`` above the number of
    candidates takes them all. LPTError without a treated unit or a candidate.
    """
    if k < 1:
        raise LPTError(f"k (comparison units per treated unit) is 1 or more, not {k}")
    variables = list(MATCH_VARIABLES)
    complete = features.dropna(subset=variables)
    notes = []
    dropped = len(features) - len(complete)
    if dropped:
        notes.append(f"{dropped} units without {', '.join(variables)} are left out of the matching.")
    treated = complete["treated"].to_numpy(dtype=bool)
    if not treated.any() or treated.all():
        raise LPTError("matching needs treated units and candidates to compare them with")
    z = np.nan_to_num(zscore(complete[variables].to_numpy(dtype=float), axis=0), nan=0.0)
    k = min(k, int((~treated).sum()))
    distances, found = cKDTree(z[~treated]).query(z[treated], k=k)
    candidates = complete["unit"].to_numpy()[~treated]
    pairs = pd.DataFrame({
        "treated_unit": np.repeat(complete["unit"].to_numpy()[treated], k),
        "comparison_unit": candidates[np.reshape(found, -1)],
        "rank": np.tile(np.arange(1, k + 1), int(treated.sum())),
        "distance": np.reshape(distances, -1),
    })[PAIR_COLUMNS]
    balance = _balance(complete, set(pairs["comparison_unit"]))
    notes += [f"After matching, {row.variable.replace('_', ' ')} still differs by {row.std_diff_matched:+.2f} "
              f"standard deviations between the setup's units and the comparison (more than {BALANCE_LIMIT})."
              for row in balance.itertuples() if not row.balanced]
    return Matching(pairs, balance, tuple(notes))


def matched_counts(panel: Panel, matching: Matching) -> pd.DataFrame:
    """The rows of ``panel.counts`` for its treated units and the matched comparison units."""
    keep = panel.counts["treated"] | panel.counts["unit"].isin(matching.comparison)
    return panel.counts[keep].reset_index(drop=True)


def _balance(features: pd.DataFrame, matched: set[str]) -> pd.DataFrame:
    """:data:`BALANCE_COLUMNS` for the treated units, the matched set and all candidates."""
    treated = features["treated"].to_numpy(dtype=bool)
    rows = []
    for variable in MATCH_VARIABLES:
        values = features[variable].astype(float)
        sd = values.std(ddof=0)
        means = {"treated": values[treated].mean(), "matched": values[features["unit"].isin(matched)].mean(),
                 "candidates": values[~treated].mean()}
        differences = {f"std_diff_{group}": (means["treated"] - means[group]) / sd if sd > 0 else 0.0
                       for group in ("matched", "candidates")}
        rows.append({"variable": variable, **means, **differences})
    table = pd.DataFrame(rows)
    table["balanced"] = table["std_diff_matched"].abs() <= BALANCE_LIMIT
    return table[BALANCE_COLUMNS]
