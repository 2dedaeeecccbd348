"""Residents' links: how a resident replies, answers a survey or unsubscribes without a login.

Every copy of a message carries, for its one recipient, signed links that each do one thing
(:data:`PURPOSES`). The link is the resident's only credential, so it is built to be useless to
anyone else and to give nothing away:

* **Signed**: itsdangerous (``URLSafeTimedSerializer``, HMAC-SHA256) with the deployment's secret
  (``lpt.settings.secret_key``). The payload is the delivery ID, which names the copy (and so the
  member and message) without showing either, and a random nonce, so two links for the same copy
  are different tokens. A changed character anywhere (payload, timestamp, signature) breaks it.
  SHA-256 rather than the app links' SHA-512 keeps the link short enough for an e-mail line and an
  SMS; 256 bits is ample for an HMAC.
* **Single-purpose**: the salt is the purpose, so a reply token is no unsubscribe token.
* **Expiring**: ``LPT_LINK_DAYS`` (default 60) after it was issued.
* **Single use**: :func:`use_token` records the sha256 of the token in ``token_uses``, whose
  primary key refuses a second (or concurrent) use; lpt.replies.inbox calls it in the transaction
  that stores a reply or survey answer, so the answer and the use commit together or not at all
  (an unsubscribe uses the link just after the opt-out, which is harmless to repeat).
* **No oracle**: :func:`read_token` raises :class:`~lpt.access.guard.PermissionDenied` with one
  message (:data:`INVALID`) whatever is wrong, so a page cannot be used to tell a forged link from
  an expired or used one.

Tokens are stamped with the real clock when the envelope is built, whatever ``now`` the sending
code records: a link's life starts when it leaves.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from datetime import datetime

from itsdangerous import BadData, TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import Connection, insert, select
from sqlalchemy.exc import IntegrityError

from lpt import settings
from lpt.access.guard import PermissionDenied
from lpt.errors import LPTError
from lpt.messaging.transport import Envelope
from lpt.store.schema import token_uses

__all__ = [
    "INVALID",
    "PURPOSES",
    "read_token",
    "resident_envelope",
    "resident_link",
    "token_hash",
    "use_token",
    "was_used",
]

PURPOSES = ("reply", "survey", "unsubscribe")
#: The one answer to every bad link: forged, altered, expired, used, for another purpose.
INVALID = "This link is not valid or has expired."
_SALT = "lpt-resident-{purpose}"
_LONGEST = 1000  # characters; a real token is about 120


class _Signer(TimestampSigner):
    """A timestamp signer whose clock can be set (``at``), so tests can issue an old or future link."""

    def __init__(self, *args, at: int | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._at = at

    def get_timestamp(self) -> int:
        return int(time.time()) if self._at is None else self._at


def resident_link(delivery_id: int, purpose: str, *, now: datetime | None = None) -> str:
    """The URL of one resident's ``purpose`` link for one delivery: ``{LPT_REPLY_URL}/{purpose}/{token}``.

    ``now`` sets the moment the link is issued (default: the real clock), for tests of expiry.
    """
    _check_purpose(purpose)
    if isinstance(delivery_id, bool) or not isinstance(delivery_id, int) or delivery_id < 1:
        raise LPTError(f"a link names a delivery by its positive integer ID, not {delivery_id!r}")
    token = _serializer(purpose, now).dumps({"d": delivery_id, "n": secrets.token_urlsafe(6)})
    return f"{settings.reply_url()}/{purpose}/{token}"


def read_token(token: str, purpose: str, *, now: datetime | None = None) -> int:
    """The delivery ID of a valid, unexpired ``purpose`` token.

    Raises PermissionDenied(:data:`INVALID`) for anything else: forged (another secret), altered,
    expired, issued in the future, for another purpose, truncated, empty or not a token at all.
    Whether the token was used already is :func:`was_used` (it needs the store). ``now``: the
    moment of the check (default: the real clock).
    """
    _check_purpose(purpose)
    if not isinstance(token, str) or not token or len(token) > _LONGEST:
        raise PermissionDenied(INVALID)
    try:
        payload = _serializer(purpose, now).loads(token, max_age=settings.link_max_age_days() * 86400)
    except (BadData, ValueError, TypeError):
        raise PermissionDenied(INVALID) from None
    if not isinstance(payload, dict) or set(payload) != {"d", "n"}:
        raise PermissionDenied(INVALID)
    delivery = payload["d"]
    if isinstance(delivery, bool) or not isinstance(delivery, int) or delivery < 1:
        raise PermissionDenied(INVALID)
    return delivery


def token_hash(token: str) -> str:
    """What ``token_uses`` keeps of a token: its sha256 (the token itself would be a working link)."""
    return hashlib.sha256(token.encode()).hexdigest()


def was_used(connection: Connection, token: str) -> bool:
    """Whether the token was used already."""
    found = select(token_uses.c.token_sha256).where(token_uses.c.token_sha256 == token_hash(token))
    return connection.execute(found).first() is not None


def use_token(connection: Connection, token: str, purpose: str, delivery_id: int, now: datetime) -> None:
    """Record the token's one use, in the caller's transaction (which must then end: on PostgreSQL a
    refused insert aborts it). PermissionDenied(:data:`INVALID`) if it was used before, even by a
    transaction committed a moment ago: the primary key decides, not an earlier look."""
    try:
        connection.execute(
            insert(token_uses).values(token_sha256=token_hash(token), purpose=purpose, delivery_id=delivery_id, used_at=now)
        )
    except IntegrityError:
        raise PermissionDenied(INVALID) from None


def resident_envelope(delivery_id: int, to: str, subject: str, body: str, kind: str) -> Envelope:
    """One recipient's copy of a message with their links.

    The body ends with the reply link (the survey link for a survey invitation) and the unsubscribe
    link; the headers carry the delivery ID and RFC 8058 one-click unsubscribe (``List-Unsubscribe``
    and ``List-Unsubscribe-Post``, which mail programs show as an unsubscribe button; they need the
    link to be HTTPS and the message DKIM-signed to trust it).
    """
    answer = resident_link(delivery_id, "survey" if kind == "survey_invitation" else "reply")
    stop = resident_link(delivery_id, "unsubscribe")
    invite = "Answer the survey" if kind == "survey_invitation" else "Reply to this message (no login needed)"
    footer = (
        f"\n\n--\n{invite}: {answer}\nStop all messages from us: {stop}\n"
        f"Each link is for you alone, works once and lasts {settings.link_max_age_days()} days."
    )
    headers = {
        "X-LPT-Delivery": str(delivery_id),
        "List-Unsubscribe": f"<{stop}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }
    return Envelope(delivery_id, to, subject, body + footer, headers)


def _serializer(purpose: str, now: datetime | None) -> URLSafeTimedSerializer:
    at = None if now is None else int(now.timestamp())
    return URLSafeTimedSerializer(
        settings.secret_key(), salt=_SALT.format(purpose=purpose), signer=_Signer,
        signer_kwargs={"digest_method": hashlib.sha256, "at": at},
    )


def _check_purpose(purpose: str) -> None:
    if purpose not in PURPOSES:
        raise LPTError(f"a resident's link is for one of {', '.join(PURPOSES)}, not {purpose!r}")
