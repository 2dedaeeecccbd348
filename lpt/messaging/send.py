"""Messages to residents: compose, preview, approve or reject, send, and the record of every copy.

The life of a message (the simplest that is sound):

* :func:`compose` stores the finished text: placeholders (lpt.messaging.figures) are filled in
  there and then, so an approver approves the very words residents will read. A ward, streets
  or drawn-area message is ``approved`` at once (the author's own authority over their area); a
  force-wide or district-wide one is ``awaiting_approval``.
* :func:`approve` or :func:`reject` (with a reason): a supervisor covering the message's area who
  is not its author; only an awaiting message. A rejected message stays rejected: compose a new one.
* :func:`send` (``approved`` only, once): resolves the audience at that moment, then in one
  serialised transaction (lpt.store.locks) counts the caps, queues a delivery for each member under
  them, records the members at a cap as ``held`` and marks the message ``sent``; then hands the
  queued deliveries to the transport in batches and records each outcome. An address that
  bounced ``LPT_BOUNCE_LIMIT`` times in a row is suspended. :func:`deliver_queued` resumes
  deliveries left queued by a crash.

There is no draft status: a text is composed when it is ready. Every function authorizes first
(lpt.access.guard) and is audited; callers get counts and the message text, never a member's
name or address. Each count goes through internal disclosure control on its own
(``lpt.disclosure.disclose_count``: below 5, zero included, it is None or <NA>). These are
operational counts of one audience, read beside each other; a table with margins and secondary
suppression would hide the useful figure whenever the others are zero (a message that reached
everyone would not say how many it reached), so they are not published as such a table.
"""

from __future__ import annotations

import string
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

import pandas as pd
from sqlalchemy import Connection, Engine, bindparam, func, insert, select, update

from lpt import settings
from lpt.access.guard import FORCE, MINE, Area, PermissionDenied, User, authorize, record_access
from lpt.disclosure import Audience, disclose_count, disclose_counts
from lpt.errors import LPTError
from lpt.messaging.audience import AudienceSpec, audiences_within, count_opted_out, left_out, resolve
from lpt.messaging.caps import Caps, as_utc, reserve, split_by_cap
from lpt.messaging.figures import FIGURES, message_figures
from lpt.messaging.links import resident_envelope
from lpt.messaging.transport import Transport
from lpt.store.frames import read_query
from lpt.store.locks import serialised
from lpt.store.schema import contact_suspensions, deliveries, members, messages

__all__ = [
    "BATCH",
    "STATUSES",
    "Delivered",
    "Preview",
    "SendReport",
    "approve",
    "compose",
    "deliver",
    "deliver_queued",
    "messages_of",
    "preview",
    "queue_deliveries",
    "reject",
    "send",
    "shown_counts",
]

STATUSES = ("awaiting_approval", "approved", "rejected", "sent")
#: Envelopes handed to a transport at once (each batch's outcomes are recorded in one transaction).
BATCH = 100
_SEND, _APPROVE, _REPORTS = "send_messages", "approve_messages", "message_reports"
_DELIVERY_STATUSES = ("queued", "sent", "bounced", "failed", "held")
_NOT_SENDABLE = {
    "awaiting_approval": "awaits a supervisor's approval",
    "rejected": "was rejected",
    "sent": "was sent already",
}
_LEFT = "the member left the scheme before it went"


@dataclass(frozen=True)
class Preview:
    """What sending would do now (each count None below 5).

    ``matched``: members of the audience who had joined by today, including those who left since;
    ``matched == opted_out + no_address + suspended + at_cap + will_receive`` (when all are shown).
    """

    matched: int | None
    opted_out: int | None
    no_address: int | None
    suspended: int | None
    at_cap: int | None
    will_receive: int | None
    needs_approval: bool
    status: str
    text: str  # the subject, a blank line, the body: as residents read it


@dataclass(frozen=True)
class Delivered:
    """Outcomes of handing queued deliveries to a transport (each None below 5)."""

    sent: int | None
    bounced: int | None
    failed: int | None
    newly_suspended: int | None


@dataclass(frozen=True)
class SendReport:
    """What a send did: deliveries ``queued`` and ``held`` at a cap, members left out for want of an
    address or for a suspended one, and the delivery outcomes (each count None below 5)."""

    message_id: int
    queued: int | None
    held: int | None
    no_address: int | None
    suspended: int | None
    delivered: Delivered


