"""Doorstep visits: recording (with and without consent), the checks, concurrent officers and colleagues'
recent calls, on SQLite and PostgreSQL (tests/setups_files.py's store; clock fixed in June 2025). Progress:
tests/test_setups_progress.py.
"""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor
from datetime import date, datetime, timedelta
from multiprocessing import get_context

import pandas as pd
import pytest
from sqlalchemy import func, select

from lpt.access.audit import audit_entries
from lpt.access.guard import PermissionDenied
from lpt.errors import LPTError
from lpt.setups.model import LONDON, SetupArea, SetupSpec, archive_setup, create_setup
from lpt.setups.selection import REGISTERED, priority_addresses
from lpt.setups.visits import recent_visits, record_visit
from lpt.store.frames import read_query
from lpt.store.schema import community_batches, members, setup_visits
from tests.setups_files import CHURCH, ENDS, MILL, NORTH, ON, PURPOSE, SOUTH, STARTS, record_jobs

CONSENT = {"first_name": "Dee", "last_name": "Doorstep", "email": "dee@example.com", "groups": ["neighbourhood_watch"]}
OFFICERS = ["pc1", "pc2", "pc3", "pc4"]


def _north(engine, users, **changes) -> int:
    spec = SetupSpec("North", SetupArea(wards=(NORTH,)), STARTS, ENDS, **changes)
    return create_setup(engine, users["sgt-district"], spec, purpose=PURPOSE)


def _visits(engine) -> pd.DataFrame:
    return read_query(engine, select(setup_visits).order_by(setup_visits.c.id))


def test_a_visit_is_recorded_in_utc_with_the_officer(doorstep):
    engine, users = doorstep
    setup_id = _north(engine, users)
    at = datetime(2025, 6, 2, 11, 15, tzinfo=LONDON)
    visit_id = record_visit(engine, users["pc1"], setup_id, "ML01", "spoke_not_registered", at=at, note=" nice chat ",
                            survey={"confidence": 2, "priorities": ["drugs", "asb"], "concern": "parking"}, purpose=PURPOSE)
    stored = _visits(engine).iloc[0]
    assert (stored["id"], stored["setup_id"], stored["address_id"], stored["officer_id"], stored["outcome"]) == (
        visit_id, setup_id, "ML01", "pc1", "spoke_not_registered")
    assert pd.Timestamp(stored["visited_at"]).tz_localize(None) == pd.Timestamp("2025-06-02 10:15")  # UTC
    assert stored["note"] == "nice chat" and stored["member_id"] is None
    assert stored["survey"] == '{"concern": "parking", "confidence": 2, "priorities": ["drugs", "asb"]}'
    last = audit_entries(engine, users["admin"], user_id="pc1", action="address_status").iloc[-1]
    assert last["outcome"] == "allowed" and f"visit {visit_id}" in last["detail"]


def test_consent_registers_the_resident_on_the_visits_local_day(doorstep):
    engine, users = doorstep
    setup_id = _north(engine, users)
    late = datetime(2025, 6, 2, 23, 30, tzinfo=LONDON).astimezone(LONDON)  # 23:30 BST on 2 June
    after_midnight = late + timedelta(hours=1)  # 00:30 BST on 3 June, 23:30 UTC on 2 June
    visit_id = record_visit(engine, users["pc1"], setup_id, "ML05", "spoke_registered", at=after_midnight,
                            consent=CONSENT, survey={"trust": 4}, purpose=PURPOSE)
    visit = _visits(engine).set_index("id").loc[visit_id]
    member = read_query(engine, select(members).where(members.c.member_id == visit["member_id"])).iloc[0]
    assert (member["first_name"], member["last_name"], member["email"], member["address_id"], member["postcode"]) == (
        "Dee", "Doorstep", "dee@example.com", "ML05", "TE1 1AA")
    assert member["opted_in"] == date(2025, 6, 3) and member["opted_out"] is None
    assert member["groups"] == "neighbourhood_watch"
    batch = read_query(engine, select(community_batches).where(community_batches.c.id == int(member["batch_id"]))).iloc[0]
    assert (batch["kind"], batch["source_path"], batch["rows_stored"]) == ("members", "doorstep", 1)
    # registered now: off the list of a setup that does not revisit
    frame = priority_addresses(engine, users["pc2"], setup_id, on=after_midnight + timedelta(hours=9), show_hidden=True,
                               purpose=PURPOSE).set_index("address_id")
    assert frame.loc["ML05", "hidden_reason"] == REGISTERED


