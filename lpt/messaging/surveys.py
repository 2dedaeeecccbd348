"""Quarterly survey invitations, sent by a scheduler, and the response rates they bring.

Every registered member is invited once per wave (a calendar quarter, ``YYYYQn``).
:func:`send_due` is safe to run as often as a scheduler likes, from several machines at once:
inside one serialised transaction (lpt.store.locks) it gets or creates the wave's invitation
message, leaves out members already invited (``survey_invitations`` has one row per member and
wave, so a repeat or a concurrent run invites nobody twice), reserves places under the frequency
caps and queues a delivery for each invitation. A member at a cap is simply not invited by that
run: a later run in the same wave invites them once the cap allows. The invitation is the
routine quarterly survey, so it needs no approval; it counts towards the caps like any message.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pandas as pd
from sqlalchemy import Connection, Engine, insert, literal, select

from lpt.access.guard import FORCE, MINE, Area, User, authorize, record_access
from lpt.disclosure import TOTAL, Audience, disclose
from lpt.errors import LPTError
from lpt.messaging.audience import AudienceSpec, left_out, resolve
from lpt.messaging.caps import Caps, as_utc, reserve
from lpt.messaging.send import Delivered, deliver, queue_deliveries, shown_counts
from lpt.messaging.transport import Transport
from lpt.store.frames import read_query
from lpt.store.locks import serialised
from lpt.store.schema import members, messages, postcode_links, survey_invitations, survey_responses
from lpt.vocab import GROUPS

__all__ = ["BASES", "BY", "INVITATION_BODY", "INVITATION_SUBJECT", "SurveyReport", "current_wave", "response_rates", "send_due"]

INVITATION_SUBJECT = "Your say on policing where you live: survey {wave}"
INVITATION_BODY = (
    "Every three months we ask members how safe they feel, how confident they are in local policing and what "
    "matters most where they live. Your answers decide where officers focus and are reported back to you.\n\n"
    "The survey takes about five minutes. Thank you for taking part."
)
#: What :func:`response_rates` may group by, and the column it names.
BY = {"ward": "ward_code", "district": "district_code", "group": "group"}
#: Whom :func:`response_rates` counts as asked: members invited to the wave (``survey_invitations``), or
#: members registered on the wave's first day (waves from before invitations were recorded, e.g. an
#: imported history, when every registered member was asked).
BASES = ("invited", "registered")
_ACTION = "send_survey_invitations"


@dataclass(frozen=True)
class SurveyReport:
    """One run of :func:`send_due`: the ``wave``, its invitation ``message_id``, and counts (each None
    below 5, lpt.messaging.send.shown_counts): members ``invited`` now, ``already_invited`` this wave,
    ``waiting`` at a cap (a later run invites them), left out for want of an address (``no_address``)
    or for a ``suspended`` one; and the delivery outcomes."""

    wave: str
    message_id: int
    invited: int | None
    already_invited: int | None
    waiting: int | None
    no_address: int | None
    suspended: int | None
    delivered: Delivered


def current_wave(now: datetime | None = None) -> str:
    """The survey wave of ``now`` (default: now, UTC): its calendar quarter, e.g. ``2025Q3``."""
    now = as_utc(now)
    return f"{now.year}Q{(now.month - 1) // 3 + 1}"


def send_due(
    engine: Engine, caller: User, transport: Transport, *, now: datetime | None = None,
    purpose: str = "quarterly survey invitations",
) -> SurveyReport:
    """Invite every registered member not yet invited to the wave of ``now`` whom the caps allow.

    For the scheduler, running as a service admin (action ``send_survey_invitations``, force-wide).
    """
    authorize(engine, caller, _ACTION, purpose=purpose, area=FORCE)
    now = as_utc(now)
    wave = current_wave(now)
    audience = resolve(engine, AudienceSpec("force"), now.date(), channel=transport.channel)
    eligible = audience[audience["excluded"].isna()]
    addresses = dict(zip(eligible["member_id"], eligible["address"]))
    with serialised(engine) as connection:
        message_id = _wave_message(connection, caller, wave, now)
        done = _invited(connection, wave)
        due = [member for member in eligible["member_id"] if member not in done]
        under, waiting = reserve(connection, due, now, Caps.configured())
        queued = queue_deliveries(connection, message_id, transport.channel, now, {m: addresses[m] for m in under}, [], "")
        if queued:
            connection.execute(
                insert(survey_invitations),
                [{"member_id": m, "wave": wave, "delivery_id": d, "invited_at": now} for m, d in queued.items()],
            )
    record_access(engine, caller.user_id, _ACTION, purpose, FORCE, len(queued), "allowed", f"wave {wave}: invited {len(queued)}")
    outcome = deliver(engine, transport, list(queued.values()), now)
    counts = shown_counts(
        invited=len(queued), already_invited=len(eligible) - len(due), waiting=len(waiting), **left_out(audience)
    )
    return SurveyReport(wave=wave, message_id=message_id, **counts, delivered=outcome)


def response_rates(
    engine: Engine, caller: User, *, by: str = "ward", wave: str | None = None, purpose: str, area: Area = MINE,
    base: str = "invited",
) -> pd.DataFrame:
    """Members asked and those who answered, per wave and ward, district or group (``by``).

    Columns: ``wave``, the group column (``ward_code``, ``district_code`` or ``group``), ``invited``
    (members asked: see ``base``, :data:`BASES`), ``responded`` (of them, those with an answer in that
    wave) and ``rate_pct``. Counts through internal disclosure control per wave (<NA> where hidden; a
    rate only where both are shown); the ward and district tables end with a ``Total`` row (a member in
    several groups counts in each, so the group table has none). Only members in ``area`` (default: the
    caller's areas; action ``message_reports``).
    """
    if by not in BY:
        raise LPTError(f"response rates are by {', '.join(BY)}, not {by!r}")
    if base not in BASES:
        raise LPTError(f"response rates count members {' or '.join(BASES)}, not {base!r}")
    allowed = authorize(engine, caller, "message_reports", purpose=purpose, area=area)
    column = BY[by]
    if base == "invited":
        invited = read_query(engine, _invitations(wave, allowed.wards, by))
    else:
        invited = _registered(engine, wave, allowed.wards)
    frames = [_rates(rows, column, by != "group").assign(wave=w) for w, rows in invited.groupby("wave", sort=True)]
    record_access(engine, caller.user_id, "message_reports", purpose, allowed.area,
                  len(invited), "allowed", f"response rates by {by} of members {base}" + (f", wave {wave}" if wave else ""))
    columns = ["wave", column, "invited", "responded", "rate_pct"]
    return pd.concat(frames, ignore_index=True)[columns] if frames else pd.DataFrame(columns=columns)


# --- internals --------------------------------------------------------------------


def _wave_message(connection: Connection, caller: User, wave: str, now: datetime) -> int:
    """The wave's invitation message, created on the wave's first run (inside the serialised transaction)."""
    found = connection.execute(
        select(messages.c.id).where(messages.c.kind == "survey_invitation", messages.c.wave == wave)
    ).scalar_one_or_none()
    if found is not None:
        return found
    return connection.execute(
        insert(messages).values(
            kind="survey_invitation", author=caller.user_id, team_id=None, audience=AudienceSpec("force").to_json(),
            level="force", subject=INVITATION_SUBJECT.format(wave=wave), body=INVITATION_BODY, status="sent",
            decision_reason="the routine quarterly survey: no approval needed", wave=wave, created_at=now, sent_at=now,
        ).returning(messages.c.id)
    ).scalar_one()


def _invited(connection: Connection, wave: str) -> set[str]:
    return set(connection.execute(select(survey_invitations.c.member_id).where(survey_invitations.c.wave == wave)).scalars())


def _invitations(wave: str | None, wards: frozenset[str] | None, by: str):
    """One row per invitation (per group for ``by='group'``): wave, the member's place and groups, answered or not."""
    answered = (
        select(literal(1))
        .where(survey_responses.c.member_id == survey_invitations.c.member_id, survey_responses.c.wave == survey_invitations.c.wave)
        .exists()
    )
    query = (
        select(survey_invitations.c.wave, postcode_links.c.ward_code, postcode_links.c.district_code, members.c.groups,
               answered.label("responded"))
        .join(members, members.c.member_id == survey_invitations.c.member_id)
        .outerjoin(postcode_links, postcode_links.c.postcode == members.c.postcode)
    )
    if wave is not None:
        query = query.where(survey_invitations.c.wave == wave)
    if wards is not None:
        query = query.where(postcode_links.c.ward_code.in_(sorted(wards)))
    return query


def _registered(engine: Engine, wave: str | None, wards: frozenset[str] | None) -> pd.DataFrame:
    """As :func:`_invitations` reads, for the members registered on the first day of each wave answered (or
    of ``wave``): wave, the member's place and groups, answered or not."""
    query = (
        select(members.c.member_id, postcode_links.c.ward_code, postcode_links.c.district_code, members.c.groups,
               members.c.opted_in, members.c.opted_out)
        .outerjoin(postcode_links, postcode_links.c.postcode == members.c.postcode)
    )
    if wards is not None:
        query = query.where(postcode_links.c.ward_code.in_(sorted(wards)))
    people = read_query(engine, query)
    answers = select(survey_responses.c.member_id, survey_responses.c.wave).distinct()
    answered = read_query(engine, answers if wave is None else answers.where(survey_responses.c.wave == wave))
    opted_in, opted_out = pd.to_datetime(people["opted_in"]), pd.to_datetime(people["opted_out"])
    frames = []
    for asked in [wave] if wave is not None else sorted(answered["wave"].unique()):
        start = pd.Period(asked, freq="Q").start_time
        on = people[(opted_in <= start) & ~(opted_out <= start)]
        who = set(answered.loc[answered["wave"] == asked, "member_id"])
        frames.append(on.assign(wave=asked, responded=on["member_id"].isin(who)))
    columns = ["wave", "ward_code", "district_code", "groups", "responded"]
    return pd.concat(frames, ignore_index=True)[columns] if frames else pd.DataFrame(columns=columns)


def _rates(rows: pd.DataFrame, column: str, with_total: bool) -> pd.DataFrame:
    """Invited and responded per ``column`` of one wave's invitations, disclosure-controlled, with rates."""
    if column == "group":
        listed = rows.assign(group=rows["groups"].fillna("").str.split(";")).explode("group")
        rows = listed[listed["group"].isin(GROUPS)]
    rows = rows.assign(responded=rows["responded"].astype(bool))
    invited = rows.groupby(column).size()
    responded = rows.groupby(column)["responded"].sum().reindex(invited.index, fill_value=0)
    table = pd.DataFrame({"invited": disclose(invited, Audience.INTERNAL).values,
                          "responded": disclose(responded.astype("int64"), Audience.INTERNAL).values})
    if not with_total:
        table = table.drop(index=TOTAL)
    table["rate_pct"] = (100 * table["responded"].astype("Float64") / table["invited"].astype("Float64")).round(1)
    return table.rename_axis(column).reset_index()