def compose(
    engine: Engine, caller: User, spec: AudienceSpec, subject: str, body: str, *, purpose: str,
    today: date | None = None,
) -> int:
    """Store a message for ``spec``'s audience; returns its ID.

    ``subject`` and ``body`` may hold ``{placeholders}`` of lpt.messaging.figures.FIGURES (public,
    disclosure-controlled figures of the audience's area, which must then be one force, district or
    ward; a streets or drawn-area audience takes its ward's). Status ``awaiting_approval`` when the
    audience needs approval (force, district), else ``approved``. Action ``send_messages``.
    """
    areas = spec.area(engine)
    _authorize(engine, caller, _SEND, areas, purpose)
    texts = [_text(subject, "subject"), _text(body, "body")]
    names = set().union(*(_placeholders(text) for text in texts))
    unknown = sorted(names - set(FIGURES))
    if unknown:
        raise LPTError(
            f"unknown placeholder{'s' if len(unknown) > 1 else ''} {', '.join('{' + n + '}' for n in unknown)}: "
            f"the known ones are {', '.join('{' + n + '}' for n in FIGURES)}"
        )
    figures = {}
    if names:
        streets = set(spec.streets) if spec.level == "streets" else (set() if spec.level == "area" else None)
        figures = message_figures(engine, caller, _one_area(spec, areas), purpose=purpose, streets=streets, today=today)
    texts = [text.format_map(figures) for text in texts]  # also turns {{ and }} into braces
    status = "awaiting_approval" if spec.needs_approval else "approved"
    with engine.begin() as connection:
        message_id = connection.execute(
            insert(messages).values(
                kind="feedback", author=caller.user_id, team_id=caller.team_id, audience=spec.to_json(), level=spec.level,
                subject=texts[0], body=texts[1], status=status, created_at=as_utc(None),
            ).returning(messages.c.id)
        ).scalar_one()
    _record(engine, caller, _SEND, purpose, areas, 0, f"composed message {message_id} ({status})")
    return message_id


def preview(
    engine: Engine, caller: User, message_id: int, *, now: datetime | None = None, channel: str = "email",
    purpose: str = "message preview",
) -> Preview:
    """Who sending the message at ``now`` would reach, and its text. Action ``send_messages``."""
    row, spec, areas = _load(engine, caller, _SEND, message_id, purpose)
    now = as_utc(now)
    audience = resolve(engine, spec, now.date(), channel=channel)
    eligible = audience.loc[audience["excluded"].isna(), "member_id"].tolist()
    with engine.connect() as connection:
        _, at_cap = split_by_cap(connection, eligible, now, Caps.configured())
    opted_out = count_opted_out(engine, spec, now.date())
    counts = shown_counts(
        matched=len(audience) + opted_out, opted_out=opted_out, **left_out(audience), at_cap=len(at_cap),
        will_receive=len(eligible) - len(at_cap),
    )
    _record(engine, caller, _SEND, purpose, areas, len(audience), f"previewed message {message_id}")
    return Preview(**counts, needs_approval=spec.needs_approval, status=row["status"], text=f"{row['subject']}\n\n{row['body']}")


def approve(engine: Engine, caller: User, message_id: int, *, purpose: str, note: str | None = None) -> None:
    """Approve a message awaiting approval (a supervisor over its area, not its author). Action ``approve_messages``."""
    _decide(engine, caller, message_id, "approved", purpose, note.strip() if note and note.strip() else None)


def reject(engine: Engine, caller: User, message_id: int, *, reason: str, purpose: str) -> None:
    """Reject a message awaiting approval; ``reason`` (why) is required. Action ``approve_messages``."""
    _decide(engine, caller, message_id, "rejected", purpose, _text(reason, "a rejection's reason"))


