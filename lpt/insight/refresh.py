"""``lpt refresh``: rebuild the insight cubes that area profiles roll up.

Profiles must answer in well under a second for any ward or street, so the
expensive joins (crime to links, members and answers to their postcode's
LSOA and their address's street) run once here, after each build. The cubes
are internal: they are read only by :mod:`lpt.insight.profile`, which puts
every figure through the access layer and disclosure control.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pandas as pd
from sqlalchemy import Engine, func, select

from lpt.store.frames import read_query, replace_rows
from lpt.store.schema import (
    crime_links,
    crimes,
    households,
    insight_crime,
    insight_households,
    insight_lsoa,
    insight_members,
    insight_refreshes,
    insight_responses,
    members,
    postcode_links,
    ref_deprivation,
    ref_districts,
    ref_lsoa11_lsoa21,
    ref_lsoa21,
    survey_responses,
)
from lpt.vocab import TOPICS

__all__ = ["RefreshReport", "refresh"]

_DEMOGRAPHICS = ["age_band", "sex", "ethnic_group", "groups"]


@dataclass
class RefreshReport:
    """Rows written per insight table."""

    rows: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.rows.values())


def refresh(engine: Engine) -> RefreshReport:
    """Rebuild every insight table from the store, in one transaction."""
    frames = {
        insight_lsoa: _lsoas(engine),
        insight_crime: _crime(engine),
        insight_households: _households(engine),
        insight_members: _members(engine),
        insight_responses: _responses(engine),
    }
    with engine.begin() as connection:
        rows = {table.name: replace_rows(connection, table, frame) for table, frame in frames.items()}
        connection.execute(
            insight_refreshes.insert().values(refreshed_at=datetime.now(UTC), rows=sum(rows.values()))
        )
    return RefreshReport(rows)


def _lsoas(engine: Engine) -> pd.DataFrame:
    lsoa = read_query(engine, select(ref_lsoa21.c.lsoa21_code, ref_lsoa21.c.ward_code, ref_lsoa21.c.district_code))
    force = read_query(engine, select(ref_districts.c.district_code, ref_districts.c.pfa_code).distinct())
    deciles = read_query(
        engine,
        select(ref_deprivation.c.dataset, ref_deprivation.c.lsoa_code, ref_deprivation.c.decile).where(
            ref_deprivation.c.domain == "IMD"
        ),
    )
    imd2025 = deciles[deciles["dataset"] == "imd2025"].set_index("lsoa_code")["decile"]
    parents = read_query(engine, select(ref_lsoa11_lsoa21.c.lsoa11_code, ref_lsoa11_lsoa21.c.lsoa21_code))
    imd2019 = (
        parents.merge(deciles[deciles["dataset"] == "imd2019"], left_on="lsoa11_code", right_on="lsoa_code")
        .groupby("lsoa21_code")["decile"]
        .min()
    )
    out = lsoa.merge(force.drop_duplicates("district_code"), on="district_code", how="left")
    out["imd2019_decile"] = out["lsoa21_code"].map(imd2019).astype("Int64")
    out["imd2025_decile"] = out["lsoa21_code"].map(imd2025).astype("Int64")
    covered = set(_crime_lsoas(engine)) | set(read_query(engine, select(postcode_links.c.lsoa21_code).distinct())["lsoa21_code"])
    return out[out["lsoa21_code"].isin(covered)].reset_index(drop=True)


def _crime_lsoas(engine: Engine) -> pd.Series:
    return read_query(engine, select(crime_links.c.lsoa21_code).distinct())["lsoa21_code"].dropna()


def _crime(engine: Engine) -> pd.DataFrame:
    key = [crime_links.c.lsoa21_code, crime_links.c.street_name, crimes.c.month, crimes.c.crime_type]
    query = (
        select(*key, func.count().label("records"))
        .join(crimes, crimes.c.id == crime_links.c.record_id)
        .where(crime_links.c.lsoa21_code.is_not(None), ~crime_links.c.outside_force_area)
        .group_by(*key)
    )
    frame = read_query(engine, query)
    frame["street_name"] = frame["street_name"].fillna("")
    return frame


def _households(engine: Engine) -> pd.DataFrame:
    query = (
        select(postcode_links.c.lsoa21_code, households.c.street.label("street_name"), func.count().label("households"))
        .join(postcode_links, postcode_links.c.postcode == households.c.postcode)
        .where(postcode_links.c.lsoa21_code.is_not(None))
        .group_by(postcode_links.c.lsoa21_code, households.c.street)
    )
    return read_query(engine, query)


def _people(engine: Engine) -> pd.DataFrame:
    """Members placed by their postcode's LSOA and their address's street, demographics blank as ''."""
    query = (
        select(
            members.c.member_id, postcode_links.c.lsoa21_code, households.c.street.label("street_name"),
            members.c.opted_in, members.c.opted_out, *(members.c[c] for c in _DEMOGRAPHICS),
        )
        .join(postcode_links, postcode_links.c.postcode == members.c.postcode)
        .outerjoin(households, households.c.address_id == members.c.address_id)
        .where(postcode_links.c.lsoa21_code.is_not(None))
    )
    people = read_query(engine, query)
    for column in ["street_name", *_DEMOGRAPHICS]:
        people[column] = people[column].fillna("")
    return people


def _members(engine: Engine) -> pd.DataFrame:
    people = _people(engine)
    people["joined_month"] = pd.to_datetime(people["opted_in"]).dt.strftime("%Y-%m")
    people["left_month"] = pd.to_datetime(people["opted_out"]).dt.strftime("%Y-%m").fillna("")
    key = ["lsoa21_code", "street_name", *_DEMOGRAPHICS, "joined_month", "left_month"]
    return people.groupby(key, as_index=False).size().rename(columns={"size": "members"})


def _responses(engine: Engine) -> pd.DataFrame:
    answers = read_query(
        engine,
        select(
            survey_responses.c.member_id, survey_responses.c.erased_lsoa21_code, survey_responses.c.wave,
            survey_responses.c.trust, survey_responses.c.confidence, survey_responses.c.concern,
            survey_responses.c.priority_1, survey_responses.c.priority_2, survey_responses.c.priority_3,
        ),
    )
    people = _people(engine).set_index("member_id")
    placed = answers.join(people[["lsoa21_code", "street_name", *_DEMOGRAPHICS]], on="member_id")
    placed["lsoa21_code"] = placed["lsoa21_code"].fillna(placed["erased_lsoa21_code"])
    placed = placed.dropna(subset=["lsoa21_code"])
    for column in ["street_name", *_DEMOGRAPHICS]:
        placed[column] = placed[column].fillna("")
    chosen = placed[["priority_1", "priority_2", "priority_3"]]
    values = {
        "responses": 1,
        "trust_sum": placed["trust"],
        "confidence_sum": placed["confidence"],
        "confident": (placed["confidence"] >= 4).astype(int),
        "concerns": placed["concern"].fillna("").str.strip().ne("").astype(int),
        **{f"priority_{t}": chosen.eq(t).any(axis=1).astype(int) for t in TOPICS},
    }
    key = ["lsoa21_code", "street_name", "wave", *_DEMOGRAPHICS]
    return placed[key].assign(**values).groupby(key, as_index=False).sum()
