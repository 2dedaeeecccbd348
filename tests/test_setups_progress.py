"""Setup progress for supervisors, counted by hand: per ward, street, officer, group and week against the
plan, per team and per ward, and the every-door map, on SQLite and PostgreSQL (tests/setups_files.py's store).

The campaign (:func:`_record`) of setup "Both" (wards North and South, team north-team, Monday 2 to Sunday
29 June 2025: 28 days) counted to Wednesday 18 June (:data:`ON_DAY`: 17 days gone):

* targeted (registration on 1 June): Mill Lane 10 (ML02, ML04 registered), Church Road 9, High Street 9
  (HS01 registered): North 19, South 9, 28 in all;
* week 1: pc1 registers 7 in Mill Lane on the 3rd (all surveyed; ML11 not in, ML12 declines); pc-south
  registers 6 in High Street on the 4th (5 surveyed), HS08 speaks (surveyed), HS09 not in; pc3 finds
  CR08 and Rose Cottage empty on the 5th;
* week 2: pc2 registers 6 in Church Road on the 9th (5 surveyed), CR03 speaks (surveyed), CR08 speaks;
  pc1 speaks at ML11 on the 10th (surveyed);
* week 3: pc1 finds ML06 empty on the 16th; pc-south's call at HS10 on the 19th is after the day counted.

Setup "Mill revisit" (North, revisits, no end date, team north-team, archived on 20 June): pc1's 6 calls
on the 4th (ML02 and ML04 speak, surveyed). Counts below 5 are hidden, and so is whatever would give
one away (lpt.disclosure.disclose_linked: a setup's tables break down the same totals).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pandas as pd
import pytest

from lpt.access.audit import audit_entries
from lpt.access.guard import PermissionDenied
from lpt.disclosure import Audience
from lpt.errors import LPTError
from lpt.reports import content
from lpt.setups.model import LONDON, SetupArea, SetupSpec, archive_setup, create_setup, every_door_setup
from lpt.setups.progress import NOT_KNOWN, NOT_REGISTERED, progress, team_progress, visited_share_by_ward, ward_setups
from lpt.setups.visits import record_visit
from tests.setups_files import CHURCH, ENDS, HIGH, MILL, NORTH, ON, PURPOSE, SOUTH, STARTS, populate

ON_DAY = date(2025, 6, 18)
MEASURES = ["targeted", "visited", "spoken_to", "registered", "survey_responses"]
NA = None
SR, SNR = "spoke_registered", "spoke_not_registered"
#: (officer, setup, door, outcome, day of June 2025, ethnic group, age band, surveyed)
BOTH_CALLS = [
    *[("pc1", "Both", door, SR, 3, group, age, True) for door, group, age in (
        ("ML01", "White", "25-34"), ("ML03", "White", "25-34"), ("ML05", "Asian", "25-34"), ("ML07", "Asian", "35-44"),
        ("ML08", "White", "35-44"), ("ML09", "Asian", "45-54"), ("ML10", "Black", "35-44"))],
    ("pc1", "Both", "ML11", "not_in", 3, None, None, False),
    ("pc1", "Both", "ML12", "declined", 3, None, None, False),
    *[("pc-south", "Both", door, SR, 4, group, age, surveyed) for door, group, age, surveyed in (
        ("HS02", "Asian", "25-34", True), ("HS03", "Asian", "35-44", True), ("HS04", "White", "25-34", True),
        ("HS05", "White", "35-44", True), ("HS06", None, None, True), ("HS07", "Asian", "65-74", False))],
    ("pc-south", "Both", "HS08", SNR, 4, None, None, True),
    ("pc-south", "Both", "HS09", "not_in", 4, None, None, False),
    ("pc3", "Both", "CR08", "not_in", 5, None, None, False),
    ("pc3", "Both", "CRRC", "not_in", 5, None, None, False),
    *[("pc2", "Both", door, SR, 9, group, age, surveyed) for door, group, age, surveyed in (
        ("CR01", "Asian", "25-34", True), ("CR02", "Asian", "35-44", True), ("CR04", "White", "25-34", True),
        ("CR05", "Black", "65-74", True), ("CR06", "Asian", "35-44", True), ("CR07", "White", "35-44", False))],
    ("pc2", "Both", "CR03", SNR, 9, None, None, True),
    ("pc2", "Both", "CR08", SNR, 9, None, None, False),
    ("pc1", "Both", "ML11", SNR, 10, None, None, True),
    ("pc1", "Both", "ML06", "not_in", 16, None, None, False),
    ("pc-south", "Both", "HS10", SNR, 19, None, None, False),  # after the day counted
]
MILL_CALLS = [("pc1", "Mill revisit", door, outcome, 4, None, None, outcome == SNR) for door, outcome in (
    ("ML02", SNR), ("ML04", SNR), ("ML01", "not_in"), ("ML03", "not_in"), ("ML05", "not_in"), ("ML07", "declined"))]


@pytest.fixture
def campaign(doorstep):
    """(engine, users, setup IDs by name) with the module docstring's calls recorded."""
    store, users = doorstep
    ids = {
        "Both": create_setup(store, users["admin"], SetupSpec(
            "Both", SetupArea(wards=(NORTH, SOUTH)), date(2025, 6, 2), date(2025, 6, 29), team_id="north-team"),
            purpose=PURPOSE, now=datetime(2025, 5, 20, tzinfo=UTC)),
        "Mill revisit": create_setup(store, users["admin"], SetupSpec(
            "Mill revisit", SetupArea(wards=(NORTH,)), date(2025, 6, 2), revisit=True, team_id="north-team"),
            purpose=PURPOSE, now=datetime(2025, 5, 21, tzinfo=UTC)),
    }
    _record(store, users, ids, BOTH_CALLS + MILL_CALLS)
    archive_setup(store, users["sgt-north"], ids["Mill revisit"], purpose=PURPOSE,
                  now=datetime(2025, 6, 20, 12, tzinfo=LONDON))
    return store, users, ids


