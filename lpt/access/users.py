"""Users, teams and the areas each covers: added, changed and disabled by an admin.

The very first user of a store may be added without an admin (and must be an
admin), so a new deployment can bootstrap itself; after that every change
needs the ``manage_users`` permission and is audited.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

import pandas as pd
from sqlalchemy import Engine, delete, func, insert, select, update

from lpt.access.guard import FORCE, LEVELS, PermissionDenied, User, authorize, record_access
from lpt.access.permissions import ROLES
from lpt.errors import LPTError
from lpt.store.frames import read_query
from lpt.store.schema import ref_districts, ref_lsoa21, teams, user_areas, users

__all__ = ["add_team", "add_user", "change_user", "disable_user", "get_user", "list_users"]

_PURPOSE = "user administration"


def get_user(engine: Engine, user_id: str) -> User:
    """The stored user; an unknown ID is refused like any other bad credential."""
    with engine.connect() as connection:
        row = connection.execute(select(users).where(users.c.user_id == user_id)).first()
        if row is None:
            raise PermissionDenied(f"no LPT user {user_id!r}")
        areas = connection.execute(
            select(user_areas.c.level, user_areas.c.code)
            .where(user_areas.c.user_id == user_id)
            .order_by(user_areas.c.level, user_areas.c.code)
        ).all()
    return User(row.user_id, row.name, row.role, row.team_id, row.active, tuple(tuple(a) for a in areas))


def add_team(engine: Engine, actor: User, team_id: str, name: str) -> None:
    """Add a team (an admin's job)."""
    authorize(engine, actor, "manage_users", purpose=_PURPOSE, area=FORCE)
    with engine.begin() as connection:
        if connection.execute(select(teams.c.team_id).where(teams.c.team_id == team_id)).first():
            raise LPTError(f"team {team_id!r} exists already")
        connection.execute(insert(teams).values(team_id=team_id, name=name))
    record_access(engine, actor.user_id, "manage_users", _PURPOSE, FORCE, 1, "allowed", f"added team {team_id}")


def add_user(
    engine: Engine,
    actor: User | None,
    user_id: str,
    *,
    name: str,
    role: str,
    areas: Iterable[tuple[str, str]] = (),
    team_id: str | None = None,
) -> User:
    """Add a user covering ``areas`` ((level, code) pairs). ``actor`` None only for the first user."""
    areas = sorted(set(areas))
    with engine.begin() as connection:
        first = connection.execute(select(func.count()).select_from(users)).scalar_one() == 0
    if actor is None:
        if not first or role != "admin":
            raise PermissionDenied("only the first user, an admin, may be added without an admin")
    else:
        authorize(engine, actor, "manage_users", purpose=_PURPOSE, area=FORCE)
    _check(engine, role, areas, team_id)
    now = datetime.now(UTC)
    with engine.begin() as connection:
        if connection.execute(select(users.c.user_id).where(users.c.user_id == user_id)).first():
            raise LPTError(f"user {user_id!r} exists already: use lpt users change")
        connection.execute(
            insert(users).values(
                user_id=user_id, name=name, role=role, team_id=team_id, active=True, created_at=now, updated_at=now
            )
        )
        _set_areas(connection, user_id, areas)
    record_access(
        engine, actor.user_id if actor else user_id, "manage_users", _PURPOSE, FORCE, 1, "allowed",
        f"added user {user_id} ({role})",
    )
    return get_user(engine, user_id)


def change_user(
    engine: Engine,
    actor: User,
    user_id: str,
    *,
    name: str | None = None,
    role: str | None = None,
    areas: Iterable[tuple[str, str]] | None = None,
    team_id: str | None = None,
    active: bool | None = None,
) -> User:
    """Change what is given; ``areas`` replaces the user's areas."""
    authorize(engine, actor, "manage_users", purpose=_PURPOSE, area=FORCE)
    current = get_user(engine, user_id)
    areas = sorted(set(areas)) if areas is not None else list(current.areas)
    _check(engine, role or current.role, areas, team_id if team_id is not None else current.team_id)
    changes = {k: v for k, v in {"name": name, "role": role, "team_id": team_id, "active": active}.items() if v is not None}
    with engine.begin() as connection:
        connection.execute(update(users).where(users.c.user_id == user_id).values(**changes, updated_at=datetime.now(UTC)))
        _set_areas(connection, user_id, areas)
    detail = ", ".join(f"{k}={v}" for k, v in changes.items()) or "areas"
    record_access(engine, actor.user_id, "manage_users", _PURPOSE, FORCE, 1, "allowed", f"changed {user_id}: {detail}")
    return get_user(engine, user_id)


def disable_user(engine: Engine, actor: User, user_id: str) -> User:
    """Disable a user: from now on every request of theirs is refused."""
    return change_user(engine, actor, user_id, active=False)


def list_users(engine: Engine, actor: User) -> pd.DataFrame:
    """Users with their areas. Columns: ``user_id``, ``name``, ``role``, ``team_id``, ``active``,
    ``areas`` (e.g. ``ward E05011529; district E06000010``)."""
    authorize(engine, actor, "manage_users", purpose=_PURPOSE, area=FORCE)
    people = read_query(engine, select(users.c.user_id, users.c.name, users.c.role, users.c.team_id, users.c.active))
    covered = read_query(engine, select(user_areas))
    labels = (covered["level"] + " " + covered["code"]).groupby(covered["user_id"]).agg("; ".join)
    return people.assign(areas=people["user_id"].map(labels).fillna("")).sort_values("user_id", ignore_index=True)


def _check(engine: Engine, role: str, areas: list[tuple[str, str]], team_id: str | None) -> None:
    if role not in ROLES:
        raise LPTError(f"unknown role {role!r}: one of {', '.join(ROLES)}")
    known = {
        "ward": select(ref_lsoa21.c.ward_code).distinct(),
        "district": select(ref_lsoa21.c.district_code).distinct(),
        "force": select(ref_districts.c.pfa_code).distinct(),
    }
    with engine.connect() as connection:
        for level, code in areas:
            if level not in LEVELS:
                raise LPTError(f"unknown area level {level!r}: one of {', '.join(LEVELS)}")
            column = known[level].selected_columns[0]
            if connection.execute(known[level].where(column == code)).first() is None:
                raise LPTError(f"unknown {level} code {code!r} (is the reference data imported?)")
        if team_id and connection.execute(select(teams.c.team_id).where(teams.c.team_id == team_id)).first() is None:
            raise LPTError(f"unknown team {team_id!r}: add it with lpt users add-team")


def _set_areas(connection, user_id: str, areas: list[tuple[str, str]]) -> None:
    connection.execute(delete(user_areas).where(user_areas.c.user_id == user_id))
    if areas:
        connection.execute(insert(user_areas), [{"user_id": user_id, "level": lv, "code": c} for lv, c in areas])


