"""Reading the audit log (an admin's job; reading it is itself audited)."""

from __future__ import annotations

from datetime import date

import pandas as pd
from sqlalchemy import Engine, select

from lpt.access.guard import FORCE, User, authorize, record_access
from lpt.store.frames import read_query
from lpt.store.schema import audit_log

__all__ = ["audit_entries"]


def audit_entries(
    engine: Engine,
    caller: User,
    *,
    user_id: str | None = None,
    action: str | None = None,
    outcome: str | None = None,
    since: date | None = None,
    purpose: str = "audit review",
) -> pd.DataFrame:
    """Audit entries, oldest first, filtered as asked.

    Columns: ``at`` (UTC), ``user_id``, ``action``, ``purpose``, ``area``,
    ``records`` (how many records were returned), ``outcome`` (allowed or
    refused), ``detail`` (why refused, or which member).
    """
    authorize(engine, caller, "read_audit", purpose=purpose, area=FORCE)
    query = select(*(audit_log.c[c] for c in ("at", "user_id", "action", "purpose", "area", "records", "outcome", "detail")))
    for column, value in (("user_id", user_id), ("action", action), ("outcome", outcome)):
        if value:
            query = query.where(audit_log.c[column] == value)
    if since:
        query = query.where(audit_log.c.at >= pd.Timestamp(since, tz="UTC").to_pydatetime())
    entries = read_query(engine, query.order_by(audit_log.c.id))
    record_access(engine, caller.user_id, "read_audit", purpose, FORCE, len(entries), "allowed")
    return entries
