"""Doorstep visits: recorded by many officers at once and shown to colleagues (counted in lpt.setups.progress).

Recording a visit only inserts (a ``setup_visits`` row and, with the resident's consent, a member and
the community batch it belongs to): nothing is read and written back, so officers recording at the
same moment, on one database or several processes, never overwrite each other and nothing is lost
(tests/test_setups_visits.py records 200 visits from 4 officers in 6 threads and in 3 processes).
The checks before the insert (the setup is active and open that day, the door is in its area and in
the officer's wards) read in their own connection, so SQLite's single writer is held only for the
inserts.

Every function goes through the guard: recording and colleagues' recent calls are ``address_status``
(officers' doorstep work, audited).
"""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import date, datetime, timedelta

import pandas as pd
from sqlalchemy import Connection, Engine, insert, select

from lpt.access.guard import User, record_access
from lpt.errors import LPTError
from lpt.ingest.community import KINDS
from lpt.ingest.fields import first_problem
from lpt.ingest.report import FileReport
from lpt.setups.model import (
    OUTCOMES,
    SPOKE,
    Setup,
    authorize_setup,
    load_setup,
    local_day,
    refuse,
    utc,
)
from lpt.setups.selection import area_query, read_in_area
from lpt.store.frames import read_query
from lpt.store.schema import community_batches, households, members, postcode_links, ref_postcodes, setup_visits, users
from lpt.vocab import QUESTIONS, TOPICS

__all__ = ["CONSENT_FIELDS", "recent_visits", "record_visit"]

#: What a resident may give when they consent to register: names and an e-mail address or phone number
#: (required), the optional demographics of members.csv (docs/DATA_SCHEMA.md) and ``groups`` (a list).
CONSENT_FIELDS = ("first_name", "last_name", "email", "phone", "age_band", "sex", "ethnic_group", "religion",
                  "first_language", "groups")
_MEMBER = KINDS["members"]
_MAX_CONCERN = 2000


def record_visit(
    engine: Engine, caller: User, setup_id: int, address_id: str, outcome: str, *, at: datetime,
    survey: dict | None = None, consent: dict | None = None, note: str | None = None, purpose: str,
) -> int:
    """Record one call at a door of an active setup; returns the visit's ID.

    ``outcome`` is one of lpt.setups.model.OUTCOMES; ``at`` when (time-zone-aware; it must fall on a day
    the setup is open, Europe/London). The door must be a household in the setup's area and in the
    caller's wards. ``survey``: the doorstep survey's answers, only when a resident was spoken to: any of
    the lpt.vocab.QUESTIONS (1-5), ``priorities`` (up to three lpt.vocab.TOPICS) and ``concern`` (text).
    ``consent``: the resident's consent to register, with the outcome ``spoke_registered`` (which needs
    it): :data:`CONSENT_FIELDS`; it creates the member (opted in on the visit's day) in the same
    transaction as the visit.
    """
    at = utc(at)
    if outcome not in OUTCOMES:
        raise LPTError(f"unknown outcome {outcome!r}: one of {', '.join(OUTCOMES)}")
    answers = _survey(survey, outcome)
    person = _consent(consent, outcome)
    setup = load_setup(engine, setup_id)
    day = local_day(at)
    _check_open(setup, day)
    wards = authorize_setup(engine, caller, setup, "address_status", purpose=purpose)
    door = _door(engine, setup, address_id)
    if wards is not None and door["ward_code"] not in wards:
        refuse(engine, caller, "address_status", purpose, f"address {address_id}", "it lies outside the wards the user covers")
    member = None if person is None else _member_row(person, door, day)
    with engine.begin() as connection:
        member_id = None if member is None else _register(connection, member, at)
        visit_id = connection.execute(
            insert(setup_visits).values(
                setup_id=setup.setup_id, address_id=address_id, officer_id=caller.user_id, visited_at=at,
                outcome=outcome, survey=answers, member_id=member_id, note=(note or "").strip() or None,
            ).returning(setup_visits.c.id)
        ).scalar_one()
    detail = f"setup {setup.setup_id}: visit {visit_id} at {address_id}, {outcome}" + (
        f", member {member_id} registered" if member_id else "")
    record_access(engine, caller.user_id, "address_status", purpose, None, 1, "allowed", detail)
    return int(visit_id)


