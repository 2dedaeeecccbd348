"""Similar wards: a peer group for every ward, so a ward is compared with wards like it.

A force average hides that a deprived, young, high-crime inner-city ward and a
rural, older, low-crime ward are not alike. Following the "most similar
groups" of the Home Office / HMICFRS (iQuanta families of forces and
community safety partnerships) and the nearest-neighbour logic of the ONS area
classifications, each ward's peers are the ``k`` wards nearest to it in a
standardised space of:

* deprivation: the population-weighted mean IMD 2025 score of its LSOAs
  (English Indices of Deprivation 2025; a higher score is more deprived),
* population mix: the share of residents not in the White broad ethnic group
  (census 2021, TS021) and the share of adults aged 65 or over (mid-2020
  estimates, :func:`lpt.census.adult_age_counts`),
* crime: police.uk records per 1,000 residents per year, log-transformed
  (``log1p``) before standardising because rates are right-skewed and a few
  town-centre wards would otherwise dominate the distance.

Each feature is turned into a z-score (mean 0, population standard deviation 1
across the wards compared) so that every dimension weighs the same, and the
distance between two wards is the Euclidean distance of their z-scores (found
with :class:`scipy.spatial.cKDTree`). A ward is never its own peer.

Wards are those with census counts (the force's LSOAs); each LSOA counts in
its best-fit 2024 ward (``ref_lsoa21``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree
from sqlalchemy import Engine, select

from lpt.census import adult_age_counts, ethnic_counts
from lpt.store.frames import read_query
from lpt.store.queries import ward_crime_counts
from lpt.store.schema import ref_deprivation, ref_lsoa21

__all__ = [
    "FEATURES",
    "LOG_FEATURES",
    "ward_features",
    "load_ward_features",
    "peer_groups",
    "compare_with_peers",
]

#: Columns of :func:`ward_features` that :func:`peer_groups` compares by default.
FEATURES: tuple[str, ...] = ("imd_score", "share_non_white", "share_65_plus", "crime_rate")
#: Features log-transformed (``log1p``) before standardising: rates are right-skewed.
LOG_FEATURES: tuple[str, ...] = ("crime_rate",)

_OLDER_BANDS = ("65-74", "75+")


def ward_features(lsoas: pd.DataFrame, ethnic: pd.DataFrame, ages: pd.DataFrame, crime: pd.DataFrame) -> pd.DataFrame:
    """Deprivation, population mix and crime rate per ward, from LSOA frames.

    ``lsoas``: one row per LSOA 2021 with ``lsoa21_code``, ``ward_code``,
    ``imd_score`` and ``imd_decile`` (IMD 2025; ``ward_name`` optional).
    ``ethnic``: :func:`lpt.census.ethnic_counts` (residents per broad ethnic
    group, index ``lsoa21_code``). ``ages``: :func:`lpt.census.adult_age_counts`.
    ``crime``: :func:`lpt.store.queries.ward_crime_counts` rows (``ward_code``,
    ``month``, ``records``) for the period to annualise over.

    Only LSOAs with census residents count. Returns one row per ward, index
    ``ward_code``, columns:

    * ``ward_name`` (where given), ``lsoas`` (LSOAs counted), ``residents``
      (census 2021 usual residents);
    * ``imd_score``, ``imd_decile``: means of the LSOAs' IMD 2025 score and
      decile weighted by residents (decile 1 most deprived); LSOAs without an
      IMD figure are left out of the mean;
    * ``share_non_white``: share of residents in the Asian, Black, Mixed or
      Other broad groups;
    * ``share_65_plus``: share of adults (18+) aged 65 or over;
    * ``crime_rate``: records per 1,000 residents per year: records over the
      distinct months in ``crime`` (any ward), times 12 / months; a ward with
      no records has rate 0.
    """
    residents = ethnic.sum(axis=1).rename("residents")
    base = lsoas.merge(residents, left_on="lsoa21_code", right_index=True)
    base = base[base["residents"] > 0]
    non_white = (ethnic.sum(axis=1) - ethnic.get("White", 0)).rename("non_white")
    base = base.merge(non_white, left_on="lsoa21_code", right_index=True, how="left")
    older = ages.reindex(columns=list(_OLDER_BANDS)).fillna(0).sum(axis=1).rename("older")
    adults = ages.sum(axis=1).rename("adults")
    base = base.merge(pd.concat([older, adults], axis=1), left_on="lsoa21_code", right_index=True, how="left")
    base[["older", "adults", "non_white"]] = base[["older", "adults", "non_white"]].fillna(0)

    grouped = base.groupby("ward_code")
    out = pd.DataFrame({"lsoas": grouped.size(), "residents": grouped["residents"].sum()})
    if "ward_name" in base.columns:
        out.insert(0, "ward_name", grouped["ward_name"].first())
    for column in ("imd_score", "imd_decile"):
        out[column] = _weighted_mean(base, column, "residents")
    out["share_non_white"] = grouped["non_white"].sum() / out["residents"]
    adult_totals = grouped["adults"].sum()
    out["share_65_plus"] = grouped["older"].sum() / adult_totals.where(adult_totals > 0)
    months = crime["month"].nunique() if len(crime) else 0
    records = crime.groupby("ward_code")["records"].sum().reindex(out.index, fill_value=0)
    out["crime_rate"] = records / out["residents"] * 1000 * 12 / months if months else np.nan
    return out.rename_axis("ward_code")


def load_ward_features(engine: Engine, months: int = 12) -> pd.DataFrame:
    """:func:`ward_features` from the store, crime over the latest ``months`` months held."""
    lsoas = read_query(engine, select(ref_lsoa21.c.lsoa21_code, ref_lsoa21.c.ward_code, ref_lsoa21.c.ward_name))
    imd = read_query(
        engine,
        select(
            ref_deprivation.c.lsoa_code.label("lsoa21_code"),
            ref_deprivation.c.score.label("imd_score"),
            ref_deprivation.c.decile.label("imd_decile"),
        ).where(ref_deprivation.c.dataset == "imd2025", ref_deprivation.c.domain == "IMD"),
    )
    ethnic = ethnic_counts(engine)
    lsoas = lsoas[lsoas["lsoa21_code"].isin(ethnic.index)].merge(imd, on="lsoa21_code", how="left")
    crime = ward_crime_counts(engine)
    latest = sorted(crime["month"].unique())[-months:] if months else []
    crime = crime[crime["month"].isin(latest)]
    return ward_features(lsoas, ethnic, adult_age_counts(engine), crime)


def peer_groups(
    features: pd.DataFrame,
    k: int = 7,
    columns: Sequence[str] = FEATURES,
    log_columns: Sequence[str] = LOG_FEATURES,
) -> pd.DataFrame:
    """Each ward's ``k`` most similar wards (nearest neighbours in z-score space).

    ``features``: one row per ward, index the ward code (as from
    :func:`ward_features`). ``columns`` are compared; those in ``log_columns``
    are ``log1p``-transformed first (they must be > -1). Each column becomes a
    z-score over the wards compared (a constant column scores 0 and so does not
    count). Wards with a missing value in ``columns`` are left out.

    Returns one row per ward and peer, ``k`` per ward, columns:
    ``ward_code``, ``peer_code``, ``rank`` (1 = most similar), ``distance``
    (Euclidean distance between the z-score vectors; ties keep the order of
    ``features``). A ward is never its own peer, even when another ward has
    identical features.
    """
    data = features[list(columns)].astype(float).dropna()
    n = len(data)
    if not 0 < k < n:
        raise ValueError(f"k must be between 1 and {n - 1} (wards compared minus one), got {k}")
    z = _zscores(data, [c for c in log_columns if c in data.columns])
    distances, neighbours = cKDTree(z).query(z, k=k + 1)
    codes = data.index.to_numpy()
    rows = []
    for i in range(n):
        keep = neighbours[i] != i
        found_d, found_j = distances[i][keep][:k], neighbours[i][keep][:k]
        rows.append(
            pd.DataFrame(
                {"ward_code": codes[i], "peer_code": codes[found_j], "rank": np.arange(1, k + 1), "distance": found_d}
            )
        )
    return pd.concat(rows, ignore_index=True)


def compare_with_peers(values: pd.Series, peers: pd.DataFrame) -> pd.DataFrame:
    """A ward's figure beside its peers' and the force's.

    ``values``: one figure per ward, index the ward code (e.g. confidence or a
    crime rate). ``peers``: :func:`peer_groups`. Returns one row per ward of
    ``peers``, index ``ward_code``, columns: ``value``; ``peer_mean`` and
    ``peer_median`` (unweighted, over the peers with a figure) and ``peers``
    (how many had one); ``force_mean`` (unweighted mean over every ward in
    ``values``); ``vs_peers`` = value - peer_mean; ``vs_force`` = value - force_mean.
    """
    values = values.astype(float)
    joined = peers.assign(peer_value=peers["peer_code"].map(values))
    grouped = joined.groupby("ward_code", sort=False)["peer_value"]
    out = pd.DataFrame({"peer_mean": grouped.mean(), "peer_median": grouped.median(), "peers": grouped.count()})
    out.insert(0, "value", out.index.map(values))
    out["force_mean"] = values.mean()
    out["vs_peers"] = out["value"] - out["peer_mean"]
    out["vs_force"] = out["value"] - out["force_mean"]
    return out.rename_axis("ward_code")


def _weighted_mean(frame: pd.DataFrame, column: str, weight: str) -> pd.Series:
    """Per-ward mean of ``column`` weighted by ``weight``, rows with no value left out."""
    known = frame.dropna(subset=[column])
    totals = (known[column] * known[weight]).groupby(known["ward_code"]).sum()
    weights = known[weight].groupby(known["ward_code"]).sum()
    return (totals / weights.where(weights > 0)).reindex(frame["ward_code"].unique())


def _zscores(data: pd.DataFrame, log_columns: Sequence[str]) -> np.ndarray:
    """Columns as z-scores (population sd), ``log_columns`` through ``log1p`` first; constant -> 0."""
    data = data.copy()
    for column in log_columns:
        data[column] = np.log1p(data[column])
    values = data.to_numpy(float)
    sd = values.std(axis=0)
    return (values - values.mean(axis=0)) / np.where(sd > 0, sd, 1.0)
