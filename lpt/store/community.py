"""Community records placed by postcode: LSOA 2021, ward, district and the rule that linked them.

No access control yet: these frames are about residents (personal data), so only
lpt internals may call this module; the Access issue puts every read of it
behind role and area checks. They hold only what linkage and quality need
(IDs, postcode, month, geography), never names or contact details.

A join, not a link table: ``postcode_links`` (rewritten as a whole by
``link_all``) already holds each postcode's LSOA 2021, best-fit ward, district
and rule, so joining on the postcode is always current, needs no relink after a
community import and costs one indexed join at force scale. Survey answers are
placed by their member's postcode.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Column, Engine, Select, Table, func, literal, select

from lpt.store.frames import read_query
from lpt.store.schema import (
    community_batches,
    community_rejects,
    households,
    members,
    postcode_links,
    ref_postcodes,
    survey_responses,
    visits,
)

__all__ = [
    "KINDS",
    "LARGE_USER",
    "NOT_LINKED",
    "NO_MEMBER",
    "UNKNOWN_POSTCODE",
    "community_links",
    "community_link_counts",
    "community_rejects_listed",
]

#: Flag of a household or visit at a large-user (business) postcode: kept, but suspect.
LARGE_USER = "large-user postcode holds no households"
UNKNOWN_POSTCODE = "postcode not in the postcode directory"
NOT_LINKED = "not linked yet (run lpt build)"
NO_MEMBER = "member not stored (erased)"


@dataclass(frozen=True)
class _Kind:
    """Where a kind's records live, which columns identify them and which date gives their month.

    ``date`` None: the month is that of the import that last wrote the record.
    ``at_address``: the record is a call at an address, so a large-user postcode is flagged.
    """

    table: Table
    ids: tuple[str, ...]
    date: str | None
    at_address: bool


_KINDS: dict[str, _Kind] = {
    "households": _Kind(households, ("address_id", "street"), None, True),
    "members": _Kind(members, ("member_id", "address_id"), "opted_in", False),
    "surveys": _Kind(survey_responses, ("response_id", "member_id", "wave"), "responded_on", False),
    "visits": _Kind(visits, ("visit_id", "address_id"), "visited_on", True),
}
#: The community sources, in import order.
KINDS: tuple[str, ...] = tuple(_KINDS)
_GEOGRAPHY = ("lsoa21_code", "ward_code", "district_code", "rule")
_STATUS = ["month", "rule", "flagged_reason", "unlinked_reason"]


def community_links(engine: Engine, kind: str) -> pd.DataFrame:
    """Every stored record of ``kind`` with its geography; nothing unlinkable is left out.

    Columns: the kind's IDs (households ``address_id``, ``street``; members
    ``member_id``, ``address_id``; surveys ``response_id``, ``member_id``,
    ``wave``; visits ``visit_id``, ``address_id``), then ``postcode`` (the
    member's for surveys), ``month`` (YYYY-MM of ``opted_in``,
    ``responded_on`` or ``visited_on``; of the import for households),
    ``lsoa21_code``, ``ward_code``, ``district_code``, ``rule`` (how the
    postcode was linked; None if it was not), ``flagged_reason`` (set for
    households and visits at a large-user postcode) and ``unlinked_reason``
    (None when the record has a ward); one row per record, by its ID. A household's street key is
    (``lsoa21_code``, ``street``): its own street, never a police.uk place.
    """
    spec = _KINDS[kind]
    frame = read_query(engine, _placed(spec).order_by(spec.table.c[spec.ids[0]]))
    return _statuses(frame, spec)[[*spec.ids, "postcode", "month", *_GEOGRAPHY[:3], *_STATUS[1:]]]


def community_link_counts(engine: Engine, kind: str) -> pd.DataFrame:
    """Records of ``kind`` per month and status, counted in the database.

    Columns: ``month``, ``rule``, ``flagged_reason``, ``unlinked_reason`` (as
    in :func:`community_links`), ``rows``.
    """
    spec = _KINDS[kind]
    placed = _placed(spec).subquery()
    groups = [placed.c[c] for c in ("date", "rule", "link_reason", "known_postcode", "is_large_user", "has_member")]
    frame = read_query(engine, select(*groups, func.count().label("rows")).group_by(*groups))
    counted = _statuses(frame, spec)
    return counted.groupby(_STATUS, dropna=False, as_index=False)["rows"].sum()


def community_rejects_listed(engine: Engine) -> pd.DataFrame:
    """Rejected rows of community files, oldest first, without their (personal) values.

    Columns: ``source`` (the kind), ``file``, ``line``, ``field``, ``reason``,
    ``month`` (as in :func:`community_links`, read from the row's date field;
    '-' where that is not a date), ``active``. A reject is inactive once the
    same file was imported again in full (after the records it referred to
    were stored) or a later file rejected the same row for the same reason,
    so each bad row counts once.
    """
    query = (
        select(
            community_batches.c.kind.label("source"),
            community_batches.c.source_path.label("file"),
            community_rejects.c.line,
            community_rejects.c.field,
            community_rejects.c.reason,
            community_rejects.c.raw_values,
            community_rejects.c.batch_id,
            community_batches.c.fingerprint,
            community_batches.c.imported_at,
        )
        .join(community_batches, community_batches.c.id == community_rejects.c.batch_id)
        .order_by(community_rejects.c.id)
    )
    rows = read_query(engine, query)
    latest = rows.groupby(["source", "fingerprint"])["batch_id"].transform("max") == rows["batch_id"]
    repeated = rows[latest].duplicated(["source", "raw_values", "field", "reason"], keep="last")
    month = pd.to_datetime(rows["imported_at"], utc=True).dt.strftime("%Y-%m")
    date_field = rows["source"].map({kind: spec.date for kind, spec in _KINDS.items()})
    dated = date_field.notna()
    dates = pd.Series(
        [str(json.loads(raw).get(field, "")) for raw, field in zip(rows.loc[dated, "raw_values"], date_field[dated])],
        index=rows.index[dated],
        dtype=object,
    )
    month[dated] = dates.str.extract(r"^(\d{4}-\d{2})-\d{2}$", expand=False).fillna("-")
    return rows.assign(month=month, active=latest & ~repeated.reindex(rows.index, fill_value=True))[
        ["source", "file", "line", "field", "reason", "month", "active"]
    ]


def _placed(spec: _Kind) -> Select:
    """The kind's records joined to their postcode's link and directory entry."""
    table = spec.table
    if spec.table is survey_responses:
        placed_by = members
        source = table.outerjoin(members, members.c.member_id == table.c.member_id)
    else:
        placed_by, source = table, table
    postcode: Column = placed_by.c.postcode
    if spec.date is None:
        source = source.join(community_batches, community_batches.c.id == table.c.batch_id)
        date = community_batches.c.imported_at
    else:
        date = table.c[spec.date]
    source = source.outerjoin(postcode_links, postcode_links.c.postcode == postcode).outerjoin(
        ref_postcodes, ref_postcodes.c.postcode == postcode
    )
    return select(
        *(table.c[c] for c in spec.ids),
        date.label("date"),
        postcode.label("postcode"),
        *(postcode_links.c[c] for c in _GEOGRAPHY),
        postcode_links.c.unlinked_reason.label("link_reason"),
        ref_postcodes.c.postcode.is_not(None).label("known_postcode"),
        ref_postcodes.c.is_large_user,
        (members.c.member_id.is_not(None) if placed_by is members else literal(True)).label("has_member"),
    ).select_from(source)


def _statuses(frame: pd.DataFrame, spec: _Kind) -> pd.DataFrame:
    """Adds ``month``, ``flagged_reason`` and ``unlinked_reason`` to placed rows; blanks ``rule`` if unlinked."""
    known = frame["known_postcode"].astype(bool)
    linked = frame["rule"].notna() & (frame["rule"] != "unlinked")
    reason = pd.Series(None, index=frame.index, dtype=object)
    reason[~linked] = frame["link_reason"].where(frame["rule"].notna(), NOT_LINKED)[~linked]
    reason[~known] = UNKNOWN_POSTCODE
    reason[~frame["has_member"].astype(bool)] = NO_MEMBER
    large = frame["is_large_user"].fillna(False).astype(bool) & spec.at_address
    return frame.assign(
        month=pd.to_datetime(frame["date"], utc=spec.date is None).dt.strftime("%Y-%m"),
        rule=frame["rule"].where(linked, None),
        flagged_reason=pd.Series(LARGE_USER, index=frame.index, dtype=object).where(large, None),
        unlinked_reason=reason,
    )