@pytest.mark.parametrize(("outcome", "survey", "consent", "message"), [
    ("spoke_registered", None, None, "needs the resident's consent"),
    ("not_in", None, CONSENT, "goes with the outcome spoke_registered"),
    ("spoke_registered", None, {"first_name": "A", "last_name": "B"}, "e-mail address or a phone number"),
    ("spoke_registered", None, {**CONSENT, "email": "not-an-address"}, "email cannot be stored: not an e-mail address"),
    ("spoke_registered", None, {**CONSENT, "first_name": ""}, "first name cannot be stored"),
    ("spoke_registered", None, {**CONSENT, "sex": "Other"}, "sex cannot be stored"),
    ("spoke_registered", None, {**CONSENT, "shoe_size": "9"}, "consent to register is a dict"),
    ("not_in", {"confidence": 3}, None, "needs a resident spoken to"),
    ("spoke_not_registered", {"confidence": 6}, None, "1 to 5"),
    ("spoke_not_registered", {"mood": 3}, None, "dict of answers"),
    ("spoke_not_registered", {"priorities": ["drugs", "drugs"]}, None, "three different topics"),
    ("visited", None, None, "unknown outcome"),
])
def test_bad_visits_say_what_is_wrong_and_store_nothing(doorstep, outcome, survey, consent, message):
    engine, users = doorstep
    setup_id = _north(engine, users)
    with pytest.raises(LPTError, match=message):
        record_visit(engine, users["pc1"], setup_id, "ML01", outcome, at=ON, survey=survey, consent=consent, purpose=PURPOSE)
    assert _visits(engine).empty
    assert read_query(engine, select(func.count()).select_from(members)).iloc[0, 0] == 5


def test_an_archived_setup_takes_no_visits(doorstep):
    engine, users = doorstep
    setup_id = _north(engine, users)
    archive_setup(engine, users["sgt-north"], setup_id, purpose=PURPOSE)
    with pytest.raises(LPTError, match="archived"):
        record_visit(engine, users["pc1"], setup_id, "ML01", "not_in", at=ON, purpose=PURPOSE)
    assert _visits(engine).empty


def test_visits_only_on_the_setups_days_in_london(doorstep):
    engine, users = doorstep
    setup_id = _north(engine, users)
    for at in (datetime(2025, 5, 31, 23, 30, tzinfo=LONDON), datetime(2025, 7, 1, 0, 30, tzinfo=LONDON)):
        with pytest.raises(LPTError, match="runs from 2025-06-01 to 2025-06-30"):
            record_visit(engine, users["pc1"], setup_id, "ML01", "not_in", at=at, purpose=PURPOSE)
    # 23:30 UTC on 31 May is 00:30 BST on 1 June: the first day
    record_visit(engine, users["pc1"], setup_id, "ML01", "not_in", at=datetime(2025, 6, 1, 0, 30, tzinfo=LONDON),
                 purpose=PURPOSE)
    with pytest.raises(LPTError, match="time zone"):
        record_visit(engine, users["pc1"], setup_id, "ML01", "not_in", at=datetime(2025, 6, 2, 10), purpose=PURPOSE)
    assert len(_visits(engine)) == 1


def test_the_door_must_be_in_the_setup_and_the_officers_wards(doorstep):
    engine, users = doorstep
    streets = create_setup(engine, users["sgt-district"], SetupSpec(
        "Church Road", SetupArea(streets=[("E01000002", "Church Road")]), STARTS, ENDS), purpose=PURPOSE)
    for elsewhere in ("ML01", "XX99"):  # a household outside the setup and no household: the same answer
        with pytest.raises(LPTError, match=f"address '{elsewhere}' is not a household of setup {streets}'s area"):
            record_visit(engine, users["pc1"], streets, elsewhere, "not_in", at=ON, purpose=PURPOSE)
    both = create_setup(engine, users["sgt-district"], SetupSpec(
        "Both", SetupArea(wards=(NORTH, SOUTH)), STARTS, ENDS), purpose=PURPOSE)
    with pytest.raises(PermissionDenied, match="outside the wards"):
        record_visit(engine, users["pc1"], both, "HS02", "not_in", at=ON, purpose=PURPOSE)
    refused = audit_entries(engine, users["admin"], user_id="pc1", outcome="refused")
    assert refused["detail"].str.contains("HS02").any()
    assert record_visit(engine, users["pc-south"], both, "HS02", "not_in", at=ON, purpose=PURPOSE)
    assert list(_visits(engine)["address_id"]) == ["HS02"]


