"""Where data frames meet store tables: writing them (the one place NA becomes NULL) and reading queries."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import ColumnElement, Connection, Engine, Executable, Table, delete, insert

__all__ = ["read_query", "replace_rows"]


def read_query(engine: Engine, query: Executable) -> pd.DataFrame:
    """The rows of ``query`` as a data frame, read in one connection; columns as the query labels them."""
    with engine.connect() as connection:
        return pd.read_sql_query(query, connection)


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
