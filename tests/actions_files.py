"""What the action record tests share: wards North and South (one LSOA each), a user of each role, and
streets with the scorer's reasons to propose actions for.

Users (ID: role, wards, name): ``admin`` (Ada Admin); ``officer1`` (North, Olive Oak); ``supervisor1`` and
``supervisor2`` (North: Sam Stone, Sue Park); ``supervisor3`` (South, Tom Hill); ``evaluator1`` (North,
Eve Evans); ``analyst1`` (force-wide, Ann Ames). Nobody is in a team.
"""

from __future__ import annotations

from sqlalchemy import Engine, insert

from lpt.access.guard import User
from lpt.access.users import add_user, get_user
from lpt.priorities.actions import actions_for
from lpt.priorities.lifecycle import propose
from lpt.store.schema import ref_lsoa21

NORTH, SOUTH = "E05000001", "E05000002"
PURPOSE = "action record"
MILL = {"ward_code": NORTH, "lsoa21_code": "E01000001", "street_name": "Mill Lane"}
HIGH = {"ward_code": SOUTH, "lsoa21_code": "E01000003", "street_name": "High Street"}
#: Reasons that propose three actions (actions.toml): partners, the officer's answer to the concern and
#: door-knocking.
REASONS = [
    {"kind": "public_concern", "text": "drugs the top concern", "strength": 0.8, "figures": {"topic": "drugs", "share_pct": 45.0}},
    {"kind": "engagement_gap", "text": "12% registered", "strength": 0.6, "figures": {"coverage_pct": 12.0, "ward_coverage_pct": 25.0}},
]
#: User ID: (role, ward or None for force-wide, name).
PEOPLE = {
    "officer1": ("officer", NORTH, "Olive Oak"),
    "supervisor1": ("supervisor", NORTH, "Sam Stone"),
    "supervisor2": ("supervisor", NORTH, "Sue Park"),
    "supervisor3": ("supervisor", SOUTH, "Tom Hill"),
    "evaluator1": ("evaluator", NORTH, "Eve Evans"),
    "analyst1": ("analyst", None, "Ann Ames"),
}


def add_users(engine: Engine) -> dict[str, User]:
    """Wards North and South (the lookup rows users' areas are checked against) and the users above."""
    with engine.begin() as connection:
        connection.execute(insert(ref_lsoa21), [
            {"lsoa21_code": code, "lsoa21_name": code, "ward_code": ward, "ward_name": name,
             "district_code": "E06000001", "district_name": "Testborough"}
            for code, ward, name in (("E01000001", NORTH, "North"), ("E01000003", SOUTH, "South"))
        ])
    admin = add_user(engine, None, "admin", name="Ada Admin", role="admin")
    for user_id, (role, ward, name) in PEOPLE.items():
        add_user(engine, admin, user_id, name=name, role=role, areas=[("ward", ward)] if ward else [])
    return {user_id: get_user(engine, user_id) for user_id in ("admin", *PEOPLE)}


def propose_for(engine: Engine, caller: User, street: dict = MILL) -> list[int]:
    """Propose the actions :data:`REASONS` call for on ``street``; their IDs."""
    return propose(engine, caller, street, actions_for(street, REASONS), purpose=PURPOSE)
