"""Write data frames into store tables: the one place NA becomes NULL, and bulk writes are fast.

SQLAlchemy's executemany builds one parameter dict per row, which dominates
the cost of writing hundreds of thousands of rows. :func:`insert_rows` hands
plain tuples to the driver instead: ``executemany`` on SQLite, ``COPY`` on
PostgreSQL, with SQLAlchemy Core as the fallback for any other database.
Values must already be of the column's Python type (str, int, float, bool,
``datetime.date``, bytes); both fast paths store them as SQLAlchemy would.

:func:`read_query` is the other way: a query's rows as a data frame.
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy import ColumnElement, Connection, Engine, Executable, Table, delete, insert

__all__ = ["insert_rows", "read_query", "replace_rows"]


def insert_rows(connection: Connection, table: Table, frame: pd.DataFrame) -> int:
    """Insert ``frame`` (columns named as the table's) into ``table``; returns the rows inserted."""
    if frame.empty:
        return 0
    columns = list(frame.columns)
    values = [frame[c].astype(object).where(frame[c].notna(), None).tolist() for c in columns]
    rows = list(zip(*values))
    dialect = connection.dialect.name
    names = ", ".join(f'"{c}"' for c in columns)
    if dialect == "sqlite":
        marks = ", ".join("?" for _ in columns)
        connection.exec_driver_sql(f'INSERT INTO "{table.name}" ({names}) VALUES ({marks})', rows)
    elif dialect == "postgresql" and connection.dialect.driver == "psycopg":
        cursor = connection.connection.cursor()
        with cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row(row)
    else:
        connection.execute(insert(table), [dict(zip(columns, row)) for row in rows])
    return len(rows)


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
    connection.execute(delete(table).where(where))
    return insert_rows(connection, table, frame)
