"""Frequency caps: no member gets more than N messages in D days, whoever sends them.

Message overload is the main reason members unsubscribe, so the caps are kept by the store,
not by the officer's judgement: every message of every kind and level counts (deliveries
``queued`` or ``sent``; ``held``, ``bounced`` and ``failed`` ones do not), and :func:`reserve`
counts them inside :func:`lpt.store.locks.serialised`, so two officers sending at the same
moment, in threads or in separate processes, cannot both take a member's last free place.

A delivery queued at ``t`` is allowed when, for every cap (N, D), fewer than N counted
deliveries were queued in the open interval (t - D, t + D). Every D-day window holding ``t``
lies inside that interval, so no window ever holds more than N, even when sends are stamped
out of order (a ``now`` given by a scheduler or a test, a worker that was held up).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, and_, case, func, select

from lpt import settings
from lpt.errors import LPTError
from lpt.store.locks import require_serialised
from lpt.store.schema import deliveries

__all__ = ["COUNTED", "Caps", "as_utc", "reserve", "split_by_cap"]

#: Delivery statuses that count towards the caps.
COUNTED = ("queued", "sent")
_CHUNK = 1000


@dataclass(frozen=True)
class Caps:
    """Frequency caps: at most ``count`` messages in ``days`` days, for each (count, days) pair."""

    limits: tuple[tuple[int, int], ...]

    def __post_init__(self) -> None:
        limits = tuple((int(n), int(d)) for n, d in self.limits)
        if not limits or any(n < 1 or d < 1 for n, d in limits):
            raise LPTError(f"frequency caps are (count >= 1, days >= 1) pairs: {self.limits!r}")
        object.__setattr__(self, "limits", limits)

    @classmethod
    def configured(cls) -> Caps:
        """The caps of the deployment (``LPT_MESSAGE_CAPS``, default 1 in 7 days and 4 in 30)."""
        return cls(tuple(settings.message_caps()))

    def __str__(self) -> str:
        return ", ".join(f"{n} in {d} days" for n, d in self.limits)


def as_utc(moment: datetime | None) -> datetime:
    """``moment`` in UTC (now when None; a naive one is taken as UTC): what the store records and compares."""
    if moment is None:
        return datetime.now(UTC)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def reserve(connection: Connection, member_ids: Sequence[str], now: datetime, caps: Caps) -> tuple[list[str], list[str]]:
    """Split ``member_ids`` into those under every cap at ``now`` and those at a cap.

    Must run inside :func:`lpt.store.locks.serialised`, and the caller inserts the under-cap
    members' deliveries (status ``queued``) in the same transaction: that insert is the
    reservation, and the lock keeps anyone else from counting before it commits.
    """
    require_serialised(connection, "reserving places under the frequency caps")
    return split_by_cap(connection, member_ids, now, caps)


def split_by_cap(
    connection: Connection, member_ids: Sequence[str], now: datetime, caps: Caps
) -> tuple[list[str], list[str]]:
    """The same split as :func:`reserve` without the lock: a snapshot, for previews only."""
    now = as_utc(now)
    full = {member for chunk in _chunks(member_ids) for member in _at_cap(connection, chunk, now, caps)}
    return [m for m in member_ids if m not in full], [m for m in member_ids if m in full]


def _at_cap(connection: Connection, member_ids: list[str], now: datetime, caps: Caps) -> list[str]:
    """Members with, for some cap (N, D), at least N counted deliveries queued within D days of ``now``."""
    near = [
        func.sum(case((and_(deliveries.c.queued_at > now - timedelta(days=d), deliveries.c.queued_at < now + timedelta(days=d)), 1), else_=0))
        for _, d in caps.limits
    ]
    widest = timedelta(days=max(d for _, d in caps.limits))
    query = (
        select(deliveries.c.member_id, *near)
        .where(
            deliveries.c.member_id.in_(member_ids),
            deliveries.c.status.in_(COUNTED),
            deliveries.c.queued_at > now - widest,
            deliveries.c.queued_at < now + widest,
        )
        .group_by(deliveries.c.member_id)
    )
    return [row[0] for row in connection.execute(query) if any(row[i + 1] >= n for i, (n, _) in enumerate(caps.limits))]


def _chunks(items: Iterable[str]) -> list[list[str]]:
    listed = list(items)
    return [listed[start : start + _CHUNK] for start in range(0, len(listed), _CHUNK)]