def send(
    engine: Engine, caller: User, message_id: int, transport: Transport, *, now: datetime | None = None, purpose: str
) -> SendReport:
    """Send an approved message through ``transport`` (see the module's life cycle). Action ``send_messages``."""
    row, spec, areas = _load(engine, caller, _SEND, message_id, purpose, feedback_only=True)
    _sendable(message_id, row["status"])
    now = as_utc(now)
    audience = resolve(engine, spec, now.date(), channel=transport.channel)
    eligible = audience[audience["excluded"].isna()]
    with serialised(engine) as connection:
        _sendable(message_id, connection.execute(select(messages.c.status).where(messages.c.id == message_id)).scalar_one())
        caps = Caps.configured()
        under, held = reserve(connection, eligible["member_id"].tolist(), now, caps)
        addresses = dict(zip(eligible["member_id"], eligible["address"]))
        queued = queue_deliveries(
            connection, message_id, transport.channel, now, {m: addresses[m] for m in under}, held, f"at a frequency cap ({caps})"
        )
        connection.execute(update(messages).where(messages.c.id == message_id).values(status="sent", sent_at=now))
    _record(engine, caller, _SEND, purpose, areas, len(queued), f"sent message {message_id}: {len(queued)} queued, {len(held)} held")
    outcome = deliver(engine, transport, list(queued.values()), now)
    counts = shown_counts(queued=len(queued), held=len(held), **left_out(audience))
    return SendReport(message_id=message_id, **counts, delivered=outcome)


def deliver_queued(
    engine: Engine, caller: User, transport: Transport, *, purpose: str, message_id: int | None = None,
    now: datetime | None = None,
) -> Delivered:
    """Hand deliveries still queued (a send or survey run stopped by a crash) to ``transport``.

    With ``message_id``: that message's, for a user allowed to send it (``send_messages``); without:
    every message's, for the scheduler's service admin (``send_survey_invitations``). Run it when no
    send is running: a delivery being handed over by a running send is still queued.
    """
    if message_id is None:
        authorize(engine, caller, "send_survey_invitations", purpose=purpose, area=FORCE)
        areas: Sequence[Area] = (FORCE,)
    else:
        _, _, areas = _load(engine, caller, _SEND, message_id, purpose)
    query = select(deliveries.c.id).where(deliveries.c.status == "queued", deliveries.c.channel == transport.channel)
    if message_id is not None:
        query = query.where(deliveries.c.message_id == message_id)
    with engine.connect() as connection:
        ids = connection.execute(query.order_by(deliveries.c.id)).scalars().all()
    outcome = deliver(engine, transport, ids, as_utc(now))
    _record(engine, caller, _SEND, purpose, areas, len(ids), f"resumed {len(ids)} queued deliveries")
    return outcome


def messages_of(engine: Engine, caller: User, *, purpose: str) -> pd.DataFrame:
    """Messages whose audience lies in the caller's areas, newest first, with their deliveries per status.

    Columns: ``id``, ``kind``, ``level``, ``audience`` (in words), ``subject``, ``status``, ``author``,
    ``approved_by``, ``decision_reason``, ``wave``, ``created_at``, ``sent_at`` and the copies per
    delivery status (``queued``, ``sent``, ``bounced``, ``failed``, ``held``; each <NA> below 5).
    Action ``message_reports``.
    """
    allowed = authorize(engine, caller, _REPORTS, purpose=purpose, area=MINE)
    columns = ["id", "kind", "level", "audience", "subject", "status", "author", "approved_by", "decision_reason",
               "wave", "created_at", "sent_at"]
    listed = read_query(engine, select(*(messages.c[c] for c in columns)).order_by(messages.c.created_at.desc(), messages.c.id.desc()))
    specs = {text: AudienceSpec.from_json(text) for text in listed["audience"].unique()}
    inside = audiences_within(engine, specs, allowed.wards)
    listed = listed[listed["audience"].map(inside).astype(bool)].reset_index(drop=True)
    counted = read_query(
        engine,
        select(deliveries.c.message_id, deliveries.c.status, func.count().label("n"))
        .where(deliveries.c.message_id.in_(listed["id"].tolist()))
        .group_by(deliveries.c.message_id, deliveries.c.status),
    )
    table = counted.pivot_table(index="message_id", columns="status", values="n", aggfunc="sum", fill_value=0) if len(counted) else pd.DataFrame()
    table = table.reindex(index=listed["id"], columns=list(_DELIVERY_STATUSES), fill_value=0).fillna(0).astype(int)
    shown = table.apply(disclose_counts, audience=Audience.INTERNAL).reset_index(drop=True)
    listed["audience"] = listed["audience"].map(lambda text: specs[text].describe())
    record_access(engine, caller.user_id, _REPORTS, purpose, MINE, len(listed), "allowed", "listed messages")
    return pd.concat([listed, shown], axis=1)


# --- delivery (shared with lpt.messaging.surveys) ----------------------------------


def shown_counts(**counts: int) -> dict[str, int | None]:
    """Counts of members as staff may see them: each through internal disclosure control (None below 5)."""
    return {name: disclose_count(int(n), Audience.INTERNAL) for name, n in counts.items()}