def _record(engine, users, ids: dict[str, int], calls: list[tuple]) -> None:
    for i, (officer, setup, door, outcome, day, group, age, surveyed) in enumerate(calls):
        consent = None
        if outcome == SR:
            consent = {"first_name": "Resident", "last_name": door, "email": f"{door.lower()}@example.com",
                       **({"ethnic_group": group} if group else {}), **({"age_band": age} if age else {})}
        record_visit(engine, users[officer], ids[setup], door, outcome, consent=consent, purpose=PURPOSE,
                     at=datetime(2025, 6, day, 10, 0, tzinfo=LONDON) + timedelta(minutes=i),
                     survey={"confidence": 3} if surveyed else None)


def _rows(frame: pd.DataFrame, key: str | list[str], columns: list[str]) -> dict:
    """``frame``'s ``columns`` per key, hidden counts as None."""
    rows = frame.astype(object).where(frame.notna(), None).to_dict("records")
    keys = [tuple(row[k] for k in key) if isinstance(key, list) else row[key] for row in rows]
    return {k: [row[c] for c in columns] for k, row in zip(keys, rows, strict=True)}


def test_per_ward_and_street_match_the_hand_counts(campaign):
    engine, users, ids = campaign
    found = progress(engine, users["sgt-district"], ids["Both"], on=ON_DAY, purpose=PURPOSE)
    # Mill Lane: ML01,03,05-12 visited (ML06 in week 3), 8 spoke, 7 registered, 8 surveyed (ML11 in week 2);
    # Church Road: all 9 visited, 8 spoke, 6 registered, 6 surveyed; High Street: HS10's call is after the day
    assert _rows(found.by_ward, "ward_code", MEASURES) == {
        NORTH: [19, 19, 16, 13, 14], SOUTH: [9, 8, 7, 6, 6], "Total": [28, 27, 23, 19, 20]}
    assert _rows(found.by_street, ["lsoa21_code", "street"], ["ward_code", *MEASURES]) == {
        ("E01000002", "Church Road"): [NORTH, 9, 9, 8, 6, 6],
        ("E01000001", "Mill Lane"): [NORTH, 10, 10, 8, 7, 8],
        ("E01000003", "High Street"): [SOUTH, 9, 8, 7, 6, 6],
        (None, None): ["Total", 28, 27, 23, 19, 20],
    }
    assert found.setup.spec.name == "Both" and found.plan.as_of == ON_DAY
    entry = audit_entries(engine, users["admin"], user_id="sgt-district", action="team_progress").iloc[-1]
    assert (entry["outcome"], entry["records"], entry["detail"]) == ("allowed", 29, f"setup {ids['Both']} progress")


