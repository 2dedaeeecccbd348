"""Data subjects' rights: opt-out at once, erasure, subject access export, retention purge.

Erasure removes the member's personal data and keeps only what is anonymous:
their survey answers stay counted, unlinked from the person, placed by the
LSOA the member lived in (about 700 households) so area figures do not move;
the copies of messages sent to them stay counted without their ID or address,
their replies stay counted without their ID or words (and so do the officers' answers,
which may quote them), and their survey invitations and suspended addresses go. A doorstep call that
registered them (``setup_visits``) stays, with its outcome, officer, time and scored survey answers, so
setup progress still counts the registration: its member reads :data:`ERASED`, and the officer's note and
the survey's free-text concern, which may name them, go.

Opt-out comes two ways: an admin records a request (:func:`opt_out`), or the member
unsubscribes themselves through the signed link in a message (:func:`resident_opt_out`,
called by lpt.replies once the link is verified; audited as the resident's own request).
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta

import pandas as pd
from sqlalchemy import Connection, Engine, delete, or_, select, update

from lpt import settings
from lpt.access.guard import FORCE, User, authorize, record_access
from lpt.errors import LPTError
from lpt.store.frames import read_query
from lpt.store.schema import (
    audit_log,
    contact_suspensions,
    deliveries,
    members,
    messages,
    postcode_links,
    replies,
    setup_visits,
    setups,
    survey_invitations,
    survey_responses,
    visits,
)

__all__ = ["ERASED", "RESIDENT", "opt_out", "resident_opt_out", "erase_member", "export_subject", "purge_expired"]

#: What an erased member's reply (and the answer to it), and the member of a doorstep call that
#: registered them, read afterwards.
ERASED = "[erased]"
#: The audit log's user for what a resident does themselves (through a signed link).
RESIDENT = "resident"


def opt_out(engine: Engine, caller: User, member_id: str, *, purpose: str, on: date | None = None) -> None:
    """Record a member's opt-out, effective at once: every list and message leaves them out."""
    authorize(engine, caller, "opt_out", purpose=purpose, area=FORCE)
    with engine.begin() as connection:
        _opt_out(connection, member_id, on)
    record_access(engine, caller.user_id, "opt_out", purpose, FORCE, 1, "allowed", f"member {member_id}")


def resident_opt_out(engine: Engine, member_id: str, *, via: str, on: date | None = None) -> bool:
    """The member's own opt-out, effective at once; True if it took effect now, False if they had left already.

    No staff caller: the caller must have verified that the request comes from the member (a
    valid signed unsubscribe link, lpt.messaging.links). Audited under the user ``resident``
    with ``via`` as the purpose, so the log, and the member's subject access export, show it as
    their own request. LPTError if there is no such member (erased).
    """
    with engine.begin() as connection:
        done = _opt_out(connection, member_id, on)
    record_access(engine, RESIDENT, "opt_out", f"the resident's own request ({via})", None, 1, "allowed",
                  f"member {member_id}")
    return done


def erase_member(engine: Engine, caller: User, member_id: str, *, purpose: str) -> int:
    """Erase a member; returns the survey answers kept, now anonymous."""
    authorize(engine, caller, "erase_member", purpose=purpose, area=FORCE)
    with engine.begin() as connection:
        if not _exists(connection, member_id):
            raise LPTError(f"no member {member_id!r}")
        kept = _erase(connection, [member_id])
    record_access(engine, caller.user_id, "erase_member", purpose, FORCE, 1, "allowed", f"member {member_id}")
    return kept


