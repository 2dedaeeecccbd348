"""Audiences of messages: the spec, its checks, the areas a sender must cover, and who it reaches
(on the store of tests/messaging_files.py)."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest
from sqlalchemy import insert, update

from lpt.access import rights
from lpt.access.guard import FORCE, Area
from lpt.errors import LPTError
from lpt.messaging.audience import NO_ADDRESS, SUSPENDED, AudienceSpec, count_opted_out, resolve
from lpt.store import open_store
from lpt.store.schema import contact_suspensions, members
from tests.conftest import database_url
from tests.messaging_files import (
    CHURCH,
    DISTRICT,
    FORCE_CODE,
    HIGH,
    MILL,
    MILL_SQUARE,
    NORTH,
    ON,
    SOUTH,
    address,
    member,
    populate,
)


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def shared(request, tmp_path_factory):
    """One populated store per database kind for the tests of this module that only read."""
    folder = tmp_path_factory.mktemp("audience")
    engine = open_store(database_url(request, folder))
    populate(engine, folder)
    yield engine
    engine.dispose()


# --- the spec ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"level": "street"}, "unknown audience level 'street'"),
        ({"level": "ward"}, "audience level 'ward' needs codes"),
        ({"level": "district", "codes": ()}, "audience level 'district' needs codes"),
        ({"level": "streets"}, "audience level 'streets' needs streets"),
        ({"level": "area"}, "audience level 'area' needs polygon"),
        ({"level": "ward", "codes": (NORTH,), "streets": (MILL,)}, "audience level 'ward' takes no streets"),
        ({"level": "force", "polygon": MILL_SQUARE}, "audience level 'force' takes no polygon"),
        ({"level": "streets", "streets": (("E01000001",),)}, r"\(LSOA 2021 code, street name\) pairs"),
        ({"level": "ward", "codes": ("",)}, "GSS codes"),
        ({"level": "area", "polygon": "POLYGON ((0 0, 1"}, "not WKT"),
        ({"level": "area", "polygon": "POINT (0 52)"}, "valid polygon, not Point"),
        ({"level": "area", "polygon": "POLYGON ((0 0, 1 1, 1 0, 0 1, 0 0))"}, r"\(invalid\)"),
        ({"level": "area", "polygon": "POLYGON ((400000 400000, 400100 400000, 400100 400100, 400000 400000))"},
         "not WGS84"),
        ({"level": "ward", "codes": (NORTH,), "group": "choir"}, "unknown group 'choir'"),
        ({"level": "ward", "codes": (NORTH,), "topic": "noise"}, "unknown topic 'noise'"),
        ({"level": "ward", "codes": (NORTH,), "age_bands": ("16-17",)}, "unknown age bands '16-17'"),
        ({"level": "ward", "codes": (NORTH,), "sexes": ("X",)}, "unknown sexes 'X'"),
        ({"level": "ward", "codes": (NORTH,), "ethnic_groups": ("Martian",)}, "unknown ethnic groups 'Martian'"),
    ],
)
def test_bad_specs_are_refused_with_a_clear_message(values, message):
    with pytest.raises(LPTError, match=message):
        AudienceSpec(**values)


def test_json_round_trip_keeps_every_field():
    spec = AudienceSpec("streets", streets=[list(MILL), CHURCH], group="faith_group", age_bands=["45-54"],
                        sexes=("Female",), ethnic_groups=("White", "Asian"), topic="drugs")
    again = AudienceSpec.from_json(spec.to_json())
    assert again == spec and again.streets == (MILL, CHURCH) and isinstance(again.age_bands, tuple)


@pytest.mark.parametrize("text", ["not json", "[1, 2]", '{"codes": ["x"]}', '{"level": "ward", "codes": ["x"], "colour": "red"}'])
def test_bad_json_is_refused(text):
    with pytest.raises(LPTError, match="an audience is a JSON object"):
        AudienceSpec.from_json(text)


@pytest.mark.parametrize(
    ("spec", "approval"),
    [
        (AudienceSpec("force"), True),
        (AudienceSpec("district", codes=(DISTRICT,)), True),
        (AudienceSpec("ward", codes=(NORTH,)), False),
        (AudienceSpec("streets", streets=(MILL,)), False),
        (AudienceSpec("area", polygon=MILL_SQUARE), False),
    ],
)
def test_force_and_district_messages_need_approval(spec, approval):
    assert spec.needs_approval is approval


def test_describe_names_place_and_filters():
    spec = AudienceSpec("ward", codes=(NORTH, SOUTH), group="neighbourhood_watch", age_bands=("45-54",), topic="litter_flytipping")
    assert spec.describe() == (
        f"Members in wards {NORTH}, {SOUTH}, neighbourhood watch, aged 45-54, whose priorities include litter and fly-tipping."
    )
    assert AudienceSpec("force").describe() == "Members in the whole force."
    assert AudienceSpec("streets", streets=(MILL, CHURCH)).describe() == "Members in Church Road, Mill Lane."


def test_areas_the_sender_must_cover(shared):
    assert AudienceSpec("force").area() == (FORCE,)
    assert AudienceSpec("force", codes=(FORCE_CODE,)).area() == (Area("force", FORCE_CODE),)
    assert AudienceSpec("district", codes=(DISTRICT,)).area() == (Area("district", DISTRICT),)
    assert AudienceSpec("ward", codes=(NORTH, SOUTH)).area() == (Area("ward", NORTH), Area("ward", SOUTH))
    assert AudienceSpec("streets", streets=(MILL, HIGH)).area(shared) == (Area("ward", NORTH), Area("ward", SOUTH))
    assert AudienceSpec("area", polygon=MILL_SQUARE).area(shared) == (Area("ward", NORTH),)
    with pytest.raises(LPTError, match="pass the engine"):
        AudienceSpec("streets", streets=(MILL,)).area()
    with pytest.raises(LPTError, match="no known postcode"):
        AudienceSpec("area", polygon="POLYGON ((0 50, 0.1 50, 0.1 50.1, 0 50.1, 0 50))").area(shared)


# --- who it reaches ------------------------------------------------------------------


def _ids(*ranges: range) -> list[str]:
    return sorted(member(i) for r in ranges for i in r)


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        (AudienceSpec("force"), _ids(range(1, 41))),
        (AudienceSpec("force", codes=(FORCE_CODE,)), _ids(range(1, 41))),
        (AudienceSpec("force", codes=("E23000009",)), []),
        (AudienceSpec("district", codes=(DISTRICT,)), _ids(range(1, 41))),
        (AudienceSpec("ward", codes=(NORTH,)), _ids(range(1, 31))),
        (AudienceSpec("ward", codes=(SOUTH,)), _ids(range(31, 41))),
        (AudienceSpec("streets", streets=(MILL,)), _ids(range(1, 16))),
        (AudienceSpec("streets", streets=(CHURCH, HIGH)), _ids(range(16, 41))),
        (AudienceSpec("streets", streets=(("E01000002", "Mill Lane"),)), []),  # Mill Lane is in the other LSOA
        (AudienceSpec("area", polygon=MILL_SQUARE), _ids(range(1, 16))),
        (AudienceSpec("ward", codes=(NORTH, SOUTH), group="neighbourhood_watch"), _ids(range(1, 11))),
        (AudienceSpec("ward", codes=(NORTH,), group="faith_group"), _ids(range(11, 16))),
        (AudienceSpec("force", age_bands=("65-74",)), _ids(range(2, 41, 3))),
        (AudienceSpec("force", sexes=("Female",), ethnic_groups=("Asian",)), _ids(range(5, 41, 10))),
        (AudienceSpec("force", topic="drugs"), _ids(range(2, 21))),  # M01's latest answer names asb
        (AudienceSpec("force", topic="asb"), _ids(range(1, 2), range(21, 31))),
        (AudienceSpec("ward", codes=(SOUTH,), topic="speeding"), _ids(range(31, 34))),
    ],
)
def test_resolve_places_members_by_postcode_with_filters(shared, spec, expected):
    reached = resolve(shared, spec, ON)
    assert reached["member_id"].tolist() == expected
    assert list(reached.columns) == ["member_id", "address", "ward_code", "excluded"]
    assert reached["excluded"].isna().all()


def test_topic_looks_only_at_answers_given_by_the_day(shared):
    before_second_answer = resolve(shared, AudienceSpec("force", topic="drugs"), date(2025, 3, 1))
    assert "M01" in set(before_second_answer["member_id"])


def test_registered_on_the_day_only_and_opted_out_never(populated):
    engine, users = populated
    rights.opt_out(engine, users["admin"], "M02", purpose="member asked", on=date(2025, 6, 1))
    ward = AudienceSpec("ward", codes=(NORTH,))
    assert resolve(engine, ward, date(2025, 1, 14)).empty  # nobody had joined
    assert "M02" in set(resolve(engine, ward, date(2025, 5, 31))["member_id"])
    assert "M02" not in set(resolve(engine, ward, date(2025, 6, 1))["member_id"])  # opted out that day
    assert len(resolve(engine, ward, date(2025, 6, 1))) == 29
    assert count_opted_out(engine, ward, date(2025, 6, 1)) == 1
    assert count_opted_out(engine, ward, date(2025, 5, 31)) == 0
    rights.erase_member(engine, users["admin"], "M03", purpose="erasure request")
    assert "M03" not in set(resolve(engine, ward, date(2025, 6, 1))["member_id"])


def test_members_without_address_or_with_a_suspended_one_are_marked(populated):
    engine, _ = populated
    with engine.begin() as connection:
        connection.execute(update(members).where(members.c.member_id.in_(["M04", "M05"])).values(email=None))
        connection.execute(update(members).where(members.c.member_id == "M06").values(email="  "))
        connection.execute(insert(contact_suspensions).values(member_id="M07", channel="email", since=pd.Timestamp("2025-05-01", tz="UTC"),
                                                              reason="3 bounces in a row"))
    reached = resolve(engine, AudienceSpec("streets", streets=(MILL,)), ON).set_index("member_id")
    assert reached.loc[["M04", "M05", "M06"], "excluded"].tolist() == [NO_ADDRESS] * 3
    assert reached.loc["M07", "excluded"] == SUSPENDED
    assert reached["excluded"].isna().sum() == 11 and reached.loc["M08", "address"] == address(8)
    by_phone = resolve(engine, AudienceSpec("streets", streets=(MILL,)), ON, channel="sms")  # nobody gave a phone
    assert (by_phone["excluded"] == NO_ADDRESS).all()
    with pytest.raises(LPTError, match="unknown channel 'fax'"):
        resolve(engine, AudienceSpec("force"), ON, channel="fax")
