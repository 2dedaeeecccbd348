"""Sharing priority streets with the team: stored on SQLite and PostgreSQL, checked by ward and team, audited."""

from __future__ import annotations

import pytest
from sqlalchemy import func, insert, select

from lpt.access.audit import audit_entries
from lpt.access.guard import PermissionDenied
from lpt.access.users import add_team, add_user, get_user
from lpt.errors import LPTError
from lpt.priorities import sharing
from lpt.priorities.actions import actions_for
from lpt.priorities.lifecycle import accept, dismiss, propose
from lpt.priorities.sharing import COLUMNS, share_with_team, team_shares
from lpt.store.schema import ref_lsoa21, shared_priorities
from tests.actions_files import REASONS

NORTH, SOUTH = "E05000001", "E05000002"
MILL = {"ward_code": NORTH, "lsoa21_code": "E01000001", "street_name": "Mill Lane"}
CHURCH = {"ward_code": NORTH, "lsoa21_code": "E01000002", "street_name": "Church Road"}
HIGH = {"ward_code": SOUTH, "lsoa21_code": "E01000003", "street_name": "High Street"}


@pytest.fixture
def db(store):
    """Wards North and South; team 'north' with an officer of North, another of South and a supervisor of
    North; team 'west' with an officer of North; an officer of North without a team; an analyst. Each
    user's name is their ID in capitals."""
    with store.begin() as connection:
        connection.execute(insert(ref_lsoa21), [
            {"lsoa21_code": lsoa, "lsoa21_name": lsoa, "ward_code": ward, "ward_name": ward,
             "district_code": "E06000001", "district_name": "Testborough"}
            for lsoa, ward in (("E01000001", NORTH), ("E01000002", NORTH), ("E01000003", SOUTH))
        ])
    admin = add_user(store, None, "admin", name="Ada", role="admin")
    add_team(store, admin, "north", "North team")
    add_team(store, admin, "west", "West team")
    people = {
        "pc1": ("officer", NORTH, "north"), "pc2": ("officer", SOUTH, "north"), "sgt1": ("supervisor", NORTH, "north"),
        "pc3": ("officer", NORTH, "west"), "loner": ("officer", NORTH, None), "an1": ("analyst", None, None),
    }
    for user, (role, ward, team) in people.items():
        add_user(store, admin, user, name=user.upper(), role=role, areas=[("ward", ward)] if ward else [], team_id=team)
    return store, {user: get_user(store, user) for user in ["admin", *people]}


def _stored(engine) -> int:
    with engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(shared_priorities)).scalar_one()


def _audit(engine, user_id: str, outcome: str):
    return audit_entries(engine, get_user(engine, "admin"), user_id=user_id, action="share_priorities", outcome=outcome)


def test_an_officer_shares_streets_with_the_team_and_it_is_stored(db):
    engine, people = db
    ids = share_with_team(engine, people["pc1"], [MILL, CHURCH], note="  drugs complaints at the shop  ")
    assert len(ids) == 2 and len(set(ids)) == 2 and _stored(engine) == 2
    shares = team_shares(engine, people["pc1"])
    assert list(shares.columns) == COLUMNS
    assert sorted(shares["id"]) == sorted(ids)
    assert set(shares["street_name"]) == {"Mill Lane", "Church Road"} and set(shares["shared_by"]) == {"pc1"}
    assert set(shares["note"]) == {"drugs complaints at the shop"}
    with engine.connect() as connection:
        teams = set(connection.execute(select(shared_priorities.c.team_id)).scalars())
    assert teams == {"north"}
    entries = _audit(engine, "pc1", "allowed")
    assert entries["purpose"].tolist() == ["share with team", "team priorities"]  # one entry for the share, one read
    assert entries["records"].tolist() == [2, 2] and entries["area"].iloc[0] == f"ward {NORTH}"


