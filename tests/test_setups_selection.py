"""Setups and their priority addresses: area, criteria, the revisit flag, hidden doors, who may see what.

The store is tests/setups_files.py's (wards North and South; Mill Lane, Church Road, High Street;
members M1-M5), on SQLite and PostgreSQL. The clock is fixed: 2 June 2025, 11:00 BST.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from lpt.access.audit import audit_entries
from lpt.access.guard import PermissionDenied
from lpt.errors import LPTError
from lpt.priorities.streets import area_streets
from lpt.setups.model import (
    Criteria,
    SetupArea,
    SetupSpec,
    archive_setup,
    create_setup,
    every_door_setup,
    setups_of,
    update_setup,
)
from lpt.setups.selection import (
    ADDRESS_COLUMNS,
    DECLINED,
    NOT_IN,
    NOT_IN_TONIGHT,
    REGISTERED,
    priority_addresses,
)
from lpt.setups.visits import record_visit
from tests.setups_files import CHURCH, ENDS, HIGH, MILL, MILL_SQUARE, NORTH, ON, PURPOSE, SOUTH, STARTS

NORTH_DOORS = set(MILL) | set(CHURCH)


def _setup(engine, users, *, by="sgt-north", wards=(NORTH,), **changes) -> int:
    spec = SetupSpec("Test setup", SetupArea(wards=wards), STARTS, ENDS)
    return create_setup(engine, users[by], replace(spec, **changes), purpose=PURPOSE)


def _doors(engine, user, setup_id, *, on=ON, show_hidden=False) -> set[str]:
    return set(priority_addresses(engine, user, setup_id, on=on, show_hidden=show_hidden, purpose=PURPOSE)["address_id"])


def _reasons(engine, user, setup_id, *, on=ON) -> dict[str, str]:
    frame = priority_addresses(engine, user, setup_id, on=on, show_hidden=True, purpose=PURPOSE)
    return dict(zip(frame["address_id"], frame["hidden_reason"], strict=True))


# --- the area and the registered households -----------------------------------------


def test_a_ward_setup_lists_the_wards_unregistered_households(doorstep):
    engine, users = doorstep
    setup_id = _setup(engine, users)
    frame = priority_addresses(engine, users["pc1"], setup_id, on=ON, purpose=PURPOSE)
    assert list(frame.columns) == ADDRESS_COLUMNS
    # M1 (ML02) and M2 (ML04) are registered; M3 left, M4 joins in July: their doors are listed
    assert set(frame["address_id"]) == NORTH_DOORS - {"ML02", "ML04"}
    assert not frame["hidden"].any() and not frame["registered"].any()
    assert set(frame["ward_code"]) == {NORTH}
    assert frame[["longitude", "latitude"]].notna().all().all()


def test_registered_households_are_hidden_unless_the_setup_revisits(doorstep):
    engine, users = doorstep
    plain, revisit = _setup(engine, users), _setup(engine, users, revisit=True)
    reasons = _reasons(engine, users["pc1"], plain)
    assert {a for a, r in reasons.items() if r} == {"ML02", "ML04"}
    assert reasons["ML02"] == reasons["ML04"] == REGISTERED
    assert _doors(engine, users["pc1"], revisit) == NORTH_DOORS
    assert not any(_reasons(engine, users["pc1"], revisit).values())


def test_declined_doors_are_hidden_unless_the_setup_revisits(doorstep):
    engine, users = doorstep
    plain, revisit = _setup(engine, users), _setup(engine, users, revisit=True)
    record_visit(engine, users["pc2"], plain, "CR01", "declined", at=ON - timedelta(days=1), purpose=PURPOSE)
    assert "CR01" not in _doors(engine, users["pc1"], plain)
    assert _reasons(engine, users["pc1"], plain)["CR01"] == DECLINED
    assert "CR01" in _doors(engine, users["pc1"], revisit)  # a declined call hides the door from every setup
    frame = priority_addresses(engine, users["pc1"], revisit, on=ON, purpose=PURPOSE).set_index("address_id")
    assert frame.loc["CR01", "last_outcome"] == "declined"


def test_a_door_called_at_after_the_clock_does_not_count(doorstep):
    engine, users = doorstep
    setup_id = _setup(engine, users)
    record_visit(engine, users["pc2"], setup_id, "CR01", "declined", at=ON + timedelta(hours=1), purpose=PURPOSE)
    assert "CR01" in _doors(engine, users["pc1"], setup_id)
    assert "CR01" not in _doors(engine, users["pc1"], setup_id, on=ON + timedelta(hours=2))


# --- "not in" and the 18:00 rule on the list ------------------------------------------


def test_not_in_hides_the_door_from_everyones_list_until_six(doorstep):
    engine, users = doorstep
    setup_id, other = _setup(engine, users), _setup(engine, users, name="Another setup")
    record_visit(engine, users["pc1"], setup_id, "ML01", "not_in", at=ON, purpose=PURPOSE)  # 11:00 BST
    for user, setup in ((users["pc1"], setup_id), (users["pc2"], setup_id), (users["pc3"], other)):
        assert "ML01" not in _doors(engine, user, setup, on=ON + timedelta(hours=6, minutes=59))  # 17:59 BST
    frame = priority_addresses(engine, users["pc2"], setup_id, on=ON + timedelta(hours=1), show_hidden=True,
                               purpose=PURPOSE).set_index("address_id")
    assert frame.loc["ML01", "hidden_reason"] == NOT_IN
    assert frame.loc["ML01", "hidden_until"] == ON.replace(hour=17)
    assert "ML01" in _doors(engine, users["pc2"], setup_id, on=ON.replace(hour=17))  # 18:00 BST: back


def test_not_in_after_six_hides_the_door_until_the_next_day(doorstep):
    engine, users = doorstep
    setup_id = _setup(engine, users, revisit=True)
    evening = ON.replace(hour=18, minute=30)  # 19:30 BST
    record_visit(engine, users["pc1"], setup_id, "CR02", "not_in", at=evening, purpose=PURPOSE)
    assert _reasons(engine, users["pc2"], setup_id, on=ON.replace(hour=22, minute=59))["CR02"] == NOT_IN_TONIGHT
    assert "CR02" in _doors(engine, users["pc2"], setup_id, on=ON.replace(hour=23))  # midnight BST


def test_a_later_call_replaces_a_not_in(doorstep):
    engine, users = doorstep
    setup_id = _setup(engine, users, revisit=True)
    record_visit(engine, users["pc1"], setup_id, "CR04", "not_in", at=ON, purpose=PURPOSE)
    record_visit(engine, users["pc2"], setup_id, "CR04", "spoke_not_registered", at=ON + timedelta(minutes=5), purpose=PURPOSE)
    frame = priority_addresses(engine, users["pc3"], setup_id, on=ON + timedelta(minutes=10), purpose=PURPOSE)
    assert frame.set_index("address_id").loc["CR04", "last_outcome"] == "spoke_not_registered"


def test_show_hidden_returns_every_door_with_its_reason(doorstep):
    engine, users = doorstep
    setup_id = _setup(engine, users)
    record_visit(engine, users["pc1"], setup_id, "ML01", "not_in", at=ON, purpose=PURPOSE)
    record_visit(engine, users["pc1"], setup_id, "ML03", "declined", at=ON, purpose=PURPOSE)
    frame = priority_addresses(engine, users["pc1"], setup_id, on=ON, show_hidden=True, purpose=PURPOSE)
    assert set(frame["address_id"]) == NORTH_DOORS
    hidden = frame[frame["hidden"]].set_index("address_id")["hidden_reason"].to_dict()
    assert hidden == {"ML01": NOT_IN, "ML02": REGISTERED, "ML03": DECLINED, "ML04": REGISTERED}
    assert frame.loc[~frame["hidden"], "hidden_reason"].isna().all()
    assert _doors(engine, users["pc1"], setup_id) == NORTH_DOORS - set(hidden)


# --- areas and criteria -------------------------------------------------------------------


def test_a_streets_setup_lists_those_streets_only(doorstep):
    engine, users = doorstep
    setup_id = _setup(engine, users, area=SetupArea(streets=[("E01000002", "Church Road")]))
    assert _doors(engine, users["pc1"], setup_id) == set(CHURCH)


def test_a_polygon_setup_lists_the_doors_inside_it(doorstep):
    engine, users = doorstep
    setup_id = _setup(engine, users, area=SetupArea(polygon=MILL_SQUARE))
    assert _doors(engine, users["pc1"], setup_id) == set(MILL) - {"ML02", "ML04"}


def test_imd_deciles_select_by_the_lsoa(doorstep):
    engine, users = doorstep
    wards = (NORTH, SOUTH)
    most_deprived = _setup(engine, users, by="sgt-district", wards=wards, criteria=Criteria(imd_deciles=(1,)))
    assert _doors(engine, users["sgt-district"], most_deprived) == set(MILL) - {"ML02", "ML04"}
    least = _setup(engine, users, by="sgt-district", wards=wards, criteria=Criteria(imd_deciles=(5, 9)))
    assert _doors(engine, users["sgt-district"], least) == set(CHURCH) | set(HIGH) - {"HS01"}


def test_the_census_selects_areas_where_a_community_lives(doorstep):
    engine, users = doorstep
    wards = (NORTH, SOUTH)
    over_half = _setup(engine, users, by="sgt-district", wards=wards,
                       criteria=Criteria(census_group="Asian", census_min_pct=50))
    assert _doors(engine, users["sgt-district"], over_half) == set(CHURCH)  # 60% Asian
    over_quarter = _setup(engine, users, by="sgt-district", wards=wards,
                          criteria=Criteria(census_group="Asian", census_min_pct=25))
    assert _doors(engine, users["sgt-district"], over_quarter) == set(CHURCH) | set(HIGH) - {"HS01"}


def test_a_low_answer_selects_households_by_their_members_latest_answer(doorstep):
    engine, users = doorstep
    low = _setup(engine, users, revisit=True, criteria=Criteria(answer_question="confidence", answer_at_most=2))
    assert _doors(engine, users["pc1"], low) == {"ML02"}  # M1 answered 1 last; M2 answered 1 before, 5 last
    district = _setup(engine, users, by="sgt-district", wards=(NORTH, SOUTH), revisit=True,
                      criteria=Criteria(answer_question="confidence", answer_at_most=2))
    assert _doors(engine, users["sgt-district"], district) == {"ML02", "HS01"}


def test_group_and_demographics_select_households_of_such_members(doorstep):
    engine, users = doorstep
    faith = _setup(engine, users, revisit=True, criteria=Criteria(group="faith_group"))
    assert _doors(engine, users["pc1"], faith) == {"ML04"}
    asian = _setup(engine, users, revisit=True, criteria=Criteria(ethnic_groups=("Asian",)))
    assert _doors(engine, users["pc1"], asian) == {"ML04"}
    older = _setup(engine, users, revisit=True, criteria=Criteria(age_bands=("45-54", "65-74")))
    assert _doors(engine, users["pc1"], older) == {"ML02", "ML04"}


def test_member_criteria_must_hold_for_one_member(doorstep):
    engine, users = doorstep
    both = _setup(engine, users, revisit=True,
                  criteria=Criteria(group="faith_group", answer_question="confidence", answer_at_most=2))
    assert _doors(engine, users["pc1"], both) == set()  # M2 is in the faith group but answered 5 last


def test_recommended_streets_are_the_top_streets_of_each_ward(doorstep):
    engine, users = doorstep
    streets = area_streets(engine, users["pc1"], purpose=PURPOSE)
    top = streets.groupby("ward_code").head(1)
    assert len(streets) == 2 and len(top) == 1  # Mill Lane and Church Road have points: one is chosen
    setup_id = _setup(engine, users, revisit=True, criteria=Criteria(recommended_top=1))
    frame = priority_addresses(engine, users["pc1"], setup_id, on=ON, purpose=PURPOSE)
    assert set(zip(frame["lsoa21_code"], frame["street"], strict=True)) == set(zip(top["lsoa21_code"], top["street_name"], strict=True))
    two = _setup(engine, users, revisit=True, criteria=Criteria(recommended_top=2))
    assert _doors(engine, users["pc1"], two) == NORTH_DOORS


def test_criteria_combine(doorstep):
    engine, users = doorstep
    setup_id = _setup(engine, users, by="sgt-district", wards=(NORTH, SOUTH),
                      criteria=Criteria(imd_deciles=(1, 9), census_group="Asian", census_min_pct=20))
    assert _doors(engine, users["sgt-district"], setup_id) == set(HIGH) - {"HS01"}  # decile 9 and 30% Asian


# --- who sees what -------------------------------------------------------------------------


def test_officers_see_only_their_own_wards_of_a_setup(doorstep):
    engine, users = doorstep
    both = _setup(engine, users, by="sgt-district", wards=(NORTH, SOUTH))
    assert _doors(engine, users["pc1"], both) == NORTH_DOORS - {"ML02", "ML04"}
    assert _doors(engine, users["pc-south"], both) == set(HIGH) - {"HS01"}
    assert len(_doors(engine, users["sgt-district"], both)) == 19 + 9


def test_a_setup_outside_the_callers_wards_is_refused_and_audited(doorstep):
    engine, users = doorstep
    setup_id = _setup(engine, users)
    with pytest.raises(PermissionDenied, match="outside"):
        priority_addresses(engine, users["pc-south"], setup_id, on=ON, purpose=PURPOSE)
    refused = audit_entries(engine, users["admin"], user_id="pc-south", outcome="refused")
    assert (refused["action"] == "address_status").sum() == 1


def test_roles_without_address_status_are_refused(doorstep):
    engine, users = doorstep
    setup_id = _setup(engine, users)
    for user in ("an1", "admin"):
        with pytest.raises(PermissionDenied):
            priority_addresses(engine, users[user], setup_id, on=ON, purpose=PURPOSE)


def test_every_list_is_audited_with_its_purpose_and_size(doorstep):
    engine, users = doorstep
    setup_id = _setup(engine, users)
    frame = priority_addresses(engine, users["pc1"], setup_id, on=ON, show_hidden=True, purpose="monday shift")
    last = audit_entries(engine, users["admin"], user_id="pc1", action="address_status").iloc[-1]
    assert (last["purpose"], last["records"], last["outcome"]) == ("monday shift", len(frame), "allowed")


def test_only_supervisors_of_the_area_and_admins_manage_setups(doorstep):
    engine, users = doorstep
    spec = SetupSpec("South", SetupArea(wards=(SOUTH,)), STARTS, ENDS)
    for user in ("pc1", "sgt-north", "an1"):
        with pytest.raises(PermissionDenied):
            create_setup(engine, users[user], spec, purpose=PURPOSE)
    assert create_setup(engine, users["sgt-district"], spec, purpose=PURPOSE)
    assert create_setup(engine, users["admin"], replace(spec, team_id="south-team"), purpose=PURPOSE)
    with pytest.raises(PermissionDenied, match="another team"):
        create_setup(engine, users["sgt-district"], replace(spec, team_id="south-team"), purpose=PURPOSE)
    streets = SetupSpec("Streets", SetupArea(streets=[("E01000003", "High Street")]), STARTS, ENDS)
    with pytest.raises(PermissionDenied):
        create_setup(engine, users["sgt-north"], streets, purpose=PURPOSE)


# --- a setup's life --------------------------------------------------------------------------


def test_setups_of_lists_the_active_setups_touching_the_callers_wards(doorstep):
    engine, users = doorstep
    north = _setup(engine, users, name="North")
    south = _setup(engine, users, by="sgt-district", wards=(SOUTH,), name="South")
    door = every_door_setup(engine, users["admin"], purpose=PURPOSE, starts_on=STARTS)
    listed = setups_of(engine, users["pc1"], purpose=PURPOSE)
    assert set(listed["setup_id"]) == {north, door}
    assert set(setups_of(engine, users["sgt-district"], purpose=PURPOSE)["setup_id"]) == {north, south, door}
    row = listed.set_index("setup_id").loc[north]
    assert (row["kind"], row["team_id"], row["owner"], row["wards"]) == ("targeted", "north-team", "sgt-north", (NORTH,))
    assert row["spec"] == SetupSpec("North", SetupArea(wards=(NORTH,)), STARTS, ENDS, team_id="north-team")


def test_an_archived_setup_leaves_the_lists_and_cannot_be_edited(doorstep):
    engine, users = doorstep
    setup_id = _setup(engine, users)
    archive_setup(engine, users["sgt-north"], setup_id, purpose=PURPOSE)
    assert setup_id not in set(setups_of(engine, users["pc1"], purpose=PURPOSE)["setup_id"])
    archived = setups_of(engine, users["pc1"], include_archived=True, purpose=PURPOSE).set_index("setup_id")
    assert archived.loc[setup_id, "status"] == "archived" and archived.loc[setup_id, "archived_at"] is not None
    with pytest.raises(LPTError, match="archived"):
        priority_addresses(engine, users["pc1"], setup_id, on=ON, purpose=PURPOSE)
    with pytest.raises(LPTError, match="archived"):
        update_setup(engine, users["sgt-north"], setup_id, SetupSpec("New", SetupArea(wards=(NORTH,)), STARTS), purpose=PURPOSE)
    with pytest.raises(LPTError, match="archived"):
        archive_setup(engine, users["sgt-north"], setup_id, purpose=PURPOSE)


def test_editing_a_setup_changes_its_list(doorstep):
    engine, users = doorstep
    setup_id = _setup(engine, users)
    update_setup(engine, users["sgt-north"], setup_id, SetupSpec("Church Road", SetupArea(streets=[("E01000002", "Church Road")]),
                                                                  STARTS, ENDS), purpose=PURPOSE)
    assert _doors(engine, users["pc1"], setup_id) == set(CHURCH)
    with pytest.raises(PermissionDenied):
        update_setup(engine, users["sgt-north"], setup_id, SetupSpec("South", SetupArea(wards=(SOUTH,)), STARTS),
                     purpose=PURPOSE)


def test_the_every_door_setup_is_created_once_and_covers_every_household(doorstep):
    engine, users = doorstep
    with pytest.raises(PermissionDenied):
        every_door_setup(engine, users["pc1"], purpose=PURPOSE)  # officers may not start it
    setup_id = every_door_setup(engine, users["admin"], purpose=PURPOSE, starts_on=STARTS)
    assert every_door_setup(engine, users["admin"], purpose=PURPOSE) == setup_id
    assert every_door_setup(engine, users["pc1"], purpose=PURPOSE) == setup_id
    assert _doors(engine, users["pc1"], setup_id) == NORTH_DOORS - {"ML02", "ML04"}
    assert _doors(engine, users["sgt-district"], setup_id) == (NORTH_DOORS | set(HIGH)) - {"ML02", "ML04", "HS01"}


# --- the spec --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("change", "message"), [
    ({"name": " "}, "needs a name"),
    ({"ends_on": STARTS - timedelta(days=1)}, "ends on or after"),
    ({"starts_on": "June"}, "is a day"),
    ({"criteria": Criteria(group="faith_group")}, "must revisit"),
    ({"revisit": "yes"}, "true or false"),
])
def test_a_bad_spec_says_what_is_wrong(change, message):
    with pytest.raises(LPTError, match=message):
        replace(SetupSpec("Test", SetupArea(wards=(NORTH,)), STARTS, ENDS), **change)


@pytest.mark.parametrize(("make", "message"), [
    (lambda: SetupArea(wards=(NORTH,), polygon=MILL_SQUARE), "not several"),
    (lambda: SetupArea(polygon="POINT (1 2)"), "valid polygon"),
    (lambda: SetupArea(polygon="nonsense"), "not WKT"),
    (lambda: SetupArea(streets=[("E01000002",)]), "pairs"),
    (lambda: Criteria(answer_question="confidence"), "go together"),
    (lambda: Criteria(answer_question="happiness", answer_at_most=2), "unknown survey question"),
    (lambda: Criteria(answer_question="confidence", answer_at_most=5), "1 to 4"),
    (lambda: Criteria(group="choir"), "unknown group"),
    (lambda: Criteria(age_bands=("12-17",)), "unknown age bands"),
    (lambda: Criteria(imd_deciles=(0,)), "IMD deciles"),
    (lambda: Criteria(census_group="Asian", census_min_pct=0), "census_min_pct"),
    (lambda: Criteria(census_group="Martian", census_min_pct=5), "unknown census group"),
    (lambda: Criteria(recommended_top=0), "recommended_top"),
    (lambda: SetupSpec.from_json('{"name": "x", "area": {}, "starts_on": "2025-06-01", "colour": "red"}'), "not colour"),
    (lambda: SetupSpec.from_json("[1]"), "JSON object"),
])
def test_bad_areas_and_criteria_say_what_is_wrong(make, message):
    with pytest.raises(LPTError, match=message):
        make()


def test_a_spec_survives_json():
    spec = SetupSpec("Faith groups", SetupArea(streets=[("E01000002", "Church Road")]), STARTS, ENDS,
                     criteria=Criteria(group="faith_group", imd_deciles=(1, 2), census_group="Asian", census_min_pct=20.5,
                                       recommended_top=3),
                     revisit=True, team_id="north-team")
    assert SetupSpec.from_json(spec.to_json()) == spec
    assert "faith group" in spec.describe() and "revisits" in spec.describe()