def queue_deliveries(
    connection: Connection, message_id: int, channel: str, now: datetime, queued: Mapping[str, str],
    held: Sequence[str], reason: str,
) -> dict[str, int]:
    """Insert the deliveries of one message: ``queued`` (member -> address) and ``held`` (members at a
    cap, with ``reason``). Call inside the serialised transaction that reserved the caps. Returns the
    queued ones' delivery IDs by member."""
    rows = [
        {"message_id": message_id, "member_id": member, "channel": channel, "address": address, "status": "queued",
         "reason": None, "queued_at": now}
        for member, address in queued.items()
    ] + [
        {"message_id": message_id, "member_id": member, "channel": channel, "address": None, "status": "held",
         "reason": reason, "queued_at": now}
        for member in held
    ]
    if not rows:
        return {}
    inserted = connection.execute(insert(deliveries).returning(deliveries.c.id, deliveries.c.member_id, deliveries.c.status), rows)
    return {member: delivery for delivery, member, status in inserted if status == "queued"}


def deliver(engine: Engine, transport: Transport, delivery_ids: Sequence[int], now: datetime) -> Delivered:
    """Hand queued deliveries to ``transport`` in batches of :data:`BATCH` and record each outcome; a
    member who left (or was erased) since is not written to (``failed``, "left the scheme"). A transport
    that raises stops the run with the rest still queued (:func:`deliver_queued` resumes them)."""
    outcomes: Counter = Counter()
    for start in range(0, len(delivery_ids), BATCH):
        outcomes += _deliver_batch(engine, transport, delivery_ids[start : start + BATCH], now)
    return Delivered(**shown_counts(**{name: outcomes[name] for name in ("sent", "bounced", "failed", "newly_suspended")}))


# --- internals --------------------------------------------------------------------


def _deliver_batch(engine: Engine, transport: Transport, ids: Sequence[int], now: datetime) -> Counter:
    query = (
        select(deliveries.c.id, deliveries.c.member_id, deliveries.c.address, messages.c.kind, messages.c.subject,
               messages.c.body, members.c.member_id.label("stored"), members.c.opted_out)
        .join(messages, messages.c.id == deliveries.c.message_id)
        .outerjoin(members, members.c.member_id == deliveries.c.member_id)
        .where(deliveries.c.id.in_(list(ids)), deliveries.c.status == "queued")
        .order_by(deliveries.c.id)
    )
    with engine.connect() as connection:
        rows = connection.execute(query).all()
    gone = {r.id for r in rows if r.stored is None or not r.address or (r.opted_out is not None and r.opted_out <= now.date())}
    left = [r for r in rows if r.id in gone]
    live = [r for r in rows if r.id not in gone]
    # each copy ends with its recipient's own reply (or survey) and unsubscribe links (lpt.messaging.links)
    results = transport.deliver([resident_envelope(r.id, r.address, r.subject, r.body, r.kind) for r in live]) if live else []
    if len(results) != len(live) or any(o.status not in ("sent", "bounced", "failed") for o in results):
        raise LPTError(f"the {transport.channel} transport must return one sent, bounced or failed outcome per envelope")
    changes = [{"d_id": r.id, "d_status": o.status, "d_reason": o.reason, "d_sent": now if o.status == "sent" else None}
               for r, o in zip(live, results)]
    changes += [{"d_id": r.id, "d_status": "failed", "d_reason": _LEFT, "d_sent": None} for r in left]
    if changes:
        with engine.begin() as connection:
            connection.execute(
                update(deliveries)
                .where(deliveries.c.id == bindparam("d_id"), deliveries.c.status == "queued")
                .values(status=bindparam("d_status"), reason=bindparam("d_reason"), sent_at=bindparam("d_sent")),
                changes,
            )
            erased = [r.id for r in left if r.stored is None]  # erased while it was queued: keep no address
            if erased:
                connection.execute(update(deliveries).where(deliveries.c.id.in_(erased)).values(member_id=None, address=None))
    counts = Counter(change["d_status"] for change in changes)
    bounced = {(r.member_id, r.address) for r, o in zip(live, results) if o.status == "bounced" and r.member_id}
    if bounced:
        with serialised(engine) as connection:  # one suspension per member and channel, however many run
            counts["newly_suspended"] = sum(_suspend(connection, member, address, transport.channel, now) for member, address in bounced)
    return counts


