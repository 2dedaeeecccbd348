"""Hot and cold spots across neighbouring areas: local Getis-Ord G* or local Moran, FDR-corrected.

Methods:

* Spatial weights: queen contiguity (areas sharing a boundary point are
  neighbours), :meth:`libpysal.weights.Queen.from_dataframe`.
* ``getis_ord``: local G* (Getis & Ord 1992; Ord & Getis 1995) with binary
  weights and the area itself included (``star=True``): is the value of an area
  and its neighbours together unusually high (hot) or low (cold)?
  :class:`esda.getisord.G_Local`.
* ``moran``: local Moran's I, a LISA (Anselin 1995) on row-standardised
  weights: is an area like (HH, LL) or unlike (HL, LH) its neighbours?
  :class:`esda.moran.Moran_Local`.
* Significance: conditional permutation (the area's value held, the others
  shuffled among its neighbours) with an explicit seed, so results repeat.
  The pseudo p-value is two-sided: twice esda's folded one-sided value
  ``(m + 1) / (permutations + 1)`` (``m`` the permutations at least as extreme
  in the direction of the observed statistic), capped at 1. GeoDa reports the
  one-sided value, which halves p for a test of "high or low" and doubles the
  false discoveries; esda itself recommends moving to two-sided.
* Multiple testing: one test per area, so the p-values are adjusted with the
  Benjamini & Hochberg (1995) false-discovery-rate procedure across all
  tested areas (:func:`statsmodels.stats.multitest.multipletests`,
  ``fdr_bh``); an area is significant when its adjusted p-value is at most
  ``alpha``. With ``permutations`` permutations no p-value is below
  ``2 / (permutations + 1)``, so use enough (999 by default): among ``n``
  areas the best one is significant only if its p-value is at most
  ``alpha / n`` or enough others share small p-values.

Areas with no value, and islands (areas with no contiguous neighbour among
those tested, e.g. after sparse areas were set aside), are not tested: they
stay in the result with no statistic and classification ``not tested``.

The survey figures (:func:`concern_hotspots`, :func:`low_confidence_hotspots`)
are shares of respondents per LSOA 2021; LSOAs with fewer than
:data:`MIN_ANSWERS` answers are set aside before the weights are built (too
few answers for a share), so they neither get a classification nor count as
anyone's neighbour.
"""

from __future__ import annotations

import warnings
from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd
from esda.getisord import G_Local
from esda.moran import Moran_Local
from libpysal.weights import Queen
from sqlalchemy import Engine
from statsmodels.stats.multitest import multipletests

from lpt.stats.microdata import respondents
from lpt.store.queries import boundaries
from lpt.vocab import TOPICS

__all__ = [
    "MIN_ANSWERS",
    "NOT_SIGNIFICANT",
    "NOT_TESTED",
    "RESULT_COLUMNS",
    "local_hotspots",
    "concern_hotspots",
    "low_confidence_hotspots",
]

#: LSOAs with fewer survey answers than this are set aside by the survey hot spots.
MIN_ANSWERS = 5
#: Classification of a tested area whose adjusted p-value is above ``alpha``.
NOT_SIGNIFICANT = "not significant"
#: Classification of an area with no value or no neighbour (an island).
NOT_TESTED = "not tested"
#: Columns of :func:`local_hotspots`.
RESULT_COLUMNS = ["code", "value", "neighbours", "statistic", "p_value", "p_adjusted", "classification"]

_MORAN_QUADRANTS = {1: "HH", 2: "LH", 3: "LL", 4: "HL"}  # esda's q (geoda_quads=False)


