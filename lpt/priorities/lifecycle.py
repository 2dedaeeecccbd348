"""The life of a recommended action, recorded in the ``actions`` table.

An action is *proposed* (from :func:`lpt.priorities.actions.actions_for`), then
*accepted* or *dismissed* (with a reason); an accepted action is *done* (with a
note of what was done and when) or, if it cannot be, dismissed with a reason.
Done actions are "what police did" (:func:`done_actions`) for feedback messages
and the supervisor's review; completing an action that answers a public concern
proposes the rules file's follow-up (a feedback message to residents). A
supervisor then signs a done action off (:func:`sign_off`), once, and never one
they marked done themselves: who did the work does not also check it.

Every call goes through :func:`lpt.access.guard.authorize` (action
``manage_actions``; signing off: ``review_actions``, supervisors only) for the
action's ward, so officers act only in the wards they cover, and is audited. A
transition the life does not allow raises :class:`~lpt.errors.LPTError` saying
what the action's status is. Comments and the supervisor's summary are in
:mod:`lpt.priorities.review`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime

import pandas as pd
from sqlalchemy import Connection, Engine, func, insert, select, update

from lpt.access.guard import MINE, Area, PermissionDenied, User, authorize, record_access
from lpt.errors import LPTError
from lpt.priorities.actions import Rules, fill, load_rules
from lpt.store.frames import read_query
from lpt.store.schema import action_comments, actions

__all__ = [
    "COLUMNS",
    "OPEN",
    "STATUSES",
    "accept",
    "actions_of",
    "authorize_actions",
    "complete",
    "dismiss",
    "done_actions",
    "propose",
    "sign_off",
]

STATUSES = ("proposed", "accepted", "dismissed", "done")
#: Statuses of an action still to be acted on: a street and rule have at most one.
OPEN = ("proposed", "accepted")
#: What each change may start from.
_FROM = {"accepted": ("proposed",), "dismissed": ("proposed", "accepted"), "done": ("accepted",)}
_ACTION, _REVIEW = "manage_actions", "review_actions"

#: Columns of :func:`actions_of`: ``id``; the street (``ward_code``, ``lsoa21_code``, ``street_name``);
#: ``rule_id`` (of actions.toml), ``action`` (text), ``who`` should act, ``reason_kinds`` (comma-separated)
#: and ``reasons`` (list of the scorer's reason dicts); ``status``, ``status_reason`` (why dismissed),
#: ``done_note``, ``done_on`` (date); ``created_at``, ``updated_at``, ``updated_by`` (user ID; of a done
#: action, who marked it done); the sign-off: ``signed_off_by`` (user ID), ``signed_off_at`` (UTC),
#: ``sign_off_note`` (None also when signed off without one); ``comments`` (how many).
COLUMNS = [
    "id", "ward_code", "lsoa21_code", "street_name", "rule_id", "action", "who", "reason_kinds", "reasons",
    "status", "status_reason", "done_note", "done_on", "created_at", "updated_at", "updated_by",
    "signed_off_by", "signed_off_at", "sign_off_note", "comments",
]


def propose(
    engine: Engine, caller: User, street: Mapping, proposed: Sequence[Mapping], *, purpose: str
) -> list[int]:
    """Record ``proposed`` actions (from ``actions_for``) for ``street``; returns the IDs of new ones.

    Idempotent: an action whose street and rule already have an open (proposed or accepted) action is
    not proposed again. A dismissed or done one does not block a new proposal.
    """
    for name in ("ward_code", "lsoa21_code", "street_name"):
        if not _text(street.get(name)):
            raise LPTError(f"a street needs {name!r} to propose actions for it: {dict(street)!r}")
    area = Area("ward", street["ward_code"])
    authorize(engine, caller, _ACTION, purpose=purpose, area=area)
    with engine.begin() as connection:
        new = [i for i in (_insert(connection, caller, street, item) for item in proposed) if i is not None]
    record_access(engine, caller.user_id, _ACTION, purpose, area, len(new), "allowed",
                  f"proposed {len(new)} of {len(proposed)} actions for {street['street_name']}")
    return new


def accept(engine: Engine, caller: User, action_id: int, *, purpose: str, reason: str | None = None) -> dict:
    """Accept a proposed action (``reason`` optional); returns the action as stored."""
    return _change(engine, caller, action_id, "accepted", purpose, status_reason=_text(reason))


def dismiss(engine: Engine, caller: User, action_id: int, *, reason: str, purpose: str) -> dict:
    """Dismiss a proposed or accepted action; ``reason`` (why) is required. Returns the action."""
    if not _text(reason):
        raise LPTError(f"action {action_id}: a dismissal needs a reason")
    return _change(engine, caller, action_id, "dismissed", purpose, status_reason=reason.strip())


def complete(
    engine: Engine, caller: User, action_id: int, *, note: str, done_on: date | str | None = None,
    purpose: str, rules: Rules | None = None,
) -> dict:
    """Mark an accepted action done: ``note`` (what was done) required, ``done_on`` default today.

    Returns the action, with ``follow_up_ids``: the follow-up actions it proposed (a feedback message to
    residents when the action answered a public concern; see ``[[follow_up]]`` in actions.toml).
    """
    if not _text(note):
        raise LPTError(f"action {action_id}: marking it done needs a note of what was done")
    when = _day(done_on, action_id)
    done = _change(engine, caller, action_id, "done", purpose, done_note=note.strip(), done_on=when)
    rules = rules or load_rules()
    street = {k: done[k] for k in ("ward_code", "lsoa21_code", "street_name")}
    follow = []
    followed = {rule.id for rule in rules.follow_ups}
    for rule in rules.follow_ups if done["rule_id"] not in followed else ():  # a feedback has no feedback
        answered = [r for r in done["reasons"] if r.get("kind") == rule.after]
        if not answered:
            continue
        values = {**street, **(answered[0].get("figures") or {}), "done_note": done["done_note"],
                  "done_on": when.isoformat(), "done_action": done["action"]}
        text = fill(rule, values)
        if text is not None:
            follow.append({"rule_id": rule.id, "action": text, "who": rule.who, "reason_kinds": [rule.after],
                           "reasons": answered})
    done["follow_up_ids"] = propose(engine, caller, street, follow, purpose=purpose) if follow else []
    return done


def sign_off(engine: Engine, caller: User, action_id: int, *, note: str | None = None, purpose: str) -> dict:
    """A supervisor's confirmation that a done action was done well (``note`` optional); returns the action.

    Only a done action, once, by a supervisor covering its ward (action ``review_actions``) who did not
    mark it done: the one who did the work does not also check it (refused as PermissionDenied, audited).
    """
    [area] = authorize_actions(engine, caller, [action_id], purpose=purpose, action=_REVIEW)
    with engine.connect() as connection:
        stored = _stored(connection, action_id)
    _check_sign_off(engine, caller, stored, purpose, area)
    with engine.begin() as connection:
        signed = connection.execute(
            update(actions).where(actions.c.id == action_id, actions.c.signed_off_by.is_(None))
            .values(signed_off_by=caller.user_id, signed_off_at=datetime.now(UTC), sign_off_note=_text(note) or None)
        ).rowcount
        stored = _stored(connection, action_id)
    if not signed:  # another supervisor signed it off since it was read
        raise LPTError(_signed_once(stored))
    record_access(engine, caller.user_id, _REVIEW, purpose, area, 1, "allowed", f"action {action_id} signed off")
    return stored


def authorize_actions(
    engine: Engine, caller: User, action_ids: Sequence[int], *, purpose: str, action: str = _ACTION
) -> list[Area]:
    """The wards of the actions ``action_ids``, after authorizing ``action`` in each: whatever is done to an
    action is checked against its own ward. LPTError naming the IDs of no action (or when none is given)."""
    ids = sorted(set(action_ids))
    if not ids:
        raise LPTError("no action given: name at least one action ID")
    with engine.connect() as connection:
        ward_of = dict(connection.execute(select(actions.c.id, actions.c.ward_code).where(actions.c.id.in_(ids))).all())
    missing = [str(action_id) for action_id in ids if action_id not in ward_of]
    if missing:
        raise LPTError(f"no action {', '.join(missing)}")
    areas = [Area("ward", ward) for ward in sorted(set(ward_of.values()))]
    for area in areas:
        authorize(engine, caller, action, purpose=purpose, area=area)
    return areas


def actions_of(
    engine: Engine, caller: User, *, area: Area = MINE, status: str | None = None, purpose: str = "action record"
) -> pd.DataFrame:
    """Actions in ``area`` (default: every ward the caller covers), optionally of one ``status``;
    newest first. Columns: :data:`COLUMNS`."""
    if status is not None and status not in STATUSES:
        raise LPTError(f"unknown action status {status!r}: one of {', '.join(STATUSES)}")
    allowed = authorize(engine, caller, _ACTION, purpose=purpose, area=area)
    counted = (
        select(action_comments.c.action_id, func.count().label("comments"))
        .group_by(action_comments.c.action_id).subquery()
    )
    query = (
        select(actions, func.coalesce(counted.c.comments, 0).label("comments"))
        .outerjoin(counted, counted.c.action_id == actions.c.id)
        .order_by(actions.c.created_at.desc(), actions.c.id.desc())
    )
    if allowed.wards is not None:
        query = query.where(actions.c.ward_code.in_(sorted(allowed.wards)))
    if status is not None:
        query = query.where(actions.c.status == status)
    frame = read_query(engine, query)
    record_access(engine, caller.user_id, _ACTION, purpose, area, len(frame), "allowed",
                  f"listed {status or 'all'} actions")
    reasons = [json.loads(text) for text in frame["reasons"]]
    frame["reasons"] = pd.Series(reasons, index=frame.index, dtype=object)
    frame["reason_kinds"] = [",".join(sorted({r.get("kind", "") for r in listed})) for listed in reasons]
    frame["done_on"] = pd.to_datetime(frame["done_on"]).dt.date.astype(object).where(frame["done_on"].notna(), None)
    frame["signed_off_at"] = pd.to_datetime(frame["signed_off_at"], utc=True)
    return frame[COLUMNS].reset_index(drop=True)


def done_actions(
    engine: Engine, caller: User, *, area: Area = MINE, since: date | None = None, purpose: str = "action record"
) -> pd.DataFrame:
    """What police did: the done actions in ``area`` (done on or after ``since``), latest first.
    Columns: ``id``, ``ward_code``, ``lsoa21_code``, ``street_name``, ``rule_id``, ``action``,
    ``reason_kinds``, ``reasons``, ``done_note``, ``done_on``, ``updated_by``."""
    frame = actions_of(engine, caller, area=area, status="done", purpose=purpose)
    if since is not None:
        frame = frame[frame["done_on"] >= since]
    columns = ["id", "ward_code", "lsoa21_code", "street_name", "rule_id", "action", "reason_kinds", "reasons",
               "done_note", "done_on", "updated_by"]
    return frame.sort_values(["done_on", "id"], ascending=False)[columns].reset_index(drop=True)


# --- internals --------------------------------------------------------------------


def _change(engine: Engine, caller: User, action_id: int, status: str, purpose: str, **values) -> dict:
    """Move one action to ``status`` after checking the caller may act in its ward and the life allows it."""
    [area] = authorize_actions(engine, caller, [action_id], purpose=purpose)
    with engine.begin() as connection:
        current = connection.execute(
            select(actions.c.status).where(actions.c.id == action_id).with_for_update()
        ).scalar_one()
        if current not in _FROM[status]:
            allowed = " or ".join(_FROM[status])
            raise LPTError(f"action {action_id} is {current}: only a {allowed} action can be {status}")
        connection.execute(
            update(actions).where(actions.c.id == action_id)
            .values(status=status, updated_at=datetime.now(UTC), updated_by=caller.user_id, **values)
        )
        stored = _stored(connection, action_id)
    record_access(engine, caller.user_id, _ACTION, purpose, area, 1, "allowed", f"action {action_id} {status}")
    return stored


def _stored(connection: Connection, action_id: int) -> dict:
    """One action as stored, its reasons decoded."""
    stored = dict(connection.execute(select(actions).where(actions.c.id == action_id)).mappings().one())
    stored["reasons"] = json.loads(stored["reasons"])
    return stored


def _check_sign_off(engine: Engine, caller: User, stored: dict, purpose: str, area: Area) -> None:
    """Refuse, in words, signing off an action that is not done, is signed off already, or that the caller
    marked done (that refusal audited)."""
    if stored["status"] != "done":
        raise LPTError(f"action {stored['id']} is {stored['status']}: only a done action can be signed off")
    if stored["signed_off_by"] is not None:
        raise LPTError(_signed_once(stored))
    if stored["updated_by"] == caller.user_id:
        record_access(engine, caller.user_id, _REVIEW, purpose, area, 0, "refused",
                      f"action {stored['id']}: who marked it done may not sign it off")
        raise PermissionDenied(f"{caller.user_id} marked action {stored['id']} done: another supervisor must sign it off")


def _signed_once(stored: dict) -> str:
    """Why a second sign-off is refused: who signed it off, and on which day (UTC; SQLite gives it naive)."""
    at = stored["signed_off_at"]
    day = (at.astimezone(UTC) if at.tzinfo else at).date()
    return f"action {stored['id']} was signed off by {stored['signed_off_by']} on {day}: an action is signed off once"


def _insert(connection, caller: User, street: Mapping, item: Mapping) -> int | None:
    """Insert one proposed action unless its street and rule have an open one; its ID or None."""
    for name in ("rule_id", "action", "who"):
        if not _text(item.get(name)):
            raise LPTError(f"a proposed action needs {name!r}: {dict(item)!r}")
    where = (
        (actions.c.ward_code == street["ward_code"]) & (actions.c.lsoa21_code == street["lsoa21_code"])
        & (actions.c.street_name == street["street_name"]) & (actions.c.rule_id == item["rule_id"])
        & actions.c.status.in_(OPEN)
    )
    if connection.execute(select(actions.c.id).where(where)).first() is not None:
        return None
    reasons = item.get("reasons") or [{"kind": kind} for kind in item.get("reason_kinds", [])]
    now = datetime.now(UTC)
    return connection.execute(
        insert(actions).values(
            ward_code=street["ward_code"], lsoa21_code=street["lsoa21_code"], street_name=street["street_name"],
            rule_id=item["rule_id"], action=item["action"], who=item["who"], reasons=json.dumps(reasons, default=str),
            status="proposed", created_at=now, updated_at=now, updated_by=caller.user_id,
        ).returning(actions.c.id)
    ).scalar_one()


def _text(value) -> str:
    return value.strip() if isinstance(value, str) else ""


def _day(value: date | str | None, action_id: int) -> date:
    if value is None:
        return date.today()
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value)
        except ValueError:
            raise LPTError(f"action {action_id}: done on {value!r} is not a date in YYYY-MM-DD form") from None
    if isinstance(value, datetime):
        value = value.date()
    if value > date.today():
        raise LPTError(f"action {action_id}: done on {value} is in the future")
    return value
