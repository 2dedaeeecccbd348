"""Priority streets of an officer's area and street crime trends, as the officer app reads them (sample data)."""

from __future__ import annotations

import pandas as pd
import pytest
from sqlalchemy import select

from lpt.access.audit import audit_entries
from lpt.access.guard import Area, PermissionDenied
from lpt.access.users import add_user, get_user
from lpt.disclosure import RULES, Audience
from lpt.harm import harm_weights
from lpt.insight.maps import months_held
from lpt.priorities.score import score_streets
from lpt.priorities.streets import AREA_STREET_COLUMNS, TREND_COLUMNS, area_streets, street_trend
from lpt.store.frames import read_query
from lpt.store.queries import streets as street_points
from lpt.store.schema import insight_crime

WARD, OTHER_WARD = "E05011529", "E05011528"
THRESHOLD = RULES[Audience.INTERNAL].threshold


@pytest.fixture(scope="module")
def officer(sample_store):
    engine, _ = sample_store
    return add_user(engine, get_user(engine, "admin"), "pc-streets", name="PC Streets", role="officer",
                    areas=[("ward", WARD)])


@pytest.fixture(scope="module")
def mine(sample_store, officer):
    return area_streets(sample_store[0], officer)


@pytest.fixture(scope="module")
def scored(sample_store):
    return score_streets(sample_store[0])


def _audit(engine, user_id: str, outcome: str) -> pd.DataFrame:
    return audit_entries(engine, get_user(engine, "admin"), user_id=user_id, action="recommendations", outcome=outcome)


def test_an_officer_gets_every_scored_street_with_a_point_of_their_ward_only(sample_store, mine, scored):
    engine, _ = sample_store
    assert list(mine.columns) == AREA_STREET_COLUMNS
    assert set(mine["ward_code"]) == {WARD}
    points = street_points(engine, [WARD]).dropna(subset=["longitude", "latitude"])
    expected = scored[scored["ward_code"] == WARD].merge(points, on=["lsoa21_code", "street_name"])
    assert len(mine) == len(expected) > 50
    assert mine[["longitude", "latitude"]].notna().all().all()
    assert mine["score"].is_monotonic_decreasing and mine["score"].between(0, 1).all()
    assert (mine["street_id"] == mine["lsoa21_code"] + "|" + mine["street_name"]).all()
    assert mine["street_id"].is_unique


def test_the_read_is_audited_with_its_row_count(sample_store, officer):
    engine, _ = sample_store
    streets = area_streets(engine, officer, purpose="plan the week")
    last = _audit(engine, officer.user_id, "allowed").iloc[-1]
    assert (last["purpose"], last["records"], last["area"]) == ("plan the week", len(streets), "mine")


def test_another_ward_is_refused_and_audited(sample_store, officer):
    engine, _ = sample_store
    before = len(_audit(engine, officer.user_id, "refused"))
    with pytest.raises(PermissionDenied):
        area_streets(engine, officer, area=Area("ward", OTHER_WARD))
    assert len(_audit(engine, officer.user_id, "refused")) == before + 1


def test_an_analyst_may_narrow_to_any_ward(sample_store):
    engine, _ = sample_store
    streets = area_streets(engine, get_user(engine, "an1"), area=Area("ward", OTHER_WARD))
    assert set(streets["ward_code"]) == {OTHER_WARD} and len(streets)


def test_reasons_and_headline_are_the_scorers(mine, scored):
    source = scored.set_index(["lsoa21_code", "street_name"])
    for street in mine.head(20).to_dict("records"):
        row = source.loc[(street["lsoa21_code"], street["street_name"])]
        assert street["reasons"] == row["reasons"] and street["rank_in_ward"] == row["rank_in_ward"]
        if row["reasons"]:
            text = row["reasons"][0]["text"]
            assert street["headline"] == text[0].upper() + text[1:]
    assert mine["headline"].str.len().gt(0).all()
    assert mine.loc[mine["reasons"].map(len) == 0, "headline"].isin(["High overall score", "No single reason stands out"]).all()


def test_counts_from_personal_data_are_hidden_below_the_threshold(mine, scored):
    raw = mine[["lsoa21_code", "street_name"]].merge(scored, on=["lsoa21_code", "street_name"])
    hidden = mine["members"].isna().to_numpy()
    assert hidden.any() and (~hidden).any()  # the sample has both
    assert (raw.loc[hidden, "members"].fillna(0) < THRESHOLD).all()
    assert (mine.loc[~hidden, "members"].to_numpy() == raw.loc[~hidden, "members"].to_numpy()).all()
    assert mine.loc[hidden, "coverage_pct"].isna().all()  # a share of a hidden count would give it away
    shown = mine["respondents"].dropna()
    assert (shown >= THRESHOLD).all()
    assert mine.loc[mine["respondents"].isna(), "concern_topic"].isna().all()
    assert mine["households"].dtype == "int64" and str(mine["imd2025_decile"].dtype) == "Int64"


def test_street_trend_is_zero_filled_and_adds_up_to_the_crime_cube(sample_store, mine):
    engine, _ = sample_store
    held = months_held(engine)
    for street in mine.to_dict("records"):  # a street with a month without crime, to see the zeros
        trend = street_trend(engine, street["lsoa21_code"], street["street_name"])
        if (trend["records"] == 0).any():
            break
    else:
        pytest.fail("no street of the ward has a month without crime")
    assert list(trend.columns) == TREND_COLUMNS[2:]
    assert trend["month"].tolist() == held[-24:]
    where = (insight_crime.c.lsoa21_code == street["lsoa21_code"], insight_crime.c.street_name == street["street_name"])
    cube = read_query(engine, select(insight_crime.c.crime_type, insight_crime.c.records).where(*where))
    assert trend["records"].sum() == cube["records"].sum() > 0
    weights = harm_weights()
    assert trend["harm"].sum() == pytest.approx((cube["records"] * cube["crime_type"].map(weights)).sum())
    assert trend.loc[trend["records"] == 0, "harm"].eq(0).all()


def test_street_trend_takes_the_latest_months_held(sample_store, mine):
    engine, _ = sample_store
    street = mine.iloc[0]
    short = street_trend(engine, street["lsoa21_code"], street["street_name"], months=3)
    full = street_trend(engine, street["lsoa21_code"], street["street_name"])
    assert short["month"].tolist() == months_held(engine)[-3:]
    assert short.to_dict("records") == full.tail(3).to_dict("records")
    unknown = street_trend(engine, street["lsoa21_code"], "No Such Street")
    assert len(unknown) == len(full) and unknown["records"].eq(0).all()


