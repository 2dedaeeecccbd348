"""Read-only views of stored police.uk data, as documented data frames."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import Engine, case, func, select

from lpt.store.schema import crime_batches, crime_rejects, crimes

__all__ = ["rejected_rows", "crime_summary"]


def rejected_rows(engine: Engine, *, include_replaced: bool = False) -> pd.DataFrame:
    """Rejected rows, oldest import first.

    Columns: ``file`` (path as imported), ``line`` (1-based, header is line 1),
    ``field`` (police.uk column, or ``(row)`` for a wrong field count),
    ``reason``, ``force``, ``month``, ``raw_values`` (JSON list of the fields
    as read), ``active`` (False once a republished month replaced the batch).
    Rejects of replaced batches are left out unless ``include_replaced``.
    """
    query = (
        select(
            crime_rejects.c.source_path.label("file"),
            crime_rejects.c.line,
            crime_rejects.c.field,
            crime_rejects.c.reason,
            crime_batches.c.force,
            crime_batches.c.month,
            crime_rejects.c.raw_values,
            crime_batches.c.active,
        )
        .join(crime_batches, crime_batches.c.id == crime_rejects.c.batch_id)
        .order_by(crime_rejects.c.id)
    )
    if not include_replaced:
        query = query.where(crime_batches.c.active)
    return _frame(engine, query)


def crime_summary(engine: Engine) -> pd.DataFrame:
    """Stored records per force and month.

    Columns: ``force``, ``month``, ``records`` (crimes and ASB), ``asb``
    (anti-social behaviour), ``no_location`` (no coordinates), ``no_lsoa``,
    ``shared_crime_id`` (records whose Crime ID other records share).
    """
    query = (
        select(
            crimes.c.force,
            crimes.c.month,
            func.count().label("records"),
            _count_where(crimes.c.crime_type == "Anti-social behaviour").label("asb"),
            _count_where(~crimes.c.has_location).label("no_location"),
            _count_where(crimes.c.lsoa_code.is_(None)).label("no_lsoa"),
            _count_where(crimes.c.shared_crime_id).label("shared_crime_id"),
        )
        .group_by(crimes.c.force, crimes.c.month)
        .order_by(crimes.c.force, crimes.c.month)
    )
    return _frame(engine, query)


def _count_where(condition):
    return func.sum(case((condition, 1), else_=0))


def _frame(engine: Engine, query) -> pd.DataFrame:
    with engine.connect() as connection:
        return pd.read_sql_query(query, connection)