# --- several officers at once -------------------------------------------------------------------


def _jobs(setup_id: int, count: int = 200) -> list[tuple]:
    """``count`` visits by 4 officers to the North doors (several calls per door), every 10th registering."""
    doors = [d for d in MILL + CHURCH if d not in ("ML02", "ML04")]
    jobs = []
    for i in range(count):
        outcome = "spoke_registered" if i % 10 == 0 else ("not_in", "spoke_not_registered", "declined", "no_access")[i % 4]
        consent = {**CONSENT, "email": f"r{i}@example.com"} if outcome == "spoke_registered" else None
        at = (ON + timedelta(seconds=i)).isoformat()
        jobs.append((OFFICERS[i % 4], setup_id, doors[i % len(doors)], outcome, at, consent))
    return jobs


def _check_all_stored(engine, jobs: list[tuple], done: list[tuple[int, float, float]]) -> int:
    """Every job is stored once with its officer; returns the most visits in flight at one moment."""
    stored = _visits(engine)
    assert len(stored) == len(jobs) == len(done) == 200
    assert sorted(stored["id"]) == sorted(visit_id for visit_id, _, _ in done)
    expected = pd.Series([job[0] for job in jobs]).value_counts().sort_index()
    assert stored["officer_id"].value_counts().sort_index().to_dict() == expected.to_dict() == {o: 50 for o in OFFICERS}
    assert sorted(zip(stored["officer_id"], stored["address_id"], stored["outcome"], strict=True)) == sorted(
        (job[0], job[2], job[3]) for job in jobs)
    registered = stored["member_id"].dropna()
    assert len(registered) == registered.nunique() == 20
    assert read_query(engine, select(func.count()).select_from(members)).iloc[0, 0] == 5 + 20
    events = sorted([(start, 1) for _, start, _ in done] + [(end, -1) for _, _, end in done], key=lambda e: (e[0], e[1]))
    running = peak = 0
    for _, step in events:
        running += step
        peak = max(peak, running)
    return peak


def test_officers_recording_at_once_in_threads_lose_nothing(doorstep):
    engine, users = doorstep
    setup_id = _north(engine, users)
    jobs = _jobs(setup_id)
    done = record_jobs(engine.url.render_as_string(hide_password=False), jobs, threads=6)
    assert _check_all_stored(engine, jobs, done) > 1


def test_officers_recording_at_once_in_processes_lose_nothing(doorstep):
    engine, users = doorstep
    setup_id = _north(engine, users)
    jobs = _jobs(setup_id)
    url = engine.url.render_as_string(hide_password=False)
    with ProcessPoolExecutor(3, mp_context=get_context("spawn")) as pool:
        shares = list(pool.map(record_jobs, [url] * 3, [jobs[i::3] for i in range(3)], [2] * 3))
    assert _check_all_stored(engine, jobs, [d for share in shares for d in share]) > 1


# --- colleagues' recent calls ----------------------------------------------------------------------


def test_recent_visits_show_colleagues_calls_of_the_last_half_hour(doorstep):
    engine, users = doorstep
    setup_id = _north(engine, users)
    for minutes, officer, door in ((45, "pc2", "ML01"), (29, "pc2", "ML03"), (10, "pc3", "CR01"), (5, "pc1", "CR02")):
        record_visit(engine, users[officer], setup_id, door, "not_in", at=ON - timedelta(minutes=minutes), purpose=PURPOSE)
    record_visit(engine, users["pc2"], setup_id, "CR05", "not_in", at=ON + timedelta(minutes=1), purpose=PURPOSE)  # later
    recent = recent_visits(engine, users["pc1"], setup_id, on=ON, purpose=PURPOSE)
    assert list(recent["address_id"]) == ["CR01", "ML03"]  # newest first; pc1's own left out
    assert list(recent["minutes_ago"]) == [10, 29] and list(recent["officer_name"]) == ["Name of pc3", "Name of pc2"]
    assert recent[["longitude", "latitude"]].notna().all().all()
    assert list(recent_visits(engine, users["pc1"], setup_id, on=ON, minutes=60, purpose=PURPOSE)["address_id"]) == [
        "CR01", "ML03", "ML01"]
    with pytest.raises(PermissionDenied):
        recent_visits(engine, users["pc-south"], setup_id, on=ON, purpose=PURPOSE)
