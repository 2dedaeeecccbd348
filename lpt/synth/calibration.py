"""The public data the synthetic community data copies its shape from.

Everything here is real public data (census, deprivation, postcodes, police.uk
streets); nothing personal. :func:`load_calibration` reads it from the store
after ``lpt ingest reference`` and linkage.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import pandas as pd
from sqlalchemy import Engine

from lpt.census import adult_age_counts, ethnic_counts, shares
from lpt.errors import LPTError
from lpt.linkage.lsoa import BNG
from lpt.store.queries import lsoa_crime_counts, read_table
from lpt.store.queries import streets as street_table
from lpt.store.schema import (
    postcode_links,
    ref_census,
    ref_deprivation,
    ref_lsoa21,
    ref_postcodes,
    ref_rural_urban,
)
from lpt.vocab import CRIME_TYPE_TOPICS, TOPICS

__all__ = ["Calibration", "load_calibration"]

@dataclass(frozen=True)
class Calibration:
    """Frames the generator reads; every share sums to 1 per LSOA.

    ``areas``: one row per LSOA 2021 to populate: ``lsoa21_code``,
    ``ward_code``, ``ward_name``, ``district_code``, ``households`` (census
    2021), ``imd_decile`` (IMD 2025, 1 most deprived), ``rural`` (bool),
    ``crime_rate`` (police.uk rows per household per year, 2025).
    ``postcodes``: residential postcodes linked to those LSOAs: ``postcode``,
    ``lsoa21_code``, ``easting``, ``northing`` (British National Grid).
    ``ethnicity``: index ``lsoa21_code``, columns lpt.vocab.ETHNIC_GROUPS.
    ``age``: index ``lsoa21_code``, columns lpt.vocab.AGE_BANDS (adults only).
    ``streets``: named streets (not generic places) from police.uk:
    ``lsoa21_code``, ``street_name``, ``easting``, ``northing``.
    ``crime_mix``: ``quarter`` (e.g. ``2025Q1``), ``lsoa21_code``, one column
    per topic of :data:`TOPICS` with the share of the LSOA's crimes that
    quarter (zero for topics no crime type maps to).
    """

    areas: pd.DataFrame
    postcodes: pd.DataFrame
    ethnicity: pd.DataFrame
    age: pd.DataFrame
    streets: pd.DataFrame
    crime_mix: pd.DataFrame

    def only_wards(self, ward_codes: list[str]) -> Calibration:
        """The same calibration restricted to some wards (the sample scale)."""
        areas = self.areas[self.areas["ward_code"].isin(ward_codes)]
        lsoas = set(areas["lsoa21_code"])
        return Calibration(
            areas=areas.reset_index(drop=True),
            postcodes=self.postcodes[self.postcodes["lsoa21_code"].isin(lsoas)].reset_index(drop=True),
            ethnicity=self.ethnicity.loc[self.ethnicity.index.isin(lsoas)],
            age=self.age.loc[self.age.index.isin(lsoas)],
            streets=self.streets[self.streets["lsoa21_code"].isin(lsoas)].reset_index(drop=True),
            crime_mix=self.crime_mix[self.crime_mix["lsoa21_code"].isin(lsoas)].reset_index(drop=True),
        )


def load_calibration(engine: Engine) -> Calibration:
    """The calibration of every LSOA with census households in the store.

    Needs ``lpt ingest reference`` and linked crime data (``lpt build`` does
    both). Age shares come from the mid-2020 estimates on LSOA 2011, carried
    to LSOA 2021 through the lookup (lpt.census); an LSOA with none takes the average shares.
    """
    census = read_table(engine, ref_census)
    households = census[census["dataset"] == "tenure_2021"].groupby("lsoa_code")["total"].max()
    if households.empty:
        raise LPTError("no census household counts in the store: run lpt ingest reference (or lpt build)")
    lsoa21 = read_table(engine, ref_lsoa21).set_index("lsoa21_code").loc[households.index]
    imd = read_table(engine, ref_deprivation)
    imd = imd[(imd["dataset"] == "imd2025") & (imd["domain"] == "IMD")].set_index("lsoa_code")["decile"]
    rural = read_table(engine, ref_rural_urban).set_index("lsoa21_code")["ruc"] == "Rural"
    crime = lsoa_crime_counts(engine)
    months = max(crime["month"].nunique(), 1)
    yearly = crime.groupby("lsoa21_code")["records"].sum() * 12 / months
    areas = pd.DataFrame(
        {
            "lsoa21_code": households.index,
            "ward_code": lsoa21["ward_code"].to_numpy(),
            "ward_name": lsoa21["ward_name"].to_numpy(),
            "district_code": lsoa21["district_code"].to_numpy(),
            "households": households.to_numpy(),
            "imd_decile": imd.reindex(households.index).fillna(5).astype(int).to_numpy(),
            "rural": rural.reindex(households.index).fillna(False).astype(bool).to_numpy(),
            "crime_rate": (yearly.reindex(households.index).fillna(0) / households.clip(lower=1)).to_numpy(),
        }
    )
    return Calibration(
        areas=areas,
        postcodes=_residential_postcodes(engine, set(households.index)),
        ethnicity=shares(ethnic_counts(engine)),
        age=_age_shares(engine, households.index),
        streets=_named_streets(engine),
        crime_mix=_crime_mix(crime),
    )


def _residential_postcodes(engine: Engine, lsoas: set[str]) -> pd.DataFrame:
    postcodes = read_table(engine, ref_postcodes, ["postcode", "easting", "northing", "is_large_user"])
    links = read_table(engine, postcode_links, ["postcode", "lsoa21_code"])
    joined = postcodes.merge(links, on="postcode")
    keep = joined["lsoa21_code"].isin(lsoas) & (joined["is_large_user"] != True)  # noqa: E712 (NULL: not known)
    return joined.loc[keep, ["postcode", "lsoa21_code", "easting", "northing"]].reset_index(drop=True)


def _age_shares(engine: Engine, lsoas: pd.Index) -> pd.DataFrame:
    """Adult age shares per LSOA 2021; an LSOA with no estimate takes the average shares."""
    age = shares(adult_age_counts(engine)).reindex(lsoas)
    return age.fillna(age.mean()).rename_axis("lsoa21_code")


def _named_streets(engine: Engine) -> pd.DataFrame:
    streets = street_table(engine)
    streets = streets[~streets["is_place"].astype(bool)]
    points = gpd.GeoSeries.from_xy(streets["longitude"], streets["latitude"], crs=4326).to_crs(BNG)
    return pd.DataFrame(
        {
            "lsoa21_code": streets["lsoa21_code"].to_numpy(),
            "street_name": streets["street_name"].to_numpy(),
            "easting": points.x.to_numpy(),
            "northing": points.y.to_numpy(),
        }
    )


def _crime_mix(crime: pd.DataFrame) -> pd.DataFrame:
    """Topic shares of each LSOA's crimes per quarter."""
    quarter = pd.PeriodIndex(crime["month"], freq="M").asfreq("Q").astype(str)
    topic = crime["crime_type"].map(CRIME_TYPE_TOPICS)
    totals = crime.assign(quarter=quarter).groupby(["quarter", "lsoa21_code"])["records"].sum()
    by_topic = (
        crime.assign(quarter=quarter, topic=topic)
        .dropna(subset=["topic"])
        .pivot_table(index=["quarter", "lsoa21_code"], columns="topic", values="records", aggfunc="sum")
        .reindex(columns=list(TOPICS))
        .fillna(0)
    )
    shares = by_topic.div(totals.reindex(by_topic.index), axis=0)
    return shares.reset_index()