def export_subject(engine: Engine, caller: User, member_id: str, *, purpose: str) -> dict:
    """Everything held about a member (subject access request), as a JSON-ready dict:
    ``member`` (their record), ``survey_answers``, ``visits`` (calls at their address),
    ``doorstep_calls`` (door-knocking setups' calls at their address or that registered them: time (UTC),
    outcome, officer, setup, doorstep survey, ``registered_here``),
    ``messages`` (every message sent or held for them: subject, channel, address, status, reason,
    dates), ``survey_invitations`` (wave, date), ``contact_suspensions`` (channel, since, reason),
    ``replies`` (their replies to messages and the answers: subject, reply, dates, answer),
    ``access_log`` (who read their record individually, when and why)."""
    authorize(engine, caller, "subject_access", purpose=purpose, area=FORCE)
    member = read_query(engine, select(members).where(members.c.member_id == member_id))
    if member.empty:
        raise LPTError(f"no member {member_id!r}")
    record = member.drop(columns=["batch_id", "row_hash"]).iloc[0]
    answers = read_query(
        engine, select(survey_responses).where(survey_responses.c.member_id == member_id).order_by(survey_responses.c.wave)
    )
    calls = read_query(
        engine,
        select(visits.c.visited_on, visits.c.outcome, visits.c.officer_id)
        .where(visits.c.address_id == record["address_id"])
        .order_by(visits.c.visited_on),
    )
    doorstep = _doorstep_calls(engine, member_id, record["address_id"])
    sent = read_query(
        engine,
        select(messages.c.subject, deliveries.c.channel, deliveries.c.address, deliveries.c.status, deliveries.c.reason,
               deliveries.c.queued_at, deliveries.c.sent_at)
        .join(messages, messages.c.id == deliveries.c.message_id)
        .where(deliveries.c.member_id == member_id)
        .order_by(deliveries.c.queued_at, deliveries.c.id),
    )
    invited = read_query(
        engine,
        select(survey_invitations.c.wave, survey_invitations.c.invited_at)
        .where(survey_invitations.c.member_id == member_id)
        .order_by(survey_invitations.c.wave),
    )
    suspended = read_query(
        engine,
        select(contact_suspensions.c.channel, contact_suspensions.c.since, contact_suspensions.c.reason)
        .where(contact_suspensions.c.member_id == member_id),
    )
    replied = read_query(
        engine,
        select(messages.c.subject, replies.c.body.label("reply"), replies.c.received_at, replies.c.answer,
               replies.c.answered_at)
        .join(messages, messages.c.id == replies.c.message_id)
        .where(replies.c.member_id == member_id)
        .order_by(replies.c.received_at, replies.c.id),
    )
    access = read_query(
        engine,
        select(audit_log.c.at, audit_log.c.user_id, audit_log.c.action, audit_log.c.purpose).where(
            audit_log.c.detail == f"member {member_id}"
        ),
    )
    record_access(engine, caller.user_id, "subject_access", purpose, FORCE, 1, "allowed", f"member {member_id}")
    return {
        "member": _plain(record.to_dict()),
        "survey_answers": [_plain(r) for r in answers.drop(columns=["batch_id", "row_hash"]).to_dict("records")],
        "visits": [_plain(r) for r in calls.to_dict("records")],
        "doorstep_calls": doorstep,
        "messages": [_plain(r) for r in sent.to_dict("records")],
        "survey_invitations": [_plain(r) for r in invited.to_dict("records")],
        "contact_suspensions": [_plain(r) for r in suspended.to_dict("records")],
        "replies": [_plain(r) for r in replied.to_dict("records")],
        "access_log": [_plain(r) for r in access.to_dict("records")],
    }


def purge_expired(engine: Engine, caller: User, *, purpose: str, days: int | None = None, today: date | None = None) -> dict:
    """Erase members who opted out more than ``days`` ago and delete older door-knocking records.

    ``days`` defaults to the retention setting (``LPT_RETENTION_DAYS``).
    Returns counts: ``members_erased``, ``visits_deleted`` (imported visits, by day) and
    ``setup_visits_deleted`` (doorstep calls of setups, made before the cutoff day began in UTC).
    """
    authorize(engine, caller, "purge", purpose=purpose, area=FORCE)
    cutoff = (today or date.today()) - timedelta(days=settings.retention_days() if days is None else days)
    with engine.begin() as connection:
        expired = connection.execute(
            select(members.c.member_id).where(members.c.opted_out.is_not(None), members.c.opted_out < cutoff)
        ).scalars().all()
        _erase(connection, list(expired))
        deleted = connection.execute(delete(visits).where(visits.c.visited_on < cutoff)).rowcount
        # time-zone-aware: PostgreSQL compares instants; SQLite stores UTC wall times, as this is written
        calls = connection.execute(
            delete(setup_visits).where(setup_visits.c.visited_at < datetime.combine(cutoff, time(0), tzinfo=UTC))
        ).rowcount
    counts = {"members_erased": len(expired), "visits_deleted": deleted, "setup_visits_deleted": calls}
    record_access(engine, caller.user_id, "purge", purpose, FORCE, sum(counts.values()), "allowed", f"before {cutoff}")
    return counts


