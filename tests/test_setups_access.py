"""Access control over the door-knocking setups: every role × a setup in the caller's own ward or in
another ward × every setups read (and recording a visit, a write), on SQLite and PostgreSQL.

tests/setups_files.py's store (wards North and South), built once per database, with one user per role
covering North only (``officer1`` ... ``admin1``), a setup of each ward and one of both, the every-door
setup and colleagues' calls; the cases only add visits and audit entries. The expected outcome comes
from lpt/access/permissions.toml: a read is allowed when the role has its action (the one
lpt.setups.model.action_for picks) over the force, or over its own area and the setup is in its ward;
then it leaves exactly one 'allowed' audit entry and its rows are the setup's ward's. Otherwise it raises
PermissionDenied and leaves exactly one 'refused' entry. Two reads ask about no setup but list what the
caller's areas hold (``setups_of``, the every-door ``visited_share_by_ward``): the setup, or its ward's
row, is listed when the caller may see it and left out, not refused, when not. The setup of both wards
checks that every read of one setup gives each caller the rows of their wards only.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import pandas as pd
import pytest
from sqlalchemy import Engine, select

from lpt.access.audit import audit_entries
from lpt.access.guard import PermissionDenied, User
from lpt.access.permissions import ROLES, grant
from lpt.access.users import add_user, get_user
from lpt.setups.model import SetupArea, SetupSpec, action_for, create_setup, every_door_setup, setups_of
from lpt.setups.preview import preview_setup
from lpt.setups.progress import progress, visited_share_by_ward
from lpt.setups.selection import priority_addresses
from lpt.setups.visits import recent_visits, record_visit
from lpt.store import open_store
from lpt.store.frames import read_query
from lpt.store.schema import households, postcode_links, setup_visits
from tests.conftest import database_url
from tests.setups_files import ENDS, NORTH, ON, PURPOSE, SOUTH, STARTS, populate


@dataclass(frozen=True)
class Place:
    """A stored setup (``spec`` as created, for the preview), its wards and a door of it."""

    wards: frozenset[str]
    setup_id: int
    spec: SetupSpec
    door: str


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def setups_store(request, tmp_path_factory):
    """The store per database kind and its places ("own": North, "other": South, "both"), shared by the cases."""
    folder = tmp_path_factory.mktemp("setups_access")
    engine = open_store(database_url(request, folder))
    users = populate(engine, folder)
    for role in ROLES:
        add_user(engine, users["admin"], f"{role}1", name=f"{role} one", role=role, areas=[("ward", NORTH)],
                 team_id="north-team" if role == "supervisor" else None)
    every_door = every_door_setup(engine, users["admin"], purpose=PURPOSE, starts_on=STARTS)
    calls = {"own": {"ML01": "pc1"}, "other": {"HS01": "pc-south"}, "both": {"ML02": "pc1", "HS02": "pc-south"}}
    places = {where: _place(engine, users, every_door, doors) for where, doors in calls.items()}
    yield engine, places
    engine.dispose()


def _place(engine, users: dict[str, User], every_door: int, calls: dict[str, str]) -> Place:
    """A setup of the wards of the doors ``calls`` names (door -> the colleague who called there a few
    minutes ago, in it and in the every-door setup); the first door is the one the cases call at."""
    wards = tuple(NORTH if door.startswith("ML") else SOUTH for door in calls)
    spec = SetupSpec(f"Setup of {', '.join(wards)}", SetupArea(wards=wards), STARTS, ENDS)
    setup_id = create_setup(engine, users["admin"], spec, purpose=PURPOSE)
    for door, colleague in calls.items():
        for visited in (setup_id, every_door):
            record_visit(engine, users[colleague], visited, door, "not_in", at=ON - timedelta(minutes=10), purpose=PURPOSE)
    return Place(frozenset(wards), setup_id, spec, next(iter(calls)))


def _recorded(engine: Engine, visit_id: int) -> pd.DataFrame:
    """The stored visit with its door's ward."""
    return read_query(engine, select(postcode_links.c.ward_code)
                      .join(households, households.c.address_id == setup_visits.c.address_id)
                      .join(postcode_links, postcode_links.c.postcode == households.c.postcode)
                      .where(setup_visits.c.id == visit_id))