def recent_visits(
    engine: Engine, caller: User, setup_id: int, *, on: datetime, minutes: int = 30, purpose: str
) -> pd.DataFrame:
    """Colleagues' calls for a setup in the ``minutes`` before ``on`` in the caller's wards, newest first
    (the caller's own are left out), for the map.

    Columns: ``visit_id``, ``address_id``, ``house_number``, ``house_name``, ``street``, ``postcode``,
    ``ward_code``, ``longitude``, ``latitude`` (the postcode's point), ``outcome``, ``officer_id``,
    ``officer_name``, ``visited_at`` (UTC), ``minutes_ago`` (whole minutes).
    """
    on = utc(on)
    setup = load_setup(engine, setup_id)
    wards = authorize_setup(engine, caller, setup, "address_status", purpose=purpose)
    query = (
        select(
            setup_visits.c.id.label("visit_id"), households.c.address_id, households.c.house_number,
            households.c.house_name, households.c.street, households.c.postcode, postcode_links.c.ward_code,
            ref_postcodes.c.longitude, ref_postcodes.c.latitude, setup_visits.c.outcome, setup_visits.c.officer_id,
            users.c.name.label("officer_name"), setup_visits.c.visited_at,
        )
        .select_from(setup_visits)
        .join(households, households.c.address_id == setup_visits.c.address_id)
        .join(postcode_links, postcode_links.c.postcode == households.c.postcode)
        .outerjoin(ref_postcodes, ref_postcodes.c.postcode == households.c.postcode)
        .outerjoin(users, users.c.user_id == setup_visits.c.officer_id)
        .where(
            setup_visits.c.setup_id == setup.setup_id, setup_visits.c.officer_id != caller.user_id,
            setup_visits.c.visited_at > on - timedelta(minutes=minutes), setup_visits.c.visited_at <= on,
        )
        .order_by(setup_visits.c.visited_at.desc(), setup_visits.c.id.desc())
    )
    if wards is not None:
        query = query.where(postcode_links.c.ward_code.in_(sorted(wards)))
    frame = read_query(engine, query)
    frame["visited_at"] = pd.to_datetime(frame["visited_at"], utc=True)
    frame["minutes_ago"] = ((pd.Timestamp(on) - frame["visited_at"]).dt.total_seconds() // 60).astype("int64")
    record_access(engine, caller.user_id, "address_status", purpose, None, len(frame), "allowed",
                  f"setup {setup.setup_id} recent visits")
    return frame


# --- internals ------------------------------------------------------------------


def _check_open(setup: Setup, day: date) -> None:
    spec = setup.spec
    if not setup.active:
        raise LPTError(f"setup {setup.setup_id} is archived: it takes no more visits")
    if not spec.open_on(day):
        runs = f"from {spec.starts_on}" + (f" to {spec.ends_on}" if spec.ends_on else "")
        raise LPTError(f"setup {setup.setup_id} runs {runs}: no visits on {day}")


def _door(engine: Engine, setup: Setup, address_id: str) -> dict:
    """The household (with its place) if it lies in the setup's area; LPTError if not, the same whether or not
    the address exists elsewhere (the message tells nothing about addresses outside the setup)."""
    area = setup.spec.area
    found = read_in_area(engine, area, area_query(area, None).where(households.c.address_id == address_id))
    if found.empty:
        raise LPTError(f"address {address_id!r} is not a household of setup {setup.setup_id}'s area")
    return found.iloc[0].to_dict()


def _survey(survey: dict | None, outcome: str) -> str | None:
    """The doorstep survey as stored (JSON), checked; None without one."""
    if survey is None:
        return None
    if outcome not in SPOKE:
        raise LPTError(f"a doorstep survey needs a resident spoken to ({' or '.join(SPOKE)}), not {outcome}")
    allowed = {*QUESTIONS, "priorities", "concern"}
    if not isinstance(survey, dict) or not survey or not set(survey) <= allowed:
        raise LPTError(f"a doorstep survey is a dict of answers: some of {', '.join(sorted(allowed))}")
    for question in set(survey) & set(QUESTIONS):
        value = survey[question]
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
            raise LPTError(f"the answer to {question} is a whole number from 1 to 5, not {value!r}")
    chosen = list(survey.get("priorities") or [])
    if len(chosen) > 3 or len(set(chosen)) < len(chosen) or any(p not in TOPICS for p in chosen):
        raise LPTError(f"priorities are up to three different topics of {', '.join(TOPICS)}")
    concern = survey.get("concern")
    if concern is not None and (not isinstance(concern, str) or len(concern) > _MAX_CONCERN):
        raise LPTError(f"the concern is text of up to {_MAX_CONCERN} characters")
    return json.dumps({**survey, **({"priorities": chosen} if "priorities" in survey else {})}, sort_keys=True)


def _consent(consent: dict | None, outcome: str) -> dict[str, str] | None:
    """The consenting resident's details as text (checked against members.csv's rules later)."""
    if consent is None:
        if outcome == "spoke_registered":
            raise LPTError("'spoke and registered' needs the resident's consent: their name and an e-mail address or phone number")
        return None
    if outcome != "spoke_registered":
        raise LPTError(f"consent to register goes with the outcome spoke_registered, not {outcome}")
    if not isinstance(consent, dict) or not set(consent) <= set(CONSENT_FIELDS):
        raise LPTError(f"consent to register is a dict of some of {', '.join(CONSENT_FIELDS)}")
    groups = consent.get("groups") or ()
    values = {name: str(consent.get(name) or "").strip() for name in CONSENT_FIELDS}
    values["groups"] = ";".join(sorted(groups)) if isinstance(groups, list | tuple | set) else str(groups).strip()
    if not values["email"] and not values["phone"]:
        raise LPTError("consent to register needs an e-mail address or a phone number to keep in touch")
    return values


def _member_row(person: dict[str, str], door: dict, day: date) -> dict[str, str]:
    """The new member as a members.csv row (text), checked by the importer's own field rules."""
    row = {**person, "member_id": f"door-{uuid.uuid4().hex[:16]}", "address_id": door["address_id"],
           "postcode": door["postcode"], "opted_in": day.isoformat(), "opted_out": ""}
    row = {name: row[name] for name in _MEMBER.columns}
    field_of, reason_of = first_problem(_MEMBER.fields, pd.DataFrame([row], dtype=object))
    if field_of.iloc[0]:
        raise LPTError(f"the resident's {field_of.iloc[0].replace('_', ' ')} cannot be stored: {reason_of.iloc[0]}")
    return row


def _register(connection: Connection, row: dict[str, str], at: datetime) -> str:
    """Insert the member, in a community batch of its own (source 'doorstep') as an import would; its ID."""
    row_hash = hashlib.sha1("\x1f".join(row.values()).encode()).hexdigest()
    counts = FileReport(path="doorstep", read=1, stored=1).batch_counts()
    batch_id = connection.execute(
        insert(community_batches).values(kind="members", source_path="doorstep", imported_at=at,
                                         fingerprint=hashlib.sha256(row_hash.encode()).hexdigest(), **counts)
        .returning(community_batches.c.id)
    ).scalar_one()
    text = pd.DataFrame([row], dtype=object)
    values = {field.name: field.values(text[field.name]).iloc[0] for field in _MEMBER.fields}
    connection.execute(insert(members).values(**values, batch_id=batch_id, row_hash=row_hash))
    return row["member_id"]
