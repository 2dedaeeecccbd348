"""Map layers of the officer app: last month's crime points and residents' priority issues per LSOA.

Crime points and the priority areas of an officer's ward are read from the sample data; hidden small
bases are checked on a hand-made store (SQLite and PostgreSQL) whose answers are known to the person.
"""

from __future__ import annotations

import pandas as pd
import pytest
import shapely
from sqlalchemy import func, insert, select

from lpt.access.audit import audit_entries
from lpt.access.guard import Area, PermissionDenied
from lpt.access.users import add_user, get_user
from lpt.insight.maps import (
    CRIME_POINT_COLUMNS,
    PRIORITY_AREA_COLUMNS,
    TOO_FEW,
    crime_points,
    months_held,
    priority_areas,
    waves_held,
)
from lpt.store.frames import read_query
from lpt.store.queries import boundaries
from lpt.store.schema import crime_links, crimes, insight_lsoa, insight_responses, ref_lsoa21
from lpt.vocab import TOPICS

WARD, OTHER_WARD = "E05011529", "E05011528"


@pytest.fixture(scope="module")
def officer(sample_store):
    engine, _ = sample_store
    return add_user(engine, get_user(engine, "admin"), "pc-maps", name="PC Maps", role="officer", areas=[("ward", WARD)])


def _refusals(engine, user_id: str) -> int:
    return len(audit_entries(engine, get_user(engine, "admin"), user_id=user_id, action="area_profile", outcome="refused"))


# --- crime points (public police.uk data) -------------------------------------------------------


def _linked_records(engine, wards: list[str], months: list[str]) -> int:
    query = (
        select(func.count())
        .select_from(crimes.join(crime_links, crime_links.c.record_id == crimes.c.id))
        .where(crime_links.c.ward_code.in_(wards), ~crime_links.c.outside_force_area, crimes.c.has_location,
               crimes.c.month.in_(months))
    )
    with engine.connect() as connection:
        return connection.execute(query).scalar_one()


def test_crime_points_are_the_latest_months_records_located_in_the_wards(sample_store):
    engine, _ = sample_store
    points = crime_points(engine, [WARD])
    latest = months_held(engine)[-1]
    assert list(points.columns) == CRIME_POINT_COLUMNS
    assert set(points["month"]) == {latest}
    assert len(points) == _linked_records(engine, [WARD], [latest]) > 20
    assert points[["longitude", "latitude"]].notna().all().all() and points["crime_type"].notna().all()
    lsoas = read_query(engine, select(insight_lsoa.c.lsoa21_code).where(insight_lsoa.c.ward_code == WARD))["lsoa21_code"]
    polygons = boundaries(engine, "lsoa21_boundaries")
    ward = polygons[polygons["code"].isin(lsoas)].union_all().buffer(0.005)  # about 500 m: snap points, best-fit LSOAs
    assert shapely.contains_xy(ward, points["longitude"], points["latitude"]).all()


def test_crime_points_of_several_wards_and_months(sample_store):
    engine, _ = sample_store
    one, other = crime_points(engine, [WARD]), crime_points(engine, [OTHER_WARD])
    both = crime_points(engine, [WARD, OTHER_WARD])
    assert len(both) == len(one) + len(other)
    two_months = crime_points(engine, [WARD], months=2)
    assert sorted(two_months["month"].unique()) == months_held(engine)[-2:]
    assert len(two_months) == _linked_records(engine, [WARD], months_held(engine)[-2:]) > len(one)
    assert crime_points(engine, []).empty and list(crime_points(engine, []).columns) == CRIME_POINT_COLUMNS


# --- priority areas on the sample data -----------------------------------------------------------


def test_an_officer_gets_the_priority_areas_of_their_ward_only(sample_store, officer):
    engine, _ = sample_store
    areas = priority_areas(engine, officer, purpose="plan the week")
    assert list(areas.columns) == PRIORITY_AREA_COLUMNS
    lsoas = read_query(engine, select(insight_lsoa.c.lsoa21_code).where(insight_lsoa.c.ward_code == WARD))["lsoa21_code"]
    assert sorted(areas["lsoa21_code"]) == sorted(lsoas) and set(areas["ward_code"]) == {WARD}
    waves = waves_held(engine)[-4:]
    answers = read_query(engine, select(insight_responses).where(insight_responses.c.wave.in_(waves),
                                                                   insight_responses.c.lsoa21_code.in_(lsoas.tolist())))
    sums = answers.groupby("lsoa21_code")[["responses", *(f"priority_{t}" for t in TOPICS)]].sum()
    for area in areas.to_dict("records"):
        row = sums.loc[area["lsoa21_code"]]
        assert area["respondents"] == row["responses"]  # large bases: shown as they are
        assert area["top_share_pct"] == pytest.approx(100 * row[f"priority_{area['top_topic']}"] / row["responses"], abs=0.05)
        assert row[f"priority_{area['top_topic']}"] == row.drop("responses").max()
        assert area["sentence"].endswith(f"{area['top_share_pct']:.0f}% of respondents")
    entry = audit_entries(engine, get_user(engine, "admin"), user_id=officer.user_id, action="area_profile").iloc[-1]
    assert (entry["outcome"], entry["purpose"], entry["records"]) == ("allowed", "plan the week", sums["responses"].sum())


