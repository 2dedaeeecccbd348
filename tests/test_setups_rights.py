"""Data subjects' rights over doorstep calls (``setup_visits``): erasure keeps a doorstep registration
counted without the person, subject access lists the calls at the member's address, and the retention
purge deletes old calls; on SQLite and PostgreSQL (tests/setups_files.py's store, clock fixed in June 2025).
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pandas as pd
from sqlalchemy import select

from lpt.access import rights
from lpt.setups.model import SetupArea, SetupSpec, create_setup
from lpt.setups.progress import progress
from lpt.setups.visits import record_visit
from lpt.store.frames import read_query
from lpt.store.schema import members, setup_visits
from tests.setups_files import ENDS, NORTH, ON, PURPOSE, STARTS

#: Doors where pc3 registers a resident each (with the ethnic group and age band they give), the first (CR06)
#: being erased.
REGISTERING = ["CR06", "CR07", "CR08", "ML09", "ML10"]
GIVEN = [("White", "25-34"), ("White", "25-34"), ("Asian", "35-44"), ("Asian", "35-44"), ("Black", "45-54")]


def _setup(engine, users, name: str) -> int:
    spec = SetupSpec(name, SetupArea(wards=(NORTH,)), STARTS, ENDS)
    return create_setup(engine, users["sgt-district"], spec, purpose=PURPOSE)


def _register(engine, users, setup_id: int, door: str, at: datetime, **visit) -> str:
    """A resident at ``door`` registers with pc3; returns their new member ID."""
    group, age = GIVEN[REGISTERING.index(door)]
    consent = {"first_name": "Rita", "last_name": door, "email": f"{door.lower()}@example.com", "ethnic_group": group,
               "age_band": age}
    visit_id = record_visit(engine, users["pc3"], setup_id, door, "spoke_registered", at=at, consent=consent,
                            purpose=PURPOSE, **visit)
    return _visits(engine).set_index("id").loc[visit_id, "member_id"]


def _visits(engine) -> pd.DataFrame:
    return read_query(engine, select(setup_visits).order_by(setup_visits.c.id))


def test_erasure_keeps_the_doorstep_registration_counted_without_the_person(doorstep):
    engine, users = doorstep
    setup_id = _setup(engine, users, "North")
    said = {"confidence": 3, "concern": "Rita says the lads at number 4 deal drugs"}
    registered = [_register(engine, users, setup_id, door, ON + timedelta(minutes=i), survey=said,
                            note=f"Rita of {door}, lives with her son") for i, door in enumerate(REGISTERING)]
    # pc3's too: with a colleague's 0 beside pc3's 5, the total would give the 0 away (lpt.setups.progress)
    record_visit(engine, users["pc3"], setup_id, "ML01", "declined", at=ON, note="dog in the garden", purpose=PURPOSE)
    before = _visits(engine)

    assert rights.erase_member(engine, users["admin"], registered[0], purpose="erasure request 9") == 0

    with engine.connect() as connection:
        erased = connection.execute(select(setup_visits).where(setup_visits.c.address_id == "CR06")).one()._asdict()
    assert erased == {**before.set_index("address_id").loc["CR06"].to_dict(), "member_id": rights.ERASED, "note": None,
                      "address_id": "CR06", "survey": erased["survey"]}
    assert (erased["outcome"], erased["officer_id"], json.loads(erased["survey"])) == ("spoke_registered", "pc3",
                                                                                       {"confidence": 3})  # concern gone
    after = _visits(engine).set_index("address_id")
    assert list(after.loc[REGISTERING[1:], "member_id"]) == registered[1:]  # the others untouched
    assert after.loc["ML10", "note"] == "Rita of ML10, lives with her son"
    assert json.loads(after.loc["ML10", "survey"]) == said
    assert after.loc["ML01", "note"] == "dog in the garden"
    assert read_query(engine, select(members.c.member_id).where(members.c.member_id == registered[0])).empty
    ward = progress(engine, users["sgt-north"], setup_id, purpose=PURPOSE).by_ward.set_index("ward_code")
    assert ward.loc[NORTH, "registered"] == 5 and ward.loc[NORTH, "visited"] == 6


def test_subject_access_lists_the_doorstep_calls_at_their_address(doorstep):
    engine, users = doorstep
    north, church = _setup(engine, users, "North"), _setup(engine, users, "Church Road too")
    record_visit(engine, users["pc1"], north, "CR06", "not_in", at=ON - timedelta(hours=1), note="no answer",
                 purpose=PURPOSE)
    member_id = _register(engine, users, north, "CR06", ON, survey={"confidence": 2, "priorities": ["drugs"]},
                          note="Rita, worried about her neighbour")
    record_visit(engine, users["pc2"], north, "CR07", "not_in", at=ON, purpose=PURPOSE)  # another door
    _register(engine, users, church, "CR06", ON + timedelta(days=1), survey={"trust": 4})  # her lodger registers

    export = rights.export_subject(engine, users["admin"], member_id, purpose="subject access request")

    assert export["doorstep_calls"] == [
        {"visited_at": "2025-06-02T09:00:00+00:00", "outcome": "not_in", "officer_id": "pc1", "setup": "North",
         "survey": None, "registered_here": False},
        {"visited_at": "2025-06-02T10:00:00+00:00", "outcome": "spoke_registered", "officer_id": "pc3",
         "setup": "North", "survey": {"confidence": 2, "priorities": ["drugs"]}, "registered_here": True},
        {"visited_at": "2025-06-03T10:00:00+00:00", "outcome": "spoke_registered", "officer_id": "pc3",
         "setup": "Church Road too", "survey": {"trust": 4}, "registered_here": False},
    ]
    assert json.loads(json.dumps(export))["doorstep_calls"] == export["doorstep_calls"]
    assert rights.export_subject(engine, users["admin"], "M1", purpose="subject access request")["doorstep_calls"] == []


def test_purge_deletes_doorstep_calls_made_before_the_cutoff_day_in_utc(doorstep):
    engine, users = doorstep
    setup_id = _setup(engine, users, "North")
    times = [datetime(2025, 6, 1, 9, 0, tzinfo=UTC), datetime(2025, 6, 1, 23, 59, 59, tzinfo=UTC),  # before 2 June
             datetime(2025, 6, 2, 0, 0, tzinfo=UTC), ON]  # on 2 June (UTC) or later
    for i, at in enumerate(times):
        record_visit(engine, users["pc1"], setup_id, f"ML{i + 1:02d}", "not_in", at=at, purpose=PURPOSE)

    counts = rights.purge_expired(engine, users["admin"], purpose="retention", days=1, today=date(2025, 6, 3))

    assert counts == {"members_erased": 1, "visits_deleted": 0, "setup_visits_deleted": 2}  # M3 left in March
    kept = _visits(engine)
    assert list(kept["address_id"]) == ["ML03", "ML04"]
    assert list(pd.to_datetime(kept["visited_at"], utc=True)) == [pd.Timestamp(t) for t in times[2:]]