def _erase(connection, member_ids: list[str]) -> int:
    """Unlink the members' survey answers (keeping their LSOA) and message copies (keeping their
    status for the counts), unlink their replies and blank their words and the answers (and the
    answers' message texts), mark the doorstep calls that registered them :data:`ERASED` (still
    counted as registrations) and blank those calls' notes and free-text concerns, delete their survey invitations and
    suspensions, and delete the members."""
    kept = 0
    for start in range(0, len(member_ids), 1000):
        chunk = member_ids[start : start + 1000]
        places = dict(
            connection.execute(
                select(members.c.member_id, postcode_links.c.lsoa21_code)
                .outerjoin(postcode_links, postcode_links.c.postcode == members.c.postcode)
                .where(members.c.member_id.in_(chunk))
            ).all()
        )
        for member_id, lsoa in places.items():
            kept += connection.execute(
                update(survey_responses)
                .where(survey_responses.c.member_id == member_id)
                .values(member_id=None, erased_lsoa21_code=lsoa)
            ).rowcount
        connection.execute(
            update(deliveries).where(deliveries.c.member_id.in_(chunk)).values(member_id=None, address=None)
        )
        answers = select(replies.c.answer_message_id).where(replies.c.member_id.in_(chunk), replies.c.answer_message_id.is_not(None))
        connection.execute(update(messages).where(messages.c.id.in_(answers)).values(body=ERASED))
        connection.execute(
            update(replies).where(replies.c.member_id.in_(chunk), replies.c.answer.is_not(None)).values(answer=ERASED)
        )
        connection.execute(update(replies).where(replies.c.member_id.in_(chunk)).values(member_id=None, body=ERASED))
        _forget_doorstep_words(connection, chunk)
        connection.execute(delete(survey_invitations).where(survey_invitations.c.member_id.in_(chunk)))
        connection.execute(delete(contact_suspensions).where(contact_suspensions.c.member_id.in_(chunk)))
        connection.execute(delete(members).where(members.c.member_id.in_(chunk)))
    return kept


def _forget_doorstep_words(connection: Connection, member_ids: list[str]) -> None:
    """The doorstep calls that registered the members: member :data:`ERASED`, the officer's note and the
    survey's free-text concern (either may name them) removed; the scored answers stay counted."""
    registering = setup_visits.c.member_id.in_(member_ids)
    for call_id, survey in connection.execute(
        select(setup_visits.c.id, setup_visits.c.survey).where(registering, setup_visits.c.survey.contains('"concern"'))
    ).all():
        answers = {k: v for k, v in json.loads(survey).items() if k != "concern"}
        connection.execute(update(setup_visits).where(setup_visits.c.id == call_id)
                           .values(survey=json.dumps(answers, sort_keys=True) if answers else None))
    connection.execute(update(setup_visits).where(registering).values(member_id=ERASED, note=None))


def _doorstep_calls(engine: Engine, member_id: str, address_id: str) -> list[dict]:
    """Setups' calls at the address or that registered the member, oldest first, JSON-ready (the survey
    parsed, times in UTC on every database), without the officer's note or other calls' member IDs."""
    calls = read_query(
        engine,
        select(setup_visits.c.visited_at, setup_visits.c.outcome, setup_visits.c.officer_id,
               setups.c.name.label("setup"), setup_visits.c.survey, setup_visits.c.member_id)
        .join(setups, setups.c.id == setup_visits.c.setup_id)
        .where(or_(setup_visits.c.address_id == address_id, setup_visits.c.member_id == member_id))
        .order_by(setup_visits.c.visited_at, setup_visits.c.id),
    )
    calls["visited_at"] = pd.to_datetime(calls["visited_at"], utc=True)
    calls["registered_here"] = calls.pop("member_id") == member_id
    return [_plain(r) | {"survey": json.loads(r["survey"]) if isinstance(r["survey"], str) else None}
            for r in calls.to_dict("records")]


def _opt_out(connection: Connection, member_id: str, on: date | None) -> bool:
    """Set the member's opt-out date (today by default) unless they left already; True if it was set now."""
    done = connection.execute(
        update(members)
        .where(members.c.member_id == member_id, members.c.opted_out.is_(None))
        .values(opted_out=on or date.today())
    ).rowcount
    if not done and not _exists(connection, member_id):
        raise LPTError(f"no member {member_id!r}")
    return bool(done)


def _exists(connection, member_id: str) -> bool:
    return connection.execute(select(members.c.member_id).where(members.c.member_id == member_id)).first() is not None


def _plain(record: dict) -> dict:
    """JSON-ready values: dates as ISO strings, missing as None."""
    out = {}
    for key, value in record.items():
        if value is None or (not isinstance(value, str) and pd.isna(value)):
            out[key] = None
        elif isinstance(value, date | datetime | pd.Timestamp):
            out[key] = value.isoformat()
        else:
            out[key] = value.item() if hasattr(value, "item") else value
    return out


