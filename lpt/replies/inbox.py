"""What a resident does through the links in a message: reply, answer the survey, unsubscribe.

There is no login: the signed link (lpt.messaging.links) is the resident's only credential, so
these functions take the token, not a caller, and have no access check of their own. The link
is checked again inside the transaction that stores the answer, together with recording its one
use, so a replayed or concurrent second submission stores nothing. Every bad link gives the same
:class:`~lpt.access.guard.PermissionDenied` (:data:`lpt.messaging.links.INVALID`); a bad form gives
a :class:`FormError` with words for the resident, and uses nothing up.

What a link still needs beyond its signature:

* **reply**: the copy's member is still in the store (not erased) and the message is one a
  resident can reply to (a feedback message or an officer's answer). A member who opted out
  may still reply; no answer goes to them (lpt.replies.engagement).
* **survey**: the copy is a survey invitation, its member has not opted out or answered that
  wave already. The answer is stored for the invitation's wave like an imported one, in a
  ``community_batches`` row of its own (kind ``surveys``, ``source_path`` 'web form'), with
  response ID ``web-<delivery ID>``, so ``lpt refresh`` counts it and ``lpt quality`` lists it.
* **unsubscribe**: the member is still in the store; the opt-out is at once
  (lpt.access.rights.resident_opt_out, audited as the resident's own request).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, Engine, insert, literal, select
from sqlalchemy.exc import IntegrityError

from lpt.access.guard import PermissionDenied
from lpt.access.rights import resident_opt_out
from lpt.errors import LPTError
from lpt.messaging.caps import as_utc
from lpt.messaging.links import INVALID, read_token, use_token, was_used
from lpt.store.schema import (
    community_batches,
    deliveries,
    members,
    messages,
    replies,
    survey_invitations,
    survey_responses,
)
from lpt.vocab import QUESTIONS, TOPICS

__all__ = ["MAX_TEXT", "FormError", "Link", "SurveyAnswer", "open_link", "store_reply", "store_survey", "unsubscribe"]

#: The longest reply or survey concern, in characters (the survey export's limit).
MAX_TEXT = 2000
#: Kinds of message a resident may reply to.
_REPLYABLE = ("feedback", "reply_answer")
_SOURCE = "web form"


class FormError(LPTError):
    """What the resident filled in cannot be stored; the message is for them."""


@dataclass(frozen=True)
class Link:
    """A valid, unused link: the copy it came with, and what the page needs to know (never shown)."""

    token: str
    purpose: str
    delivery_id: int
    message_id: int
    member_id: str
    wave: str | None  # of a survey invitation


@dataclass(frozen=True)
class SurveyAnswer:
    """One survey answer as the form takes it: the four questions of lpt.vocab.QUESTIONS (1-5), up to
    three different priorities (lpt.vocab.TOPICS, most important first) and a concern."""

    trust: int
    confidence: int
    understands_issues: int
    deals_with_concerns: int
    priorities: tuple[str, ...] = ()
    concern: str | None = None

    def __post_init__(self) -> None:
        for question in QUESTIONS:
            value = getattr(self, question)
            if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
                raise FormError("Please answer each of the four questions with a number from 1 to 5.")
        if len(self.priorities) > 3 or any(p not in TOPICS for p in self.priorities):
            raise FormError("Please choose up to three priorities from the list.")
        if len(set(self.priorities)) < len(self.priorities):
            raise FormError("Please choose each priority only once.")
        object.__setattr__(self, "concern", _text(self.concern or "", required=False))

    @classmethod
    def from_form(cls, form: Mapping[str, str]) -> SurveyAnswer:
        """The answer of a submitted form: fields named as the questions, ``priority_1``..``priority_3``
        (blank: none) and ``concern``."""
        scores = {}
        for question in QUESTIONS:
            value = (form.get(question) or "").strip()
            if not value.isdigit():
                raise FormError("Please answer each of the four questions with a number from 1 to 5.")
            scores[question] = int(value)
        chosen = tuple(p for p in ((form.get(f"priority_{i}") or "").strip() for i in (1, 2, 3)) if p)
        return cls(**scores, priorities=chosen, concern=form.get("concern"))


def open_link(engine: Engine, token: str, purpose: str) -> Link:
    """The link of ``token`` if it may still be used for ``purpose``; PermissionDenied(INVALID) if not."""
    with engine.connect() as connection:
        return _open(connection, token, purpose, as_utc(None))


def store_reply(engine: Engine, token: str, text: str, *, now: datetime | None = None) -> int:
    """Store a resident's reply and use up the link; returns the reply's ID.

    ``now``: the moment recorded (default: now); the link's age is always checked on the real clock.
    """
    now = as_utc(now)
    with engine.begin() as connection:
        link = _open(connection, token, "reply", now)
        body = _text(text, required=True)
        use_token(connection, token, "reply", link.delivery_id, now)
        return connection.execute(
            insert(replies)
            .values(delivery_id=link.delivery_id, message_id=link.message_id, member_id=link.member_id, body=body,
                    received_at=now)
            .returning(replies.c.id)
        ).scalar_one()


def store_survey(engine: Engine, token: str, answer: SurveyAnswer, *, now: datetime | None = None) -> str:
    """Store a survey answer for the invitation's wave and use up the link; returns its response ID."""
    now = as_utc(now)
    try:
        with engine.begin() as connection:
            link = _open(connection, token, "survey", now)
            use_token(connection, token, "survey", link.delivery_id, now)
            return _insert_answer(connection, link, answer, now)
    except IntegrityError:  # the same invitation answered through another of its links a moment ago
        raise PermissionDenied(INVALID) from None