def test_per_officer_with_the_cells_that_would_give_a_small_one_away_hidden(campaign):
    engine, users, ids = campaign
    officers = progress(engine, users["sgt-district"], ids["Both"], on=ON_DAY, purpose=PURPOSE).by_officer
    # calls: pc-south 8, pc1 11, pc2 8, pc3 2 (29); spoke: 7, 8, 8, 0; registered 6, 7, 6, 0; surveys 6, 8, 6, 0.
    # pc3's small count is hidden with the smallest other one of its column (pc-south's before pc2's: by ID)
    assert _rows(officers, "officer_id", ["officer_name", "visits", "spoken_to", "registered", "survey_responses"]) == {
        "pc-south": ["Name of pc-south", NA, NA, NA, NA],
        "pc1": ["Name of pc1", 11, 8, 7, 8],
        "pc2": ["Name of pc2", 8, 8, 6, 6],
        "pc3": ["Name of pc3", NA, NA, NA, NA],
        "Total": [NA, 29, 23, 19, 20],
    }


def test_by_group_shows_whom_the_setup_reaches(campaign):
    engine, users, ids = campaign
    groups = progress(engine, users["sgt-district"], ids["Both"], on=ON_DAY, purpose=PURPOSE).by_group
    # registered: Asian 9 (3 + 3 + 3), White 7, Black 2, HS06 gave none; surveys: Asian 8, White 6, Black 2,
    # not known 1, not registered 3 (HS08, CR03, ML11); by age: 25-34 7 and 7, 35-44 8 and 7, the rest small
    shown = _rows(groups, ["dimension", "category"], ["registered", "survey_responses"])
    assert shown == {
        ("ethnic_group", "Asian"): [9, 8], ("ethnic_group", "Black"): [NA, NA], ("ethnic_group", "Mixed"): [NA, NA],
        ("ethnic_group", "White"): [7, 6], ("ethnic_group", "Other"): [NA, NA],
        ("ethnic_group", NOT_KNOWN): [NA, NA], ("ethnic_group", NOT_REGISTERED): [0, NA],
        ("ethnic_group", "Total"): [19, 20],
        **{("age_band", band): [NA, NA] for band in ("18-24", "45-54", "55-64", "65-74", "75+", NOT_KNOWN)},
        ("age_band", "25-34"): [7, 7], ("age_band", "35-44"): [8, 7], ("age_band", NOT_REGISTERED): [0, NA],
        ("age_band", "Total"): [19, 20],
    }
    assert list(groups["category"][:7]) == ["Asian", "Black", "Mixed", "White", "Other", NOT_KNOWN, NOT_REGISTERED]