def test_team_shares_are_newest_first_and_filtered_by_the_callers_wards(db):
    engine, people = db
    first = share_with_team(engine, people["pc1"], [MILL])
    second = share_with_team(engine, people["pc2"], [HIGH], note=None)
    third = share_with_team(engine, people["pc1"], [CHURCH])
    supervisor = team_shares(engine, people["sgt1"])  # a supervisor covers the team's wards
    assert supervisor["id"].tolist() == [*third, *second, *first]
    assert supervisor["note"].isna().all()
    officer = team_shares(engine, people["pc1"])  # an officer sees the team's shares in their own wards
    assert officer["id"].tolist() == [*third, *first]


def test_the_supervisor_sees_the_whole_team_with_names_and_open_actions(db):
    engine, people = db
    mill = share_with_team(engine, people["pc1"], [MILL])
    high = share_with_team(engine, people["pc2"], [HIGH])  # South: the supervisor covers it through pc2
    share_with_team(engine, people["pc3"], [CHURCH])  # another team's, in the supervisor's own ward
    proposed = propose(engine, people["pc1"], MILL, actions_for(MILL, REASONS), purpose="action record")
    dismiss(engine, people["pc1"], proposed[0], reason="not needed", purpose="action record")
    accept(engine, people["pc1"], proposed[1], purpose="action record")
    shares = team_shares(engine, people["sgt1"]).set_index("id")
    assert shares.index.tolist() == [*high, *mill]
    assert shares["shared_by_name"].tolist() == ["PC2", "PC1"]
    assert shares["open_actions"].tolist() == [0, len(proposed) - 1]  # one proposed and one accepted: open
    assert shares.loc[mill[0], ["shared_by", "street_name"]].tolist() == ["pc1", "Mill Lane"]


def test_every_ward_involved_is_authorised_once(db, monkeypatch):
    engine, people = db
    asked = []

    def counting(engine, caller, action, **kwargs):
        asked.append((action, str(kwargs["area"])))
        return authorize(engine, caller, action, **kwargs)

    authorize = sharing.authorize
    monkeypatch.setattr(sharing, "authorize", counting)
    share_with_team(engine, people["sgt1"], [MILL, HIGH, CHURCH])  # the supervisor covers both wards
    assert sorted(asked) == [("share_priorities", f"ward {NORTH}"), ("share_priorities", f"ward {SOUTH}")]


def test_a_street_outside_the_callers_wards_is_refused_and_nothing_is_shared(db):
    engine, people = db
    before = len(_audit(engine, "pc1", "refused"))
    with pytest.raises(PermissionDenied):
        share_with_team(engine, people["pc1"], [MILL, HIGH])
    assert _stored(engine) == 0 and len(_audit(engine, "pc1", "refused")) == before + 1


def test_a_caller_without_a_team_is_refused(db):
    engine, people = db
    with pytest.raises(LPTError, match="no team"):
        share_with_team(engine, people["loner"], [MILL])
    with pytest.raises(LPTError, match="no team"):
        team_shares(engine, people["loner"])
    assert _stored(engine) == 0 and len(_audit(engine, "loner", "refused")) == 2


def test_roles_without_the_grant_are_refused(db):
    engine, people = db
    for caller in (people["an1"], people["admin"]):
        with pytest.raises(PermissionDenied):
            share_with_team(engine, caller, [MILL])
        with pytest.raises(PermissionDenied):
            team_shares(engine, caller)
    assert _stored(engine) == 0


@pytest.mark.parametrize(
    ("streets", "message"),
    [
        ([], "no streets"),
        ([{"ward_code": NORTH, "lsoa21_code": "E01000001"}], "needs ward_code, lsoa21_code, street_name"),
        ([MILL, {**HIGH, "ward_code": NORTH}], "not in ward E05000001"),  # South's LSOA passed off as North's
    ],
)
def test_bad_streets_are_refused_before_anything_is_shared(db, streets, message):
    engine, people = db
    with pytest.raises(LPTError, match=message):
        share_with_team(engine, people["pc1"], streets)
    assert _stored(engine) == 0
