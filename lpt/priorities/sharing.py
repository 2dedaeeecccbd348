"""Officers share priority streets with their team, so the supervisor sees where the team wants to act.

An officer picks streets on the map (lpt.priorities.streets.area_streets) and
shares them with a note; the shares land in the ``shared_priorities`` table
under the officer's team. Both sharing and reading go through
:func:`lpt.access.guard.authorize` (action ``share_priorities``): an officer
shares only streets of the wards they cover, and reads the team's shares in
those wards (a supervisor covers the whole team's: their own areas and those of
every active member, so they see what the team shares). Each share says who
shared it, by name, and how many actions are open on the street now, so the
supervisor sees which shared streets nobody acts on yet. A caller without a
team has nobody to share with and is refused (:class:`~lpt.errors.LPTError`,
audited).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

import pandas as pd
from sqlalchemy import Engine, and_, func, insert, select

from lpt.access.guard import MINE, Area, User, authorize, record_access
from lpt.errors import LPTError
from lpt.priorities.lifecycle import OPEN
from lpt.store.frames import read_query
from lpt.store.schema import actions, ref_lsoa21, shared_priorities, users

__all__ = ["COLUMNS", "share_with_team", "team_shares"]

#: Columns of :func:`team_shares`: ``id``; ``shared_by`` (user ID) and ``shared_by_name`` (their name),
#: ``shared_at`` (when); the street (``ward_code``, ``lsoa21_code``, ``street_name``); ``note`` (why, or
#: None); ``open_actions``: the street's actions still to be acted on now (proposed or accepted).
COLUMNS = [
    "id", "shared_by", "shared_by_name", "shared_at", "ward_code", "lsoa21_code", "street_name", "note", "open_actions",
]
_ACTION = "share_priorities"
_KEY = ("ward_code", "lsoa21_code", "street_name")


def share_with_team(
    engine: Engine, caller: User, streets: Sequence[Mapping], *, note: str | None = None,
    purpose: str = "share with team",
) -> list[int]:
    """Share ``streets`` (mappings with ``ward_code``, ``lsoa21_code``, ``street_name``) with the caller's
    team, with an optional ``note``; returns the new shares' IDs in the order given.

    Every ward involved is authorised (one check per ward), and the streets are checked to lie in the
    ward named (the LSOA 2021 best-fit lookup), before anything is written; all shares are written in
    one transaction and audited once.
    """
    keys = [_street(item) for item in streets]
    if not keys:
        raise LPTError("no streets to share: pick at least one")
    wards = sorted({ward for ward, _, _ in keys})
    for ward in wards:
        authorize(engine, caller, _ACTION, purpose=purpose, area=Area("ward", ward))
    area = Area("ward", wards[0]) if len(wards) == 1 else None
    team = _team(engine, caller, purpose, area)
    _check_wards(engine, keys)
    now = datetime.now(UTC)
    note = note.strip() if isinstance(note, str) and note.strip() else None
    with engine.begin() as connection:
        ids = [
            connection.execute(
                insert(shared_priorities).values(
                    team_id=team, shared_by=caller.user_id, shared_at=now, ward_code=ward, lsoa21_code=lsoa,
                    street_name=street, note=note,
                ).returning(shared_priorities.c.id)
            ).scalar_one()
            for ward, lsoa, street in keys
        ]
    record_access(engine, caller.user_id, _ACTION, purpose, area, len(ids), "allowed",
                  f"shared {len(ids)} streets with team {team} (wards {', '.join(wards)})")
    return ids


def team_shares(engine: Engine, caller: User, *, purpose: str = "team priorities") -> pd.DataFrame:
    """What the caller's team shared in the wards the caller covers, newest first, with the sharer's name
    and the street's open actions. Columns: :data:`COLUMNS`."""
    allowed = authorize(engine, caller, _ACTION, purpose=purpose, area=MINE)
    team = _team(engine, caller, purpose, MINE)
    street = [actions.c[name] for name in _KEY]
    open_now = select(*street, func.count().label("open_actions")).where(actions.c.status.in_(OPEN)).group_by(*street).subquery()
    query = (
        select(*(shared_priorities.c[c] for c in ("id", "shared_by")), users.c.name.label("shared_by_name"),
               *(shared_priorities.c[c] for c in ("shared_at", *_KEY, "note")),
               func.coalesce(open_now.c.open_actions, 0).label("open_actions"))
        .outerjoin(users, users.c.user_id == shared_priorities.c.shared_by)
        .outerjoin(open_now, and_(*(open_now.c[name] == shared_priorities.c[name] for name in _KEY)))
        .where(shared_priorities.c.team_id == team)
        .order_by(shared_priorities.c.shared_at.desc(), shared_priorities.c.id.desc())
    )
    if allowed.wards is not None:
        query = query.where(shared_priorities.c.ward_code.in_(sorted(allowed.wards)))
    frame = read_query(engine, query)
    record_access(engine, caller.user_id, _ACTION, purpose, MINE, len(frame), "allowed", f"read team {team} shares")
    return frame


def _street(item: Mapping) -> tuple[str, str, str]:
    """The street key of one mapping, every part a non-empty text."""
    values = tuple(item.get(name) for name in _KEY)
    if not all(isinstance(v, str) and v.strip() for v in values):
        raise LPTError(f"a street to share needs {', '.join(_KEY)}: {dict(item)!r}")
    return tuple(v.strip() for v in values)  # type: ignore[return-value]


def _team(engine: Engine, caller: User, purpose: str, area: Area | None) -> str:
    """The caller's team; without one the request is refused (and audited)."""
    if not caller.team_id:
        detail = "the user belongs to no team"
        record_access(engine, caller.user_id, _ACTION, purpose, area, 0, "refused", detail)
        raise LPTError(f"{caller.user_id} cannot share priorities: {detail} (an admin adds it with lpt users change)")
    return caller.team_id


def _check_wards(engine: Engine, keys: list[tuple[str, str, str]]) -> None:
    """Refuse a street whose LSOA is not in the ward given with it (the access check was on that ward)."""
    lsoas = sorted({lsoa for _, lsoa, _ in keys})
    query = select(ref_lsoa21.c.lsoa21_code, ref_lsoa21.c.ward_code).where(ref_lsoa21.c.lsoa21_code.in_(lsoas))
    with engine.connect() as connection:
        ward_of = {lsoa: ward for lsoa, ward in connection.execute(query)}
    for ward, lsoa, street in keys:
        if ward_of.get(lsoa) != ward:
            raise LPTError(f"{street} ({lsoa}) is not in ward {ward}: nothing was shared")
