"""Census counts per LSOA 2021 in LPT's categories: the population that members and respondents are
compared with and weighted to.

Ethnic group: census 2021 (TS021, all residents) folded into the five broad
groups. Adults by age band: the mid-2020 single-year estimates, which are on
LSOA 2011; each 2011 LSOA's count is shared equally among the 2021 LSOAs it
became (a split) and summed where several merged, so counts add up to the
same total on either geography.

Both are reused in apps and report workers (lpt.store.reuse): reading and reshaping
the 53,000 single-year rows takes about 0.4 s.
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy import Engine, select

from lpt.store.frames import read_query
from lpt.store.reuse import reused
from lpt.store.schema import ref_census, ref_lsoa11_lsoa21
from lpt.vocab import AGE_BANDS, ETHNIC_GROUPS

__all__ = ["adult_age_counts", "ethnic_counts", "shares"]

_AGE_EDGES = [18, 25, 35, 45, 55, 65, 75, 200]


def _dataset(engine: Engine, name: str) -> pd.DataFrame:
    query = select(ref_census.c.lsoa_code, ref_census.c.category, ref_census.c.n).where(ref_census.c.dataset == name)
    return read_query(engine, query)


@reused
def ethnic_counts(engine: Engine) -> pd.DataFrame:
    """Residents per LSOA 2021 (index ``lsoa21_code``) and broad ethnic group (columns :data:`ETHNIC_GROUPS`)."""
    table = _dataset(engine, "ethnic_group_2021")
    group = table["category"].str.split().str[0].str.rstrip(",")
    wide = table.assign(group=group).pivot_table(index="lsoa_code", columns="group", values="n", aggfunc="sum")
    return wide.reindex(columns=list(ETHNIC_GROUPS)).fillna(0).rename_axis(index="lsoa21_code", columns=None)


@reused
def adult_age_counts(engine: Engine) -> pd.DataFrame:
    """Adults (18+) per LSOA 2021 (index ``lsoa21_code``) and age band (columns :data:`AGE_BANDS`), mid-2020."""
    table = _dataset(engine, "population_age_mid2020")
    age = pd.to_numeric(table["category"].str.rstrip("+"), errors="coerce")
    bands = pd.cut(age, _AGE_EDGES, right=False, labels=list(AGE_BANDS))
    adults = table.assign(band=bands).dropna(subset=["band"])
    by_2011 = adults.pivot_table(index="lsoa_code", columns="band", values="n", aggfunc="sum", observed=False)
    lookup = read_query(engine, select(ref_lsoa11_lsoa21.c.lsoa11_code, ref_lsoa11_lsoa21.c.lsoa21_code))
    lookup["share"] = 1 / lookup.groupby("lsoa11_code")["lsoa21_code"].transform("count")
    joined = lookup.merge(by_2011, left_on="lsoa11_code", right_index=True)
    apportioned = joined[list(AGE_BANDS)].mul(joined["share"], axis=0).assign(lsoa21_code=joined["lsoa21_code"])
    return apportioned.groupby("lsoa21_code")[list(AGE_BANDS)].sum().rename_axis(columns=None)


def shares(counts: pd.DataFrame) -> pd.DataFrame:
    """Each row as shares summing to 1 (a row of zeros stays zero)."""
    return counts.div(counts.sum(axis=1).replace(0, 1), axis=0)