def _suspend(connection: Connection, member_id: str, address: str, channel: str, now: datetime) -> int:
    """Suspend the member's channel when its address bounced ``bounce_limit()`` times in a row; 1 if it did now."""
    limit = settings.bounce_limit()
    latest = connection.execute(
        select(deliveries.c.status)
        .where(deliveries.c.member_id == member_id, deliveries.c.channel == channel, deliveries.c.address == address,
               deliveries.c.status.in_(("sent", "bounced")))
        .order_by(deliveries.c.queued_at.desc(), deliveries.c.id.desc())
        .limit(limit)
    ).scalars().all()
    known = connection.execute(
        select(contact_suspensions.c.member_id).where(contact_suspensions.c.member_id == member_id, contact_suspensions.c.channel == channel)
    ).first()
    if known is not None or len(latest) < limit or any(status != "bounced" for status in latest):
        return 0
    connection.execute(insert(contact_suspensions).values(member_id=member_id, channel=channel, since=now, reason=f"{limit} bounces in a row"))
    return 1


def _load(
    engine: Engine, caller: User, action: str, message_id: int, purpose: str, *, feedback_only: bool = False
) -> tuple[dict, AudienceSpec, tuple[Area, ...]]:
    """The stored message, its audience and areas, after authorizing ``action`` over them."""
    with engine.connect() as connection:
        row = connection.execute(select(messages).where(messages.c.id == message_id)).mappings().first()
    if row is None:
        raise LPTError(f"no message {message_id}")
    if feedback_only and row["kind"] != "feedback":
        raise LPTError(f"message {message_id} is a survey invitation: those go out through lpt.messaging.surveys.send_due")
    spec = AudienceSpec.from_json(row["audience"])
    areas = spec.area(engine)
    _authorize(engine, caller, action, areas, purpose)
    return dict(row), spec, areas


def _decide(engine: Engine, caller: User, message_id: int, status: str, purpose: str, reason: str | None) -> None:
    row, _, areas = _load(engine, caller, _APPROVE, message_id, purpose)
    if row["author"] == caller.user_id:
        _record(engine, caller, _APPROVE, purpose, areas, 0, f"message {message_id}: the author may not decide on it", "refused")
        raise PermissionDenied(f"{caller.user_id} wrote message {message_id}: another supervisor must approve or reject it")
    with engine.begin() as connection:
        changed = connection.execute(
            update(messages)
            .where(messages.c.id == message_id, messages.c.status == "awaiting_approval")
            .values(status=status, approved_by=caller.user_id, approved_at=as_utc(None), decision_reason=reason)
        ).rowcount
        current = connection.execute(select(messages.c.status).where(messages.c.id == message_id)).scalar_one()
    if not changed:
        raise LPTError(f"message {message_id} is {current.replace('_', ' ')}: only a message awaiting approval can be {status}")
    _record(engine, caller, _APPROVE, purpose, areas, 0, f"message {message_id} {status}")


def _authorize(engine: Engine, caller: User, action: str, areas: Sequence[Area], purpose: str) -> None:
    for area in areas:
        authorize(engine, caller, action, purpose=purpose, area=area)


def _record(
    engine: Engine, caller: User, action: str, purpose: str, areas: Sequence[Area], records: int, detail: str,
    outcome: str = "allowed",
) -> None:
    """One audit entry for a request over ``areas`` (several areas are named in the detail)."""
    area = areas[0] if len(areas) == 1 else None
    if area is None:
        detail += f" (areas: {', '.join(map(str, areas))})"
    record_access(engine, caller.user_id, action, purpose, area, records, outcome, detail)


def _sendable(message_id: int, status: str) -> None:
    if status != "approved":
        raise LPTError(f"message {message_id} {_NOT_SENDABLE.get(status, f'is {status}')}: only an approved message can be sent")


def _one_area(spec: AudienceSpec, areas: Sequence[Area]) -> Area:
    """The one force, district or ward whose figures a message quotes."""
    if len(areas) != 1:
        raise LPTError(
            f"figures describe one area, and this audience spans {len(areas)} ({', '.join(map(str, areas))}): "
            "send one message per area, or leave the placeholders out"
        )
    return areas[0]


def _placeholders(text: str) -> set[str]:
    try:
        return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
    except ValueError as exc:
        raise LPTError(f"a message's braces must pair up ({{name}} for a figure, {{{{ for a brace): {exc}") from None


def _text(value: str, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise LPTError(f"{what} is empty")
    return value.strip()