def test_weeks_against_the_plan(campaign):
    engine, users, ids = campaign
    found = progress(engine, users["sgt-district"], ids["Both"], on=ON_DAY, purpose=PURPOSE)
    # running totals: visited 19, 26, 27; spoke 14, 23, 23; registered 13, 19, 19; surveys 13, 20, 20: week 2
    # is hidden as it is fewer than 5 below the total (week 3 would give its small step away); the plan is
    # 28 households over 28 days: 7, 14 and 17 by the 8th, 15th and 18th
    weeks = found.over_time
    assert list(weeks["week_starting"]) == [date(2025, 6, 2), date(2025, 6, 9), date(2025, 6, 16)]
    assert list(weeks["up_to"]) == [date(2025, 6, 8), date(2025, 6, 15), ON_DAY]
    assert _rows(weeks, "week_starting", ["visited", "spoken_to", "registered", "survey_responses", "planned",
                                          "planned_pct"]) == {
        date(2025, 6, 2): [19, 14, 13, 13, 7, 25.0],
        date(2025, 6, 9): [NA, NA, NA, NA, 14, 50.0],
        date(2025, 6, 16): [27, 23, 19, 20, 17, 60.7],
    }
    plan = found.plan
    assert (plan.status, plan.targeted, plan.visited, plan.planned, plan.difference, plan.visited_pct,
            plan.planned_pct) == ("ahead", 28, 27, 17, 10, 96.4, 60.7)
    assert plan.sentence == ("Ahead of plan by 10: 27 of 28 households visited by 2025-06-18 (96.4%), "
                             "17 planned (60.7% of the days gone).")
    a_week_in = progress(engine, users["sgt-district"], ids["Both"], on=datetime(2025, 6, 4, 23, 30, tzinfo=UTC),
                         purpose=PURPOSE)  # 00:30 on the 5th in London
    assert a_week_in.plan.as_of == date(2025, 6, 5) and a_week_in.plan.planned == 4  # 28 x 4/28
    assert a_week_in.plan.status == "ahead" and a_week_in.plan.visited == 19  # Mill 9, High 8, pc3's 2
    early = progress(engine, users["sgt-district"], ids["Both"], on=date(2025, 6, 1), purpose=PURPOSE)
    assert early.over_time.empty and early.plan.status == "not started"
    assert early.plan.sentence == "Not started: it starts on 2025-06-02."
    with pytest.raises(LPTError, match="time zone"):
        progress(engine, users["sgt-district"], ids["Both"], on=datetime(2025, 6, 18, 12), purpose=PURPOSE)


def test_an_archived_setup_counts_to_its_archive_day_and_has_no_plan_without_an_end(campaign):
    engine, users, ids = campaign
    later = progress(engine, users["sgt-north"], ids["Mill revisit"], on=date(2025, 7, 30), purpose=PURPOSE)
    assert later.setup.status == "archived" and later.plan.as_of == date(2025, 6, 20)
    # revisits: every North household targeted; 6 doors called at, 2 spoke (hidden), no registrations
    assert _rows(later.by_ward, "ward_code", MEASURES) == {NORTH: [21, 6, NA, NA, NA], "Total": [21, 6, NA, NA, NA]}
    assert _rows(later.by_street, "street", MEASURES)["Church Road"] == [9, NA, NA, NA, NA]  # 0 visited: hidden
    assert list(later.over_time["up_to"]) == [date(2025, 6, 8), date(2025, 6, 15), date(2025, 6, 20)]
    assert _rows(later.over_time, "week_starting", ["visited"]) == {  # all 6 in week 1: no week 5 below the total
        date(2025, 6, 2): [NA], date(2025, 6, 9): [NA], date(2025, 6, 16): [6]}
    assert later.over_time["planned"].isna().all() and later.plan.status == "no end date"
    assert later.plan.sentence == "No plan (the setup has no end date): 6 households visited by 2025-06-20."


def test_team_progress_lists_the_teams_setups_and_its_officers_across_them(campaign):
    engine, users, ids = campaign
    team = team_progress(engine, users["sgt-north"], on=ON_DAY, purpose=PURPOSE)  # North only: sgt-north's wards
    assert team.team_id == "north-team"
    columns = ["name", "status", *MEASURES, "planned", "plan_status"]
    assert _rows(team.setups, "setup_id", columns) == {
        ids["Mill revisit"]: ["Mill revisit", "archived", 21, 6, NA, NA, NA, NA, "no end date"],
        ids["Both"]: ["Both", "active", 19, 19, 16, 13, 14, 12, "ahead"],  # 19 x 17/28 = 11.5: 12 planned
    }
    assert list(team.setups["setup_id"]) == [ids["Mill revisit"], ids["Both"]]  # newest first
    # Both in North: calls pc1 11, pc2 8 (hidden with pc3's 2); Mill revisit: pc1's 6 calls. The team's
    # members who called for none of them made no calls (0); a sum with a hidden part is hidden
    assert _rows(team.by_officer, "officer_id", ["setups", "visits", "spoken_to", "registered", "survey_responses"]) == {
        "pc1": [2, 17, NA, NA, NA],
        "pc2": [1, NA, 8, NA, NA],
        "pc3": [1, NA, NA, NA, NA],
        "pc4": [0, 0, 0, 0, 0],
        "sgt-north": [0, 0, 0, 0, 0],
        "Total": [2, 27, NA, NA, NA],
    }
    entry = audit_entries(engine, users["admin"], user_id="sgt-north", action="team_progress").iloc[-1]
    assert (entry["detail"], entry["records"]) == ("team north-team progress", 21 + 6)