def local_hotspots(
    gdf: gpd.GeoDataFrame,
    column: str,
    *,
    code: str = "code",
    method: Literal["getis_ord", "moran"] = "getis_ord",
    permutations: int = 999,
    alpha: float = 0.05,
    seed: int = 12345,
) -> pd.DataFrame:
    """Local hot and cold spots of ``gdf[column]`` over queen-contiguous areas.

    ``gdf``: polygons (any CRS; contiguity is topological), one row per area,
    ``code`` naming the area. Returns one row per row of ``gdf``, in its order,
    columns :data:`RESULT_COLUMNS`:

    * ``code``, ``value`` (``gdf[column]``);
    * ``neighbours``: contiguous areas among those tested (0: an island);
    * ``statistic``: for ``getis_ord`` the standardised G* (z-score; positive
      is higher than expected), for ``moran`` the local Moran's I;
    * ``p_value``: two-sided pseudo p-value from ``permutations`` conditional
      permutations (seeded by ``seed``);
    * ``p_adjusted``: Benjamini-Hochberg adjusted p-value across the tested areas;
    * ``classification``: ``hot`` / ``cold`` (``getis_ord``) or ``HH`` / ``LL``
      / ``HL`` / ``LH`` (``moran``: the area's value and its neighbours' mean,
      each high or low against the mean) where ``p_adjusted <= alpha``;
      :data:`NOT_SIGNIFICANT` otherwise; :data:`NOT_TESTED` for areas with no
      value or no neighbour (statistic and p-values missing).

    G* needs values >= 0 (shares, rates, counts).
    """
    if method not in ("getis_ord", "moran"):
        raise ValueError(f"method must be 'getis_ord' or 'moran', got {method!r}")
    if permutations < 1:
        raise ValueError("permutations must be at least 1")
    out = pd.DataFrame({"code": gdf[code].to_numpy(), "value": pd.to_numeric(gdf[column]).to_numpy(float)})
    out["neighbours"] = 0
    for name in ("statistic", "p_value", "p_adjusted"):
        out[name] = np.nan
    out["classification"] = NOT_TESTED

    tested = np.flatnonzero(~np.isnan(out["value"].to_numpy()))
    if len(tested) < 3:
        return out  # too few areas with a value for a test
    weights = _queen(gdf.iloc[tested])
    cardinality = np.array([weights.cardinalities[i] for i in range(len(tested))])
    out.loc[tested, "neighbours"] = cardinality
    if (cardinality > 0).sum() < 3:
        return out  # too few connected areas for a test
    tested = tested[cardinality > 0]
    weights = _queen(gdf.iloc[tested])  # islands dropped: the others' neighbours are unchanged
    y = out["value"].to_numpy()[tested]
    if method == "getis_ord" and (y < 0).any():
        raise ValueError("local G* needs values >= 0")
    if np.ptp(y) == 0:
        out.loc[tested, ["p_value", "p_adjusted"]] = 1.0
        out.loc[tested, "classification"] = NOT_SIGNIFICANT
        return out

    with warnings.catch_warnings():
        # esda warns that its default alternative ('directed', kept here) will change.
        warnings.simplefilter("ignore", DeprecationWarning)
        if method == "getis_ord":
            result = G_Local(y, weights, transform="B", star=True, permutations=permutations, seed=seed, n_jobs=1)
            statistic = result.Zs
            labels = np.where(statistic > 0, "hot", "cold")
        else:
            result = Moran_Local(y, weights, transformation="r", permutations=permutations, seed=seed, n_jobs=1)
            statistic = result.Is
            labels = np.array([_MORAN_QUADRANTS[int(q)] for q in result.q])
    p_value = np.minimum(1.0, 2 * np.asarray(result.p_sim, dtype=float))
    _, p_adjusted, _, _ = multipletests(p_value, alpha=alpha, method="fdr_bh")
    out.loc[tested, "statistic"] = statistic
    out.loc[tested, "p_value"] = p_value
    out.loc[tested, "p_adjusted"] = p_adjusted
    out.loc[tested, "classification"] = np.where(p_adjusted <= alpha, labels, NOT_SIGNIFICANT)
    return out


def concern_hotspots(engine: Engine, topic: str, *, wave: str | None = None, **options) -> pd.DataFrame:
    """Hot spots of the share of respondents naming ``topic`` among their three priorities, per LSOA.

    ``wave`` (like ``2025Q1``) limits the answers; None: every wave. ``options``
    go to :func:`local_hotspots`. Columns: :data:`RESULT_COLUMNS` (``code`` the
    LSOA 2021, ``value`` the share) and ``answers``.
    """
    if topic not in TOPICS:
        raise ValueError(f"unknown topic {topic!r}: one of {', '.join(TOPICS)}")
    answers = _answers(engine, wave)
    named = answers[["priority_1", "priority_2", "priority_3"]].eq(topic).any(axis=1)
    return _lsoa_hotspots(engine, answers.assign(flag=named.astype(float)), options)


def low_confidence_hotspots(engine: Engine, *, wave: str | None = None, **options) -> pd.DataFrame:
    """Hot spots of the share of respondents not confident in the police (confidence 1 or 2 of 5), per LSOA.

    Answers with no confidence figure are left out. As :func:`concern_hotspots`.
    """
    answers = _answers(engine, wave).dropna(subset=["confidence"])
    return _lsoa_hotspots(engine, answers.assign(flag=(answers["confidence"] <= 2).astype(float)), options)


def _answers(engine: Engine, wave: str | None) -> pd.DataFrame:
    answers = respondents(engine)
    return answers if wave is None else answers[answers["wave"] == wave]


def _lsoa_hotspots(engine: Engine, answers: pd.DataFrame, options: dict) -> pd.DataFrame:
    """Share of ``flag`` per LSOA with at least :data:`MIN_ANSWERS` answers, on LSOA polygons, then hot spots."""
    per_lsoa = (
        answers.groupby("lsoa21_code")["flag"]
        .agg(["mean", "size"])
        .rename(columns={"mean": "share", "size": "answers"})
    )
    per_lsoa = per_lsoa[per_lsoa["answers"] >= MIN_ANSWERS]
    polygons = boundaries(engine, "lsoa21_boundaries")
    areas = polygons.merge(per_lsoa, left_on="code", right_index=True).reset_index(drop=True)
    result = local_hotspots(areas, "share", code="code", **options)
    return result.assign(answers=areas["answers"].to_numpy())


def _queen(gdf: gpd.GeoDataFrame) -> Queen:
    """Queen contiguity on positions 0..n-1, island warnings silenced (islands are handled by the caller)."""
    frame = gdf.reset_index(drop=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return Queen.from_dataframe(frame, use_index=False, silence_warnings=True)
