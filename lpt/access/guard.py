"""The one gate to personal data: who is asking, for what, where, and why; every answer audited.

Every function returning personal data calls :func:`authorize` first. It
checks the caller's role against the permissions table, the requested area
against the areas the caller covers, and records the attempt in the
append-only audit log (refusals in their own transaction, so a refusal is
recorded even though nothing else happens). The wards it returns are what the
data query must filter on, in SQL.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine, insert, select

from lpt.access.permissions import Grant, grant
from lpt.errors import LPTError
from lpt.store.schema import audit_log, ref_districts, ref_lsoa21, user_areas, users

__all__ = [
    "Area",
    "Authorized",
    "FORCE",
    "MINE",
    "PermissionDenied",
    "User",
    "authorize",
    "covered_wards",
    "record_access",
]

LEVELS = ("ward", "district", "force")  # levels of the areas a user covers


class PermissionDenied(LPTError):
    """The caller may not do this (role, area, disabled account, or an invalid app link)."""


@dataclass(frozen=True)
class User:
    """An LPT user as stored: ``areas`` are (level, code) pairs, level one of ward, district, force."""

    user_id: str
    name: str
    role: str
    team_id: str | None
    active: bool
    areas: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Area:
    """The area a request is about: a ward, a district, a force (``code`` None: all), or ``mine``."""

    level: str
    code: str | None = None

    def __str__(self) -> str:
        return self.level if self.code is None else f"{self.level} {self.code}"


FORCE = Area("force")
#: Every area the caller covers (the whole store for force-wide roles).
MINE = Area("mine")


@dataclass(frozen=True)
class Authorized:
    """A granted request: the grant, and the wards the query may return (None: every ward)."""

    user: User
    grant: Grant
    wards: frozenset[str] | None
    purpose: str
    area: Area


def authorize(engine: Engine, caller: User, action: str, *, purpose: str, area: Area = MINE) -> Authorized:
    """Check ``caller`` may take ``action`` over ``area``; raise PermissionDenied (audited) if not."""
    permission = grant(caller.role, action)
    wards, reason = None, ""
    if not caller.active:
        reason = "the account is disabled"
    elif permission is None:
        reason = f"the {caller.role} role does not allow it"
    elif len(purpose.strip()) < 3:
        reason = "a purpose (a short reason) is required"
    else:
        wards, reason = _wards_allowed(engine, caller, permission, area)
    if reason:
        record_access(engine, caller.user_id, action, purpose or "-", area, 0, "refused", reason)
        raise PermissionDenied(f"{caller.user_id} may not {action.replace('_', ' ')} for {area}: {reason}")
    return Authorized(caller, permission, wards, purpose, area)


def _wards_allowed(engine: Engine, caller: User, permission: Grant, area: Area) -> tuple[frozenset[str] | None, str]:
    """Wards the request may see (None: all) and, when refused, why."""
    everything = area.level in ("mine", "force") and area.code is None
    if permission.scope == "force":
        return (None if everything else frozenset(_wards_in(engine, area))), ""
    covered = covered_wards(engine, caller)
    requested = covered if area.level == "mine" else _wards_in(engine, area)
    if not requested or not requested <= covered:
        return None, f"{area} is outside the areas the user covers"
    return frozenset(requested), ""


def record_access(
    engine: Engine, user_id: str, action: str, purpose: str, area: Area | None, records: int, outcome: str,
    detail: str | None = None,
) -> None:
    """Append one entry to the audit log, in a transaction of its own."""
    with engine.begin() as connection:
        connection.execute(
            insert(audit_log).values(
                at=datetime.now(UTC), user_id=user_id, action=action, purpose=purpose,
                area=None if area is None else str(area), records=records, outcome=outcome, detail=detail,
            )
        )


def covered_wards(engine: Engine, user: User) -> set[str]:
    """Every ward the user covers: their own areas and, for a supervisor, their team's."""
    areas = set(user.areas)
    if user.role == "supervisor" and user.team_id:
        query = (
            select(user_areas.c.level, user_areas.c.code)
            .join(users, users.c.user_id == user_areas.c.user_id)
            .where(users.c.team_id == user.team_id, users.c.active)
        )
        with engine.connect() as connection:
            areas |= {tuple(row) for row in connection.execute(query)}
    wards: set[str] = set()
    for level, code in areas:
        wards |= _wards_in(engine, Area(level, code))
    return wards


def _wards_in(engine: Engine, area: Area) -> set[str]:
    """Wards of an area from the LSOA 2021 best-fit lookup (a force: the wards of its districts)."""
    lookup = select(ref_lsoa21.c.ward_code).distinct()
    if area.level == "ward":
        return {area.code} if area.code else set()
    if area.level == "district":
        lookup = lookup.where(ref_lsoa21.c.district_code == area.code)
    elif area.level == "force":
        districts = select(ref_districts.c.district_code)
        if area.code:
            districts = districts.where(ref_districts.c.pfa_code == area.code)
        lookup = lookup.where(ref_lsoa21.c.district_code.in_(districts))
    else:
        raise LPTError(f"unknown area level {area.level!r}: one of {', '.join(LEVELS)} or mine")
    with engine.connect() as connection:
        return set(connection.execute(lookup).scalars())
