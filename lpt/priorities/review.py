"""Supervision of the action record: a comment thread per action, and the whole picture in counts.

Comments are how officers and their supervisor talk about one action (why it
was dismissed, what is still to do, how well it went) where the action is, so
the record keeps the conversation; they are insert-only. The summary counts a
ward's actions by status and month, for the supervisor's "over time" chart:
counts of police actions, not of people, so no disclosure control.

Everything goes through :func:`lpt.access.guard.authorize` (action
``manage_actions``) for the action's ward or the area asked for, and is
audited. Signing a done action off is part of its life:
:func:`lpt.priorities.lifecycle.sign_off`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pandas as pd
from sqlalchemy import Engine, insert, select

from lpt.access.guard import MINE, Area, User, authorize, record_access
from lpt.errors import LPTError
from lpt.priorities.lifecycle import STATUSES, authorize_actions
from lpt.store.frames import read_query
from lpt.store.schema import action_comments, actions, users

__all__ = [
    "COMMENT_COLUMNS",
    "MAX_COMMENT",
    "MONTH_COLUMNS",
    "WARD_COLUMNS",
    "ActionSummary",
    "action_summary",
    "comment",
    "comments_of",
]

#: The longest comment, in characters: a note on the record, not a report.
MAX_COMMENT = 1000
#: Columns of :func:`comments_of`: ``id``, ``action_id``, the action's ``ward_code`` and ``street_name``;
#: who wrote it (``user_id``, ``user_name`` from the users table), when (``at``, UTC) and the ``text``.
COMMENT_COLUMNS = ["id", "action_id", "ward_code", "street_name", "user_id", "user_name", "at", "text"]
#: Columns of :attr:`ActionSummary.by_ward`: ``ward_code``; ``total`` actions; how many are now in each
#: status (``proposed``, ``accepted``, ``dismissed``, ``done``); ``signed_off`` (of the done ones).
WARD_COLUMNS = ["ward_code", "total", *STATUSES, "signed_off"]
#: Columns of :attr:`ActionSummary.by_month`: ``ward_code``, ``month`` (YYYY-MM, Europe/London); actions
#: ``created`` that month, ``done`` (by their done date) and ``signed_off`` in it.
MONTH_COLUMNS = ["ward_code", "month", "created", "done", "signed_off"]
_ACTION = "manage_actions"
_LONDON = ZoneInfo("Europe/London")


@dataclass(frozen=True)
class ActionSummary:
    """A supervisor's picture of the action record: ``by_ward`` (:data:`WARD_COLUMNS`, one row per ward
    of the area, zeros included) and ``by_month`` (:data:`MONTH_COLUMNS`, every ward and every month from
    the first to the last with an event, zeros included, so a chart over time has no gaps)."""

    by_ward: pd.DataFrame
    by_month: pd.DataFrame


def comment(engine: Engine, caller: User, action_id: int, text: str, *, purpose: str) -> int:
    """Add ``text`` to the comment thread of action ``action_id`` (anyone who may manage actions in its
    ward); returns the comment's ID."""
    words = text.strip() if isinstance(text, str) else ""
    if not words:
        raise LPTError(f"action {action_id}: a comment needs some text")
    if len(words) > MAX_COMMENT:
        raise LPTError(f"action {action_id}: a comment is at most {MAX_COMMENT} characters, this one {len(words)}")
    [area] = authorize_actions(engine, caller, [action_id], purpose=purpose)
    with engine.begin() as connection:
        comment_id = connection.execute(
            insert(action_comments)
            .values(action_id=action_id, user_id=caller.user_id, at=datetime.now(UTC), text=words)
            .returning(action_comments.c.id)
        ).scalar_one()
    record_access(engine, caller.user_id, _ACTION, purpose, area, 1, "allowed", f"comment {comment_id} on action {action_id}")
    return comment_id