def test_team_progress_of_another_team_is_for_force_wide_readers(campaign):
    engine, users, _ = campaign
    with pytest.raises(PermissionDenied, match="another team"):
        team_progress(engine, users["sgt-north"], "south-team", purpose=PURPOSE)
    assert audit_entries(engine, users["admin"], user_id="sgt-north", outcome="refused")["detail"].str.contains(
        "team south-team").any()
    with pytest.raises(LPTError, match="in no team"):
        team_progress(engine, users["sgt-district"], purpose=PURPOSE)
    with pytest.raises(LPTError, match="no team 'east-team'"):
        team_progress(engine, users["an1"], "east-team", purpose=PURPOSE)
    analyst = team_progress(engine, users["an1"], "north-team", on=ON_DAY, purpose=PURPOSE)  # both wards of Both
    assert analyst.setups.set_index("name").loc["Both", "targeted"] == 28
    assert team_progress(engine, users["an1"], "south-team", purpose=PURPOSE).setups.empty
    with pytest.raises(PermissionDenied):
        team_progress(engine, users["admin"], "north-team", purpose=PURPOSE)  # admins see no counts


def test_ward_setups_give_the_wards_row_of_each_setup_and_its_plan(campaign):
    engine, users, ids = campaign
    north = ward_setups(engine, users["an1"], NORTH, on=ON_DAY, purpose=PURPOSE)
    assert _rows(north, "name", ["status", *MEASURES, "planned", "plan_status"]) == {
        "Mill revisit": ["archived", 21, 6, NA, NA, NA, NA, "no end date"],
        "Both": ["active", 19, 19, 16, 13, 14, 12, "ahead"],
    }
    south = ward_setups(engine, users["an1"], SOUTH, on=ON_DAY, purpose=PURPOSE)  # 9 x 17/28 = 5.5: 5 planned
    assert _rows(south, "name", [*MEASURES, "planned", "plan"]) == {"Both": [9, 8, 7, 6, 6, 5, (
        "Ahead of plan by 3: 8 of 9 households visited by 2025-06-18 (88.9%), 5 planned (60.7% of the days gone).")]}
    with pytest.raises(PermissionDenied):
        ward_setups(engine, users["pc1"], SOUTH, purpose=PURPOSE)


def test_the_ward_reports_door_knocking_table(campaign):
    engine, users, ids = campaign
    table = content.setup_progress_table(engine, users["an1"], NORTH)  # today: both are over
    assert list(table["name"]) == ["Mill revisit", "Both"]
    assert list(table["days"]) == ["from 2025-06-02, no end date", "2025-06-02 to 2025-06-29"]
    assert list(table["planned"]) == ["no end date", 19] and list(table["spoken_to"]) == [content.HIDDEN, 16]
    assert table["plan"].iloc[1] == "On plan: 19 of 19 households visited by 2025-06-29 (100%), 19 planned (100% of the days gone)."
    public = content.setup_progress_table(engine, users["an1"], NORTH, Audience.PUBLIC)
    assert public.empty and content.setup_progress_note(Audience.PUBLIC).startswith("Door-knocking figures are for police use")