def unsubscribe(engine: Engine, token: str, *, now: datetime | None = None) -> None:
    """Opt the link's member out at once and use up the link.

    The opt-out comes first: it is harmless to repeat, so a crash before the link is used up
    leaves a link that still works, never a resident who asked to leave and did not.
    """
    now = as_utc(now)
    link = open_link(engine, token, "unsubscribe")
    try:
        resident_opt_out(engine, link.member_id, via="unsubscribe link", on=now.date())
    except LPTError:  # erased a moment ago
        raise PermissionDenied(INVALID) from None
    with engine.begin() as connection:
        use_token(connection, token, "unsubscribe", link.delivery_id, now)


# --- internals --------------------------------------------------------------------


def _open(connection: Connection, token: str, purpose: str, now: datetime) -> Link:
    delivery_id = read_token(token, purpose)
    if was_used(connection, token):
        raise PermissionDenied(INVALID)
    row = connection.execute(
        select(deliveries.c.message_id, deliveries.c.member_id, messages.c.kind, members.c.opted_out,
               survey_invitations.c.wave)
        .join(messages, messages.c.id == deliveries.c.message_id)
        .join(members, members.c.member_id == deliveries.c.member_id)
        .outerjoin(survey_invitations, survey_invitations.c.delivery_id == deliveries.c.id)
        .where(deliveries.c.id == delivery_id)
    ).first()
    if row is None or not _usable(connection, purpose, row, now):
        raise PermissionDenied(INVALID)
    return Link(token, purpose, delivery_id, row.message_id, row.member_id, row.wave)


def _usable(connection: Connection, purpose: str, row, now: datetime) -> bool:
    """Whether the copy's state still allows ``purpose`` (see the module's rules)."""
    if purpose == "reply":
        return row.kind in _REPLYABLE
    if purpose == "survey":
        if row.kind != "survey_invitation" or row.wave is None:
            return False
        if row.opted_out is not None and row.opted_out <= now.date():
            return False
        answered = select(literal(1)).where(survey_responses.c.member_id == row.member_id, survey_responses.c.wave == row.wave)
        return connection.execute(answered).first() is None
    return True


def _insert_answer(connection: Connection, link: Link, answer: SurveyAnswer, now: datetime) -> str:
    """One ``survey_responses`` row in a ``community_batches`` row of its own, as an import would store it."""
    response_id = f"web-{link.delivery_id}"
    priorities = list(answer.priorities) + [None] * (3 - len(answer.priorities))
    values = {
        "response_id": response_id, "member_id": link.member_id, "wave": link.wave, "responded_on": now.date(),
        **{question: getattr(answer, question) for question in QUESTIONS},
        "priority_1": priorities[0], "priority_2": priorities[1], "priority_3": priorities[2], "concern": answer.concern,
    }
    row_hash = hashlib.sha1("\x1f".join("" if v is None else str(v) for v in values.values()).encode()).hexdigest()
    batch = connection.execute(
        insert(community_batches)
        .values(kind="surveys", source_path=_SOURCE, fingerprint=hashlib.sha256(row_hash.encode()).hexdigest(),
                rows_read=1, rows_stored=1, rows_duplicate=0, rows_rejected=0, rows_replaced=0, imported_at=now)
        .returning(community_batches.c.id)
    ).scalar_one()
    connection.execute(insert(survey_responses).values(**values, batch_id=batch, row_hash=row_hash))
    return response_id


def _text(value: str, *, required: bool) -> str | None:
    """A resident's free text, trimmed; FormError if required and empty, or too long."""
    text = (value or "").strip()
    if required and not text:
        raise FormError("Please write your reply.")
    if len(text) > MAX_TEXT:
        raise FormError(f"Please keep it to {MAX_TEXT} characters (this is {len(text)}).")
    return text or None

