"""Representativeness: who the members (or survey respondents) are against who lives in the ward.

For each ward and each group of a dimension (age band, broad ethnic group) the
people's share is set beside the census share of the ward's population.

* Representation index = people share / census share (1: in proportion; 0.5:
  half as many as the population would give). The ratio of shares is the
  "representation ratio" of survey non-response work (Groves and Peytcheva,
  *Public Opinion Quarterly* 72, 2008) and of equality monitoring.
* Its uncertainty: the Wilson 95% interval of the people share
  (``statsmodels.stats.proportion.proportion_confint``, ``method="wilson"``;
  Wilson, *JASA* 22, 1927) divided by the census share, taken as known.
* Ward summary per dimension: the index of dissimilarity D = 1/2 sum |p_g - c_g|
  (Duncan and Duncan, *American Sociological Review* 20, 1955), the share of
  people who would have to be of another group for the people to mirror the
  population, and ``representation_score`` = 1 - D (1: a perfect mirror).

People who did not state the dimension ('' or missing) are left out of its
shares and counted in ``not_stated``: if they differ from those who did, the
shares are biased and nothing here can tell.

Census bases: age bands against adults (mid-2020 estimates); ethnic groups
against all residents (census 2021 TS021 has no adult-only table in LPT), so
groups with younger age profiles (Mixed, Asian) look a little more
under-represented among adult members than they are.

Counts (``people``, ``stated``, ``not_stated``) come from personal data: they
are returned beside the shares so that the caller applies :mod:`lpt.disclosure`
before any leave lpt; nothing here applies it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from statsmodels.stats.proportion import proportion_confint

from lpt.errors import LPTError
from lpt.vocab import AGE_BANDS, ETHNIC_GROUPS

__all__ = [
    "DIMENSIONS",
    "MIN_CENSUS_SHARE",
    "MIN_EXPECTED",
    "MIN_STATED",
    "TABLE_COLUMNS",
    "SUMMARY_COLUMNS",
    "NAMED_COLUMNS",
    "representation",
    "representation_summary",
    "least_represented",
]

#: Dimensions compared and their categories.
DIMENSIONS: dict[str, tuple[str, ...]] = {"age_band": AGE_BANDS, "ethnic_group": ETHNIC_GROUPS}
#: :func:`least_represented` names a group only if it is at least this share of the ward's population ...
MIN_CENSUS_SHARE = 0.02
#: ... the people who stated the dimension would hold at least this many of it in proportion ...
MIN_EXPECTED = 5.0
#: ... and at least this many people stated the dimension in the ward.
MIN_STATED = 20

#: Columns of :func:`representation`, one row per ward, dimension and category:
#: ``ward_code``; ``dimension`` (``age_band``, ``ethnic_group``); ``category``; ``people`` (count of
#: the people in the category); ``stated`` (people in the ward who stated the dimension);
#: ``not_stated`` (who did not); ``people_share`` (people / stated, NaN if none stated);
#: ``census`` (population count in the category); ``census_share``; ``index`` (people_share /
#: census_share, NaN where the census share is 0); ``index_low``, ``index_high`` (Wilson 95%
#: interval of the people share over the census share); ``expected`` (stated x census_share).
TABLE_COLUMNS = [
    "ward_code", "dimension", "category", "people", "stated", "not_stated", "people_share", "census",
    "census_share", "index", "index_low", "index_high", "expected",
]
#: Columns of :func:`representation_summary`: ``ward_code``, ``dimension``, ``stated``,
#: ``not_stated``, ``dissimilarity`` (D, 0-1), ``representation_score`` (1 - D).
SUMMARY_COLUMNS = ["ward_code", "dimension", "stated", "not_stated", "dissimilarity", "representation_score"]
#: Columns of :func:`least_represented`: those of :data:`TABLE_COLUMNS`, ``rank`` (1 = least
#: represented in the ward), ``clear`` (index_high < 1: fewer than chance would give) and ``sentence``.
NAMED_COLUMNS = [*TABLE_COLUMNS, "rank", "clear", "sentence"]

_CENSUS_WORDS = {"age_band": "adult residents", "ethnic_group": "residents"}


def representation(
    people: pd.DataFrame,
    census_age: pd.DataFrame,
    census_ethnic: pd.DataFrame,
    lsoa_to_ward: pd.Series | pd.DataFrame,
) -> pd.DataFrame:
    """People's shares against census shares per ward, dimension and category (:data:`TABLE_COLUMNS`).

    ``people``: members or respondents, one row each, with ``ward_code``, ``age_band`` and
    ``ethnic_group`` ('' = not stated). ``census_age``, ``census_ethnic``: counts per LSOA 2021
    (index ``lsoa21_code``; columns the categories), as :func:`lpt.census.adult_age_counts` and
    :func:`lpt.census.ethnic_counts`. ``lsoa_to_ward``: a Series LSOA -> ward, or a frame with
    ``lsoa21_code`` and ``ward_code``. Wards are those of the census; people in other wards
    are left out.
    """
    missing = [c for c in ("ward_code", *DIMENSIONS) if c not in people.columns]
    if missing:
        raise LPTError(f"people need columns: {', '.join(missing)}")
    wards = _ward_lookup(lsoa_to_ward)
    tables = []
    for dimension, census in (("age_band", census_age), ("ethnic_group", census_ethnic)):
        tables.append(_one_dimension(people, dimension, _ward_census(census, wards, DIMENSIONS[dimension])))
    return pd.concat(tables, ignore_index=True)[TABLE_COLUMNS]


def representation_summary(table: pd.DataFrame) -> pd.DataFrame:
    """Per ward and dimension, the index of dissimilarity and 1 - D (:data:`SUMMARY_COLUMNS`).

    ``table``: from :func:`representation`. NaN where nobody stated the dimension.
    """
    gap = (table["people_share"] - table["census_share"]).abs()
    summary = (
        table.assign(gap=gap)
        .groupby(["ward_code", "dimension"], sort=True)
        .agg(stated=("stated", "first"), not_stated=("not_stated", "first"), dissimilarity=("gap", "sum"))
        .reset_index()
    )
    summary["dissimilarity"] = np.where(summary["stated"] > 0, summary["dissimilarity"] / 2, np.nan)
    summary["representation_score"] = 1 - summary["dissimilarity"]
    return summary[SUMMARY_COLUMNS]


def least_represented(
    table: pd.DataFrame,
    k: int = 2,
    *,
    who: str = "members",
    dimension: str | None = None,
    min_census_share: float = MIN_CENSUS_SHARE,
    min_expected: float = MIN_EXPECTED,
    min_stated: int = MIN_STATED,
) -> pd.DataFrame:
    """The ``k`` most under-represented groups per ward, with a sentence (:data:`NAMED_COLUMNS`).

    Rule: among categories (of ``dimension``, or both) with census share >= ``min_census_share``,
    expected count >= ``min_expected`` and at least ``min_stated`` people stating the dimension in
    the ward, those with index below 1, lowest index first. Tiny groups are left out because
    their index swings on one or two people. ``clear`` marks a shortfall beyond chance (the
    whole Wilson interval below 1). ``who`` names the people in the sentence ("members",
    "respondents"). Wards with nobody under-represented have no rows.
    """
    if k < 1:
        raise LPTError(f"k must be at least 1, not {k}")
    if dimension is not None and dimension not in DIMENSIONS:
        raise LPTError(f"dimension must be one of {', '.join(DIMENSIONS)}, not {dimension!r}")
    eligible = table[
        (table["census_share"] >= min_census_share)
        & (table["expected"] >= min_expected)
        & (table["stated"] >= min_stated)
        & (table["index"] < 1)
    ]
    if dimension is not None:
        eligible = eligible[eligible["dimension"] == dimension]
    named = eligible.sort_values(["ward_code", "index", "dimension", "category"]).groupby("ward_code").head(k).copy()
    named["rank"] = named.groupby("ward_code").cumcount() + 1
    named["clear"] = (named["index_high"] < 1).to_numpy(dtype=bool)
    named["sentence"] = [_sentence(row, who) for _, row in named.iterrows()] if len(named) else []
    return named[NAMED_COLUMNS].reset_index(drop=True)


# --- helpers ------------------------------------------------------------------------------------


def _ward_lookup(lsoa_to_ward: pd.Series | pd.DataFrame) -> pd.Series:
    if isinstance(lsoa_to_ward, pd.DataFrame):
        if not {"lsoa21_code", "ward_code"} <= set(lsoa_to_ward.columns):
            raise LPTError("lsoa_to_ward needs columns lsoa21_code and ward_code")
        return lsoa_to_ward.drop_duplicates("lsoa21_code").set_index("lsoa21_code")["ward_code"]
    return lsoa_to_ward


def _ward_census(counts: pd.DataFrame, wards: pd.Series, categories: tuple[str, ...]) -> pd.DataFrame:
    """Census counts summed to wards (rows) by category (columns); LSOAs without a ward left out."""
    counts = counts.reindex(columns=list(categories)).fillna(0.0)
    ward = wards.reindex(counts.index)
    return counts[ward.notna().to_numpy()].groupby(ward.dropna().to_numpy()).sum()


def _one_dimension(people: pd.DataFrame, dimension: str, census: pd.DataFrame) -> pd.DataFrame:
    categories = list(DIMENSIONS[dimension])
    values = people[dimension].fillna("").astype(str)
    ward = people["ward_code"].astype(str)
    unknown = sorted(set(values[values != ""]) - set(categories))
    if unknown:
        raise LPTError(f"unknown {dimension} values: {', '.join(unknown)}")
    stated_mask = values != ""
    counts = (
        pd.crosstab(ward[stated_mask], values[stated_mask])
        .reindex(index=census.index, columns=categories, fill_value=0)
        .fillna(0)
        .astype(int)
    )
    not_stated = ward[~stated_mask].value_counts().reindex(census.index, fill_value=0)
    long = counts.stack().rename("people").reset_index()
    long.columns = ["ward_code", "category", "people"]
    long["dimension"] = dimension
    long["stated"] = long["ward_code"].map(counts.sum(axis=1)).astype(int)
    long["not_stated"] = long["ward_code"].map(not_stated).astype(int)
    long["people_share"] = long["people"] / long["stated"].where(long["stated"] > 0)
    census_long = census.stack().rename("census")
    long["census"] = census_long.reindex(pd.MultiIndex.from_frame(long[["ward_code", "category"]])).to_numpy()
    total = long["ward_code"].map(census.sum(axis=1))
    long["census_share"] = long["census"] / total.where(total > 0)
    base = long["census_share"].where(long["census_share"] > 0)
    long["index"] = long["people_share"] / base
    low, high = _wilson(long["people"].to_numpy(), long["stated"].to_numpy())
    long["index_low"] = low / base
    long["index_high"] = high / base
    long["expected"] = long["stated"] * long["census_share"]
    return long


def _wilson(count: np.ndarray, nobs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    low = np.full(len(count), np.nan)
    high = np.full(len(count), np.nan)
    some = nobs > 0
    if some.any():
        low[some], high[some] = proportion_confint(count[some], nobs[some], alpha=0.05, method="wilson")
    return low, high


def _sentence(row: pd.Series, who: str) -> str:
    if row["dimension"] == "age_band":
        group = f"Residents aged {row['category']}"
    else:
        group = f"{row['category']} residents" if row["category"] != "Other" else "Residents of other ethnic groups"
    return (
        f"{group}: {_percent(row['people_share'])} of {who}, "
        f"{_percent(row['census_share'])} of {_CENSUS_WORDS[row['dimension']]}."
    )


def _percent(share: float) -> str:
    return f"{share:.0%}" if share >= 0.01 or share == 0 else "under 1%"