def test_the_setup_reports_tables_and_figure(campaign):
    engine, users, ids = campaign
    found = progress(engine, users["an1"], ids["Both"], on=ON_DAY, purpose=PURPOSE)
    totals = content.setup_totals_table(found)["value"]
    assert totals.to_dict() == {"Households targeted": 28, "Households visited": 27, "Households spoken to": 23,
                                "Residents registered on the doorstep": 19, "Doorstep survey responses": 20,
                                "Households planned by 2025-06-18": 17}
    assert "**Both** (setup 1, targeted): wards E05000001, E05000002. 2025-06-02 to 2025-06-29; active." in (
        content.setup_heading(found))
    assert list(content.setup_street_table(found, top=2)["street"]) == ["Mill Lane", "Church Road"]  # 10, 9 targeted
    assert list(content.setup_officer_table(found)["officer"]) == [f"Name of {o}" for o in ("pc-south", "pc1", "pc2", "pc3")] + ["Total"]
    figure = content.setup_progress_figure(found)
    lines = {line.get_label(): line for line in figure.axes[0].get_lines()}
    assert list(lines["households visited"].get_ydata()) == [19, 27]  # the hidden week left out
    assert list(lines["plan: targeted households visited"].get_ydata()) == [0, 28]
    assert list(lines["plan: targeted households visited"].get_xdata()) == [date(2025, 6, 1), date(2025, 6, 29)]
    open_ended = content.setup_progress_figure(progress(engine, users["an1"], ids["Mill revisit"], purpose=PURPOSE))
    assert "plan: targeted households visited" not in {line.get_label() for line in open_ended.axes[0].get_lines()}


# --- small campaigns: what disclosure control hides ----------------------------------------------------


def _north(engine, users, **changes) -> int:
    spec = SetupSpec("North", SetupArea(wards=(NORTH,)), STARTS, ENDS, **changes)
    return create_setup(engine, users["sgt-district"], spec, purpose=PURPOSE)


def _small_campaign(engine, users, setup_id: int) -> None:
    """pc1 speaks to 5 residents (surveyed); pc2 finds 5 doors empty and ML01 too; pc3 registers 5
    (surveyed, no group given); pc4 has 2 refusals."""
    calls = [("pc1", d, SNR) for d in ("ML01", "ML03", "ML05", "ML07", "ML08")]
    calls += [("pc2", d, "not_in") for d in ("CR01", "CR02", "CR03", "CR04", "CR05", "ML01")]
    calls += [("pc3", d, SR) for d in ("CR06", "CR07", "CR08", "ML09", "ML10")]
    calls += [("pc4", d, "declined") for d in ("ML11", "ML12")]
    for i, (officer, door, outcome) in enumerate(calls):
        record_visit(engine, users[officer], setup_id, door, outcome, at=ON + timedelta(minutes=i),
                     survey={"confidence": 3} if outcome.startswith("spoke") else None,
                     consent={"first_name": "Dee", "last_name": "Doorstep", "email": f"p{i}@example.com"}
                     if outcome == SR else None, purpose=PURPOSE)


def test_a_total_another_table_would_give_away_is_hidden_in_every_table(doorstep):
    engine, users = doorstep
    setup_id = _north(engine, users)
    _small_campaign(engine, users, setup_id)
    found = progress(engine, users["sgt-north"], setup_id, purpose=PURPOSE)
    # North: 21 doors, 2 registered before the start; ML01 called at twice. The 5 registrations are all
    # pc3's and all "not known": shown as a total, they would tell that the other officers and groups
    # registered none, so they are hidden in every table (and the surveys, 5 + 5, the same way). Calls
    # 5, 6, 5, 2: pc4's hidden with pc1's; calls where a resident spoke 5, 0, 5, 0: the two 5s would give
    # the zeros away with the total, so all are hidden
    hand = [19, 17, 10, NA, NA]
    assert _rows(found.by_ward, "ward_code", MEASURES) == {NORTH: hand, "Total": hand}
    assert _rows(found.by_officer, "officer_id", ["visits", "spoken_to", "registered", "survey_responses"]) == {
        "pc1": [NA, NA, NA, NA], "pc2": [6, NA, NA, NA], "pc3": [5, NA, NA, NA], "pc4": [NA, NA, NA, NA],
        "Total": [18, NA, NA, NA]}
    groups = _rows(found.by_group, ["dimension", "category"], ["registered", "survey_responses"])
    assert [groups["ethnic_group", c] for c in ("White", NOT_KNOWN, NOT_REGISTERED, "Total")] == [
        [NA, NA], [5, 5], [0, 5], [NA, NA]]  # the total hidden, so the groups' zeros cannot be worked out
    assert found.over_time[["registered", "survey_responses"]].isna().all().all()
    assert (found.plan.as_of, found.plan.planned, found.plan.status) == (ENDS, 19, "behind")  # over: to its last day