def test_another_ward_is_refused_and_audited(sample_store, officer):
    engine, _ = sample_store
    before = _refusals(engine, officer.user_id)
    with pytest.raises(PermissionDenied):
        priority_areas(engine, officer, area=Area("ward", OTHER_WARD))
    assert _refusals(engine, officer.user_id) == before + 1


def test_waves_held_and_a_wave_without_answers(sample_store, officer):
    engine, _ = sample_store
    waves = waves_held(engine)
    assert waves == sorted(waves) and len(waves) >= 4
    empty = priority_areas(engine, officer, waves=["1999Q1"])
    assert empty["respondents"].isna().all() and empty["top_topic"].isna().all()
    assert set(empty["sentence"]) == {TOO_FEW}


# --- small bases on a hand-made store (both databases) -----------------------------------------

NORTH, SOUTH = "E05000001", "E05000002"
#: (LSOA, ward, wave, responses, {topic: respondents naming it})
ANSWERS = [
    ("E01000001", NORTH, "2024Q2", 20, {"drugs": 20}),  # older than the latest four waves
    ("E01000001", NORTH, "2025Q1", 4, {"drugs": 4}),  # four answers in the latest four: too few
    ("E01000002", NORTH, "2024Q3", 6, {"asb": 3, "drugs": 1}),
    ("E01000002", NORTH, "2025Q2", 4, {"asb": 2, "drugs": 1}),  # with 2024Q3: asb named by 5 of 10
    ("E01000003", SOUTH, "2024Q4", 5, {"violence": 5}),
    ("E01000003", SOUTH, "2025Q2", 20, {"violence": 12}),
]
LSOAS = {"E01000001": NORTH, "E01000002": NORTH, "E01000003": SOUTH, "E01000004": NORTH}  # E01000004: no answers


@pytest.fixture
def small(store):
    with store.begin() as connection:
        connection.execute(insert(ref_lsoa21), [
            {"lsoa21_code": lsoa, "lsoa21_name": lsoa, "ward_code": ward, "ward_name": ward, "district_code": "E06000001",
             "district_name": "Testborough"} for lsoa, ward in LSOAS.items()
        ])
        connection.execute(insert(insight_lsoa), [
            {"lsoa21_code": lsoa, "ward_code": ward, "district_code": "E06000001"} for lsoa, ward in LSOAS.items()
        ])
        connection.execute(insert(insight_responses), [
            {"lsoa21_code": lsoa, "street_name": "", "wave": wave, "age_band": "", "sex": "", "ethnic_group": "",
             "groups": "", "responses": n, "trust_sum": 3 * n, "confidence_sum": 3 * n, "confident": 0, "concerns": 0,
             **{f"priority_{t}": named.get(t, 0) for t in TOPICS}}
            for lsoa, _, wave, n, named in ANSWERS
        ])
    admin = add_user(store, None, "admin", name="Ada", role="admin")
    officer = add_user(store, admin, "pc-north", name="PC North", role="officer", areas=[("ward", NORTH)])
    return store, officer


def test_small_bases_show_no_count_topic_or_share(small):
    engine, officer = small
    areas = priority_areas(engine, officer).set_index("lsoa21_code")
    assert sorted(areas.index) == ["E01000001", "E01000002", "E01000004"]  # South's LSOA not read
    for lsoa in ("E01000001", "E01000004"):  # 4 answers; none
        assert areas.loc[lsoa, "sentence"] == TOO_FEW
        assert areas.loc[lsoa, ["respondents", "top_topic", "top_topic_label", "top_share_pct"]].isna().all()
    shown = areas.loc["E01000002"]
    assert (shown["respondents"], shown["top_topic"], shown["top_share_pct"]) == (10, "asb", 50.0)
    assert shown["sentence"] == "Anti-social behaviour: named by 50% of respondents"
    assert str(areas["respondents"].dtype) == "Int64"


def test_a_topic_named_by_too_few_is_hidden_even_on_a_large_enough_base(small):
    engine, officer = small
    areas = priority_areas(engine, officer, waves=["2024Q3"]).set_index("lsoa21_code")
    row = areas.loc["E01000002"]
    assert row["respondents"] == 6  # six answers may be shown, the three naming asb may not
    assert pd.isna(row["top_topic"]) and pd.isna(row["top_share_pct"]) and row["sentence"] == TOO_FEW


def test_chosen_waves_replace_the_latest_four(small):
    engine, officer = small
    assert waves_held(engine) == ["2024Q2", "2024Q3", "2024Q4", "2025Q1", "2025Q2"]
    areas = priority_areas(engine, officer, waves=["2024Q2"]).set_index("lsoa21_code")
    assert (areas.loc["E01000001", "respondents"], areas.loc["E01000001", "top_topic"]) == (20, "drugs")
    assert areas.loc["E01000001", "sentence"] == "Drugs: named by 100% of respondents"
    with pytest.raises(PermissionDenied):
        priority_areas(engine, officer, area=Area("ward", SOUTH))