def comments_of(engine: Engine, caller: User, of: Sequence[int] | Area = MINE, *, purpose: str) -> pd.DataFrame:
    """The comment threads of the actions ``of`` (their IDs) or of every action in an area (default: the
    caller's wards), thread by thread (by action ID), each oldest first. Columns: :data:`COMMENT_COLUMNS`.

    Given IDs, every ward they lie in is authorised; one outside the caller's wards refuses the whole read.
    """
    query = (
        select(action_comments.c.id, action_comments.c.action_id, actions.c.ward_code, actions.c.street_name,
               action_comments.c.user_id, users.c.name.label("user_name"), action_comments.c.at, action_comments.c.text)
        .join(actions, actions.c.id == action_comments.c.action_id)
        .outerjoin(users, users.c.user_id == action_comments.c.user_id)
        .order_by(action_comments.c.action_id, action_comments.c.at, action_comments.c.id)
    )
    if isinstance(of, Area):
        allowed = authorize(engine, caller, _ACTION, purpose=purpose, area=of)
        area, detail = of, "comments"
        if allowed.wards is not None:
            query = query.where(actions.c.ward_code.in_(sorted(allowed.wards)))
    else:
        ids = sorted(set(of))
        wards = authorize_actions(engine, caller, ids, purpose=purpose)
        area = wards[0] if len(wards) == 1 else None
        detail = f"comments on {len(ids)} actions" + ("" if area else f" (wards: {', '.join(str(w.code) for w in wards)})")
        query = query.where(action_comments.c.action_id.in_(ids))
    frame = read_query(engine, query)
    record_access(engine, caller.user_id, _ACTION, purpose, area, len(frame), "allowed", detail)
    frame["at"] = pd.to_datetime(frame["at"], utc=True)
    return frame[COMMENT_COLUMNS]


def action_summary(
    engine: Engine, caller: User, *, area: Area = MINE, since: date | None = None, purpose: str = "action summary"
) -> ActionSummary:
    """Counts of the actions in ``area`` (default: the caller's wards; a supervisor's include their team's)
    created on or after ``since`` (a day, Europe/London; default: all), by ward and status and by month.

    Statuses are as now, so ``total == proposed + accepted + dismissed + done`` and ``signed_off <= done``;
    the months of ``by_month`` add up to the ward's ``total`` (``created``) and ``done`` and ``signed_off``.
    """
    allowed = authorize(engine, caller, _ACTION, purpose=purpose, area=area)
    query = select(actions.c.ward_code, actions.c.status, actions.c.created_at, actions.c.done_on, actions.c.signed_off_at)
    if allowed.wards is not None:
        query = query.where(actions.c.ward_code.in_(sorted(allowed.wards)))
    if since is not None:
        query = query.where(actions.c.created_at >= datetime.combine(since, time(), _LONDON).astimezone(UTC))
    rows = read_query(engine, query)
    record_access(engine, caller.user_id, _ACTION, purpose, area, len(rows), "allowed",
                  "action summary" + (f" since {since}" if since else ""))
    wards = sorted(allowed.wards if allowed.wards is not None else set(rows["ward_code"]))
    return ActionSummary(_by_ward(rows, wards), _by_month(rows, wards))


def _by_ward(rows: pd.DataFrame, wards: list[str]) -> pd.DataFrame:
    """Actions per ward and current status, and how many of them are signed off."""
    counts = pd.DataFrame(0, index=pd.Index(wards, name="ward_code"), columns=WARD_COLUMNS[1:])
    chosen = {status: rows["status"] == status for status in STATUSES} | {"signed_off": rows["signed_off_at"].notna()}
    for column, which in chosen.items():
        counts[column] = rows[which].groupby("ward_code").size().reindex(counts.index, fill_value=0)
    counts["total"] = counts[list(STATUSES)].sum(axis=1)
    return counts.reset_index()


def _by_month(rows: pd.DataFrame, wards: list[str]) -> pd.DataFrame:
    """Actions created, done and signed off per ward and month, every month of the span."""
    events = pd.concat([
        pd.DataFrame({"ward_code": rows["ward_code"], "month": months, "event": event}).dropna()
        for event, months in (
            ("created", _month(pd.to_datetime(rows["created_at"], utc=True))),
            ("done", _month(pd.to_datetime(rows["done_on"]))),
            ("signed_off", _month(pd.to_datetime(rows["signed_off_at"], utc=True))),
        )
    ])
    if events.empty:
        return pd.DataFrame(columns=MONTH_COLUMNS)
    span = pd.period_range(events["month"].min(), events["month"].max(), freq="M").strftime("%Y-%m")
    table = (
        events.groupby(["ward_code", "month", "event"]).size().unstack("event")
        .reindex(index=pd.MultiIndex.from_product([wards, span], names=["ward_code", "month"]),
                 columns=MONTH_COLUMNS[2:]).fillna(0).astype(int)
    )
    return table.reset_index()[MONTH_COLUMNS]


def _month(moments: pd.Series) -> pd.Series:
    """YYYY-MM of each moment (a time-zone-aware one in Europe/London, a day as it is); NaN where none."""
    if isinstance(moments.dtype, pd.DatetimeTZDtype):
        moments = moments.dt.tz_convert(_LONDON)
    return moments.dt.strftime("%Y-%m")