def test_progress_is_for_supervisors_and_counts_only_their_wards(doorstep):
    engine, users = doorstep
    setup_id = create_setup(engine, users["sgt-district"], SetupSpec("Both", SetupArea(wards=(NORTH, SOUTH)), STARTS, ENDS),
                            purpose=PURPOSE)
    _small_campaign(engine, users, setup_id)
    assert list(progress(engine, users["sgt-north"], setup_id, purpose=PURPOSE).by_ward["ward_code"]) == [NORTH, "Total"]
    both = progress(engine, users["sgt-district"], setup_id, purpose=PURPOSE)
    # South's 0 visited is hidden, and with it North (17 = the total) and Church Road (8 = North - Mill Lane's 9)
    assert _rows(both.by_ward, "ward_code", ["targeted", "visited"]) == {NORTH: [19, NA], SOUTH: [9, NA], "Total": [28, 17]}
    assert _rows(both.by_street, "street", ["targeted", "visited"]) == {
        "Church Road": [9, NA], "Mill Lane": [10, 9], "High Street": [9, NA], None: [28, 17]}
    officer = progress(engine, users["pc1"], setup_id, purpose=PURPOSE)  # officers: area counts of their own wards
    assert list(officer.by_ward["ward_code"]) == [NORTH, "Total"]
    entries = audit_entries(engine, users["admin"], user_id="sgt-north", action="team_progress")
    assert (entries["outcome"] == "allowed").sum() == 1
    with pytest.raises(PermissionDenied):
        progress(engine, users["admin"], setup_id, purpose=PURPOSE)


def test_every_door_share_of_households_visited_per_ward(doorstep):
    engine, users = doorstep
    with pytest.raises(LPTError, match="no every-door setup"):
        visited_share_by_ward(engine, users["sgt-district"], purpose=PURPOSE)
    door = every_door_setup(engine, users["admin"], purpose=PURPOSE, starts_on=STARTS)
    early = create_setup(engine, users["sgt-district"], SetupSpec("May", SetupArea(wards=(NORTH,)), date(2025, 5, 1), ENDS),
                         purpose=PURPOSE)
    record_visit(engine, users["pc1"], early, "CR08", "not_in", at=ON - timedelta(days=5), purpose=PURPOSE)  # before the campaign
    for i, address in enumerate(MILL[:5] + ["ML01"]):  # ML01 twice: one household
        record_visit(engine, users["pc1"], door, address, "not_in", at=ON + timedelta(minutes=i), purpose=PURPOSE)
    record_visit(engine, users["pc2"], early, "CR01", "declined", at=ON, purpose=PURPOSE)  # a knock in another setup counts
    for i, address in enumerate(HIGH[:5]):
        record_visit(engine, users["pc-south"], door, address, SNR, at=ON + timedelta(minutes=i), purpose=PURPOSE)
    share = visited_share_by_ward(engine, users["sgt-district"], purpose=PURPOSE).set_index("ward_code")
    assert share.loc[NORTH].to_dict() == {"households": 21, "visited": 6, "share_pct": 28.6}
    assert share.loc[SOUTH].to_dict() == {"households": 10, "visited": 5, "share_pct": 50.0}
    assert share.loc["Total"].to_dict() == {"households": 31, "visited": 11, "share_pct": 35.5}
    assert list(visited_share_by_ward(engine, users["pc1"], purpose=PURPOSE)["ward_code"]) == [NORTH, "Total"]
    assert len(CHURCH) + len(MILL) == 21


@pytest.fixture
def doorstep(store, tmp_path):
    return store, populate(store, tmp_path)