Read = Callable[[Engine, User, Place], pd.DataFrame]
_COUNTS = ("team_progress", "area_counts")
#: Each read: the actions it may go by (the first the role is granted, lpt.setups.model.action_for) and
#: how it is called for a place (as a frame with ``ward_code`` or, for setups, their ``wards``).
READS: dict[str, tuple[tuple[str, ...], Read]] = {
    "priority_addresses": (("address_status",), lambda e, u, p: priority_addresses(
        e, u, p.setup_id, on=ON, show_hidden=True, purpose=PURPOSE)),
    "recent_visits": (("address_status",), lambda e, u, p: recent_visits(e, u, p.setup_id, on=ON, purpose=PURPOSE)),
    "progress": (_COUNTS, lambda e, u, p: progress(e, u, p.setup_id, purpose=PURPOSE).by_ward),
    "setups_of": (("manage_setups", "address_status", "area_counts"), lambda e, u, p: _about(
        setups_of(e, u, purpose=PURPOSE), "setup_id", {p.setup_id})),
    "visited_share_by_ward": (_COUNTS, lambda e, u, p: _about(
        visited_share_by_ward(e, u, purpose=PURPOSE), "ward_code", p.wards)),
    "preview_setup": (("manage_setups",), lambda e, u, p: preview_setup(e, u, p.spec, on=ON, purpose=PURPOSE).by_ward),
    "record_visit": (("address_status",), lambda e, u, p: _recorded(
        e, record_visit(e, u, p.setup_id, p.door, "not_in", at=ON, purpose=PURPOSE))),
}
#: Reads of no setup in particular (the rows about the place kept): what lies outside the caller's areas
#: is left out, not refused.
LISTINGS = {"setups_of", "visited_share_by_ward"}
MATRIX = [(role, where, read) for role in ROLES for where in ("own", "other") for read in READS]
#: The reads of one stored setup, and the roles granted one of their actions.
WIDER = [(role, read) for role in ROLES for read in READS
         if read not in LISTINGS | {"preview_setup", "record_visit"} and any(grant(role, a) for a in READS[read][0])]


def _about(listed: pd.DataFrame, column: str, values) -> pd.DataFrame:
    """The rows of a listing about one place: its setup, or its wards."""
    return listed[listed[column].isin(values)]


def _wards(result: pd.DataFrame) -> set[str]:
    """The wards a read's rows are about (a force-wide setup's, None, adds none)."""
    if "wards" in result.columns:
        return set().union(*(wards for wards in result["wards"] if wards is not None))
    return set(result["ward_code"]) - {"Total"}


def _covered(scope: str) -> set[str]:
    """The wards a caller of the matrix covers with a grant of ``scope``."""
    return {NORTH, SOUTH} if scope == "force" else {NORTH}


def _audited(engine: Engine, user_id: str, action: str) -> Counter:
    """The caller's audit entries for ``action`` by outcome (allowed, refused)."""
    entries = audit_entries(engine, get_user(engine, "admin"), user_id=user_id, action=action)
    return Counter(entries["outcome"])


@pytest.mark.parametrize(("role", "where", "read"), MATRIX)
def test_matrix_role_setup_read(setups_store, role, where, read):
    engine, places = setups_store
    place = places[where]
    caller = get_user(engine, f"{role}1")
    actions, call = READS[read]
    action = action_for(caller, actions)
    permission = grant(role, action)
    in_scope = permission is not None and (permission.scope == "force" or where == "own")
    before = _audited(engine, caller.user_id, action)
    if permission is None or not (in_scope or read in LISTINGS):
        with pytest.raises(PermissionDenied):
            call(engine, caller, place)
        assert _audited(engine, caller.user_id, action) == before + Counter(refused=1)
        return
    result = call(engine, caller, place)
    assert _audited(engine, caller.user_id, action) == before + Counter(allowed=1)
    assert _wards(result) == (place.wards if in_scope else set())


def test_matrix_size():
    assert len(MATRIX) == len(ROLES) * 2 * len(READS) == 70


@pytest.mark.parametrize(("role", "read"), WIDER)
def test_a_setup_over_both_wards_gives_each_caller_the_rows_of_their_wards(setups_store, role, read):
    engine, places = setups_store
    place = places["both"]
    caller = get_user(engine, f"{role}1")
    actions, call = READS[read]
    assert _wards(call(engine, caller, place)) == _covered(grant(role, action_for(caller, actions)).scope)


def test_wider_cases():
    assert sorted(WIDER) == sorted([(r, "progress") for r in ROLES if r != "admin"] + [
        (r, read) for r in ("officer", "supervisor") for read in ("priority_addresses", "recent_visits")])
