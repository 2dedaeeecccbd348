"""Write data frames into store tables: the one place NA becomes NULL."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import ColumnElement, Connection, Table, delete, insert

__all__ = ["replace_rows"]


def replace_rows(
    connection: Connection, table: Table, frame: pd.DataFrame, where: ColumnElement[bool] | bool = True
) -> int:
    """Delete the rows of ``table`` matching ``where`` and insert ``frame`` (columns = table columns).

    Runs inside the caller's transaction, so a failure leaves the old rows.
    Returns the number of rows inserted.
    """
    rows = frame.astype(object).where(frame.notna(), None).to_dict("records")
    connection.execute(delete(table).where(where))
    if rows:
        connection.execute(insert(table), rows)
    return len(rows)
