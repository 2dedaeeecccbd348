"""Officers' side of residents' replies: reading and answering them, and engagement per message and ward.

Who sees a reply: the author of the message it answers, and a supervisor whose team the author
belongs to (the message's team, or the author's team now) or who covers every ward of the
message's audience. Another officer of the same ward does not: a reply is written to the sender.
Action ``read_replies`` (officers and supervisors, own area), for reading and answering alike,
each audited. A reply carries the resident's words and the ward they live in, never their name,
address or e-mail; the answer goes to them through the store, so the officer never learns those.

Engagement (action ``message_reports``) counts, per message or per ward and kind of message,
what residents did with the copies they got; every count goes through internal disclosure
control on its own (``lpt.disclosure.disclose_count``: below 5, zero included, <NA>), as the
message counts of lpt.messaging.send do, and for the same reason: they are operational counts
read beside each other, not a table to publish.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

import pandas as pd
from sqlalchemy import Engine, and_, insert, literal, select, update

from lpt.access.guard import MINE, Authorized, PermissionDenied, User, authorize, record_access
from lpt.disclosure import Audience, disclose_counts
from lpt.errors import LPTError
from lpt.messaging.audience import CHANNELS, audiences_within
from lpt.messaging.caps import as_utc
from lpt.messaging.send import deliver, queue_deliveries
from lpt.messaging.transport import Transport
from lpt.store.frames import read_query
from lpt.store.schema import (
    contact_suspensions,
    deliveries,
    members,
    messages,
    postcode_links,
    replies,
    survey_invitations,
    survey_responses,
    users,
)

__all__ = ["BY", "COUNTS", "OPT_OUT_DAYS", "Answered", "answer_reply", "engagement", "replies_of"]

#: What :func:`engagement` counts, in its column order.
COUNTS = ("recipients", "delivered", "replies", "survey_answers", "opt_outs_after")
#: What :func:`engagement` may group by.
BY = ("message", "ward")
#: A recipient who opts out within this many days of getting a copy counts as an opt-out after it.
OPT_OUT_DAYS = 30
_READ, _REPORTS = "read_replies", "message_reports"
#: Kinds of message engagement counts (an answer to one reply is a conversation, not a message to count).
_COUNTED_KINDS = ("feedback", "survey_invitation")
_RATES = {"delivered_pct": ("delivered", "recipients"), "reply_pct": ("replies", "delivered"),
          "survey_pct": ("survey_answers", "delivered"), "opt_out_pct": ("opt_outs_after", "recipients")}
_REPLY_COLUMNS = ["id", "message_id", "subject", "received_at", "body", "answered_by", "answer", "answered_at", "ward_code"]


@dataclass(frozen=True)
class Answered:
    """An answer sent: the reply, the new message of kind ``reply_answer`` that carried the answer, and
    its one delivery's status (``sent``, ``bounced`` or ``failed``). A transport that raises leaves the
    answer recorded and its delivery queued (lpt.messaging.send.deliver_queued sends it)."""

    reply_id: int
    message_id: int
    status: str


def replies_of(engine: Engine, caller: User, *, message_id: int | None = None, purpose: str) -> pd.DataFrame:
    """Replies the caller may see (all of them, or those to ``message_id``), newest first.

    Columns: ``id``, ``message_id``, ``subject`` (of the message replied to), ``received_at``,
    ``body``, ``answered_by``, ``answer``, ``answered_at``, ``ward_code`` (where the resident lives
    now; <NA> once erased). Action ``read_replies``; PermissionDenied for a ``message_id`` the caller
    may not see.
    """
    allowed = authorize(engine, caller, _READ, purpose=purpose, area=MINE)
    query = (
        select(*(replies.c[c] for c in ("id", "message_id", "received_at", "body", "answered_by", "answer", "answered_at")),
               messages.c.subject, postcode_links.c.ward_code)
        .join(messages, messages.c.id == replies.c.message_id)
        .outerjoin(members, members.c.member_id == replies.c.member_id)
        .outerjoin(postcode_links, postcode_links.c.postcode == members.c.postcode)
        .order_by(replies.c.received_at.desc(), replies.c.id.desc())
    )
    if message_id is not None:
        _check_visible(engine, allowed, message_id, "read replies to")
        query = query.where(replies.c.message_id == message_id)
    listed = read_query(engine, query)
    listed = listed[listed["message_id"].isin(_visible(engine, allowed, listed["message_id"]))][_REPLY_COLUMNS]
    detail = "replies" + (f" to message {message_id}" if message_id is not None else "")
    record_access(engine, caller.user_id, _READ, purpose, MINE, len(listed), "allowed", detail)
    return listed.reset_index(drop=True)


def answer_reply(
    engine: Engine, caller: User, reply_id: int, text: str, transport: Transport, *, purpose: str,
    now: datetime | None = None,
) -> Answered:
    """Answer a resident's reply: the answer goes to them as a message of kind ``reply_answer``
    (subject ``Re: <the message's subject>``, the officer's words, with the resident's own reply and
    unsubscribe links like every message) through ``transport``, to the member's address on its
    channel; the reply records ``answered_by``, ``answer`` and ``answered_at``. Once per reply.

    For the message's author or a supervisor who may see the reply (action ``read_replies``).
    An answer to the resident's own reply is **exempt from the frequency caps**: they asked, so it
    is never held for want of a place; its copy then counts towards the caps like every message
    (lpt.messaging.caps), so other messages wait their turn. It **never goes to a member who has
    opted out** (or been erased, or whose address is suspended): LPTError, nothing recorded.
    """
    allowed = authorize(engine, caller, _READ, purpose=purpose, area=MINE)
    now = as_utc(now)
    words = (text or "").strip()
    if not words:
        raise LPTError("an answer is empty")
    address_of = CHANNELS.get(transport.channel)
    if address_of is None:
        raise LPTError(f"no member address for the {transport.channel} channel (known: {', '.join(CHANNELS)})")
    query = (
        select(replies.c.message_id, replies.c.member_id, replies.c.answered_at, messages.c.subject, messages.c.audience,
               messages.c.level, members.c.opted_out, address_of.label("address"),
               contact_suspensions.c.since.label("suspended"))
        .join(messages, messages.c.id == replies.c.message_id)
        .outerjoin(members, members.c.member_id == replies.c.member_id)
        .outerjoin(contact_suspensions, and_(contact_suspensions.c.member_id == replies.c.member_id,
                                             contact_suspensions.c.channel == transport.channel))
        .where(replies.c.id == reply_id)
    )
    with engine.connect() as connection:
        row = connection.execute(query).first()
    if row is None:
        raise LPTError(f"no reply {reply_id}")
    _check_visible(engine, allowed, row.message_id, "answer replies to")
    _check_answerable(reply_id, row, now, transport.channel)
    with engine.begin() as connection:
        claimed = connection.execute(
            update(replies).where(replies.c.id == reply_id, replies.c.answered_at.is_(None))
            .values(answered_by=caller.user_id, answer=words, answered_at=now)
        ).rowcount
        if not claimed:
            raise LPTError(f"reply {reply_id} was answered already")
        answer_id = connection.execute(
            insert(messages).values(
                kind="reply_answer", author=caller.user_id, team_id=caller.team_id, audience=row.audience, level=row.level,
                subject=f"Re: {row.subject}", body=words, status="sent",
                decision_reason=f"an answer to reply {reply_id}: no approval needed", wave=None, created_at=now, sent_at=now,
            ).returning(messages.c.id)
        ).scalar_one()
        queued = queue_deliveries(connection, answer_id, transport.channel, now, {row.member_id: row.address}, [], "")
        connection.execute(update(replies).where(replies.c.id == reply_id).values(answer_message_id=answer_id))
    deliver(engine, transport, list(queued.values()), now)
    with engine.connect() as connection:
        status = connection.execute(select(deliveries.c.status).where(deliveries.c.message_id == answer_id)).scalar_one()
    record_access(engine, caller.user_id, _READ, purpose, MINE, 1, "allowed",
                  f"answered reply {reply_id} to message {row.message_id}: {status}")
    return Answered(reply_id=reply_id, message_id=answer_id, status=status)


def engagement(engine: Engine, caller: User, *, by: str = "message", purpose: str) -> pd.DataFrame:
    """What residents did with the copies of messages (feedback messages and survey invitations).

    Per copy (a member who got three messages counts three times): ``recipients`` (copies not held
    at a cap), ``delivered`` (sent), ``replies`` (copies replied to, however often), ``survey_answers``
    (invitations answered in their wave, by the web form or an imported answer), ``opt_outs_after``
    (recipients who opted out within :data:`OPT_OUT_DAYS` days after their copy went, that day
    included), and the rates ``delivered_pct`` (of recipients), ``reply_pct`` and ``survey_pct`` (of
    delivered) and ``opt_out_pct`` (of recipients), each only where both counts are shown.

    ``by='message'``: one row per message whose audience lies in the caller's areas (as
    lpt.messaging.send.messages_of lists them), newest first: ``message_id``, ``kind``, ``subject``,
    ``sent_at`` and the counts. ``by='ward'``: one row per ward of the caller's areas and kind of
    message, over every message, counting the copies of members living there now (copies of erased
    members, or of members whose postcode is not linked, have no ward and are left out):
    ``ward_code``, ``kind``, ``messages`` and the counts. Action ``message_reports``.
    """
    if by not in BY:
        raise LPTError(f"engagement is by {' or '.join(BY)}, not {by!r}")
    allowed = authorize(engine, caller, _REPORTS, purpose=purpose, area=MINE)
    sent = read_query(
        engine,
        select(messages.c.id.label("message_id"), messages.c.kind, messages.c.subject, messages.c.sent_at, messages.c.audience)
        .where(messages.c.kind.in_(_COUNTED_KINDS), messages.c.status == "sent")
        .order_by(messages.c.sent_at.desc(), messages.c.id.desc()),
    )
    if by == "message":
        sent = sent[sent["audience"].map(audiences_within(engine, sent["audience"], allowed.wards)).astype(bool)]
    copies = _copies(engine, sent["message_id"].tolist(), allowed.wards if by == "ward" else None)
    if by == "message":
        counted = _count(copies, ["message_id"]).reindex(sent["message_id"], fill_value=0)
        table = sent.drop(columns="audience").set_index("message_id").join(counted).reset_index()
    else:
        counted = _count(copies, ["ward_code", "kind"])
        messages_per = copies.groupby(["ward_code", "kind"])["message_id"].nunique().rename("messages")
        table = pd.concat([messages_per, counted], axis=1).reset_index()
    record_access(engine, caller.user_id, _REPORTS, purpose, MINE, len(copies), "allowed", f"engagement by {by}")
    return _shown(table)


# --- internals --------------------------------------------------------------------


def _visible(engine: Engine, allowed: Authorized, message_ids: Iterable[int]) -> set[int]:
    """Which of these messages' replies the caller may see (see the module's rule)."""
    wanted = sorted({int(m) for m in message_ids})
    if not wanted:
        return set()
    rows = read_query(
        engine,
        select(messages.c.id, messages.c.author, messages.c.team_id, messages.c.audience, users.c.team_id.label("author_team"))
        .outerjoin(users, users.c.user_id == messages.c.author)
        .where(messages.c.id.in_(wanted)),
    )
    caller = allowed.user
    own = rows["author"] == caller.user_id
    if caller.role != "supervisor":
        return set(rows.loc[own, "id"])
    team = pd.Series(False, index=rows.index)
    if caller.team_id:
        team = (rows["team_id"] == caller.team_id) | (rows["author_team"] == caller.team_id)
    covered = rows["audience"].map(audiences_within(engine, rows["audience"], allowed.wards)).astype(bool)
    return set(rows.loc[own | team | covered, "id"])


def _check_visible(engine: Engine, allowed: Authorized, message_id: int, doing: str) -> None:
    """LPTError for an unknown message; PermissionDenied (audited) for one the caller may not see."""
    with engine.connect() as connection:
        known = connection.execute(select(messages.c.id).where(messages.c.id == message_id)).first()
    if known is None:
        raise LPTError(f"no message {message_id}")
    if message_id not in _visible(engine, allowed, [message_id]):
        caller = allowed.user
        reason = "only its author and their supervisors may"
        record_access(engine, caller.user_id, _READ, allowed.purpose, MINE, 0, "refused", f"message {message_id}: {reason}")
        raise PermissionDenied(f"{caller.user_id} may not {doing} message {message_id}: {reason}")


def _check_answerable(reply_id: int, row, now: datetime, channel: str) -> None:
    """LPTError when the answer may not or cannot go to the resident."""
    if row.member_id is None:
        raise LPTError(f"reply {reply_id} came from a member who has since been erased: there is no one to answer")
    if row.opted_out is not None and row.opted_out <= now.date():
        raise LPTError(f"the member who wrote reply {reply_id} has opted out: no message goes to them, answers included")
    if row.answered_at is not None:
        raise LPTError(f"reply {reply_id} was answered already")
    if not row.address:
        raise LPTError(f"the member who wrote reply {reply_id} has no {channel} address")
    if row.suspended is not None:
        raise LPTError(f"the member's {channel} address is suspended after bounces: the answer cannot reach them")


def _copies(engine: Engine, message_ids: list[int], wards: frozenset[str] | None) -> pd.DataFrame:
    """One row per copy (not held) of these messages: message, kind, status, the member's ward now, whether
    it was replied to, whether the invitation was answered in its wave, whether the member opted out
    within OPT_OUT_DAYS after it (all in SQL, so no personal data is loaded)."""
    replied = select(literal(1)).where(replies.c.delivery_id == deliveries.c.id).exists()
    answered = (
        select(literal(1))
        .select_from(survey_invitations.join(survey_responses, and_(
            survey_responses.c.member_id == survey_invitations.c.member_id, survey_responses.c.wave == survey_invitations.c.wave)))
        .where(survey_invitations.c.delivery_id == deliveries.c.id)
        .exists()
    )
    query = (
        select(deliveries.c.message_id, messages.c.kind, deliveries.c.status, deliveries.c.queued_at, members.c.opted_out,
               postcode_links.c.ward_code, replied.label("replied"), answered.label("answered"))
        .join(messages, messages.c.id == deliveries.c.message_id)
        .outerjoin(members, members.c.member_id == deliveries.c.member_id)
        .outerjoin(postcode_links, postcode_links.c.postcode == members.c.postcode)
        .where(deliveries.c.message_id.in_(message_ids), deliveries.c.status != "held")
    )
    if wards is not None:
        query = query.where(postcode_links.c.ward_code.in_(sorted(wards)))
    rows = read_query(engine, query)
    went = pd.to_datetime(rows["queued_at"], utc=True).dt.tz_localize(None).dt.normalize()
    left = pd.to_datetime(rows["opted_out"])
    after = left.notna() & (left >= went) & (left <= went + timedelta(days=OPT_OUT_DAYS))
    return rows.drop(columns=["queued_at", "opted_out"]).assign(
        delivered=rows["status"] == "sent", replied=rows["replied"].astype(bool), answered=rows["answered"].astype(bool),
        opted_out_after=after,
    )


def _count(copies: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """The exact counts of :data:`COUNTS` per ``keys``."""
    grouped = copies.groupby(keys)
    counted = pd.DataFrame({
        "recipients": grouped.size(),
        "delivered": grouped["delivered"].sum(),
        "replies": grouped["replied"].sum(),
        "survey_answers": grouped["answered"].sum(),
        "opt_outs_after": grouped["opted_out_after"].sum(),
    })
    return counted.reindex(columns=list(COUNTS)).fillna(0).astype("int64")


def _shown(table: pd.DataFrame) -> pd.DataFrame:
    """Counts through internal disclosure control (<NA> below 5), then the rates of the shown ones."""
    table = table.copy()
    for column in COUNTS:
        table[column] = disclose_counts(table[column], Audience.INTERNAL)
    for rate, (part, whole) in _RATES.items():
        share = table[part].astype("Float64") / table[whole].astype("Float64").replace(0, pd.NA)
        table[rate] = (100 * share).round(1)
    return table.reset_index(drop=True)
