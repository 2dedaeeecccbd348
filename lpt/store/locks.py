"""Transactions that never run beside each other, across threads and processes.

Some writes are "count, then insert": a frequency cap counts a member's recent
messages and then queues one more. Two senders doing that at once would both
count the same total and both insert, pushing the member over the cap. Row locks
cannot prevent it (the rows that would conflict do not exist yet), and the
default isolation of both databases lets both transactions through, so every
such transaction runs inside :func:`serialised`, which lets only one of them run
at a time on a store:

* SQLite: ``BEGIN IMMEDIATE`` takes the database's write lock when the
  transaction starts, before it reads anything (a plain ``BEGIN`` would let two
  transactions read first and then fail or wait on the write). pysqlite's legacy
  transaction handling issues its own deferred ``BEGIN`` before the first write,
  so this one connection is switched to driver-level autocommit while it issues
  ``BEGIN IMMEDIATE``, ``COMMIT`` and ``ROLLBACK`` itself; the engine and every
  other connection keep their transaction behaviour (SQLAlchemy restores the
  connection's isolation level when it goes back to the pool). Waiting uses the
  store's ``busy_timeout``.
* PostgreSQL: ``pg_advisory_xact_lock`` on one constant key, held until the
  transaction commits or rolls back. Every statement after it (READ COMMITTED)
  sees what the previous holder committed.

Other transactions (imports, audit entries) are not held up on PostgreSQL and
wait at most the usual time for SQLite's single writer.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, Engine, func, select

from lpt.errors import LPTError, StoreError

__all__ = ["serialised", "require_serialised"]

#: The advisory lock key of serialised transactions on PostgreSQL ("LPTSERL\0" as a signed 64-bit number).
LOCK_KEY = 0x4C50_5453_4552_4C00
_MARK = "lpt_serialised"


@contextmanager
def serialised(engine: Engine) -> Iterator[Connection]:
    """A connection inside a transaction no other ``serialised`` transaction on the store runs beside.

    Commits when the block ends, rolls back if it raises. Do not commit or roll back inside the block.
    """
    dialect = engine.dialect.name
    if dialect == "sqlite":
        with _sqlite_immediate(engine) as connection:
            yield connection
    elif dialect == "postgresql":
        with engine.begin() as connection:
            connection.execute(select(func.pg_advisory_xact_lock(LOCK_KEY)))
            with _marked(connection):
                yield connection
    else:
        raise StoreError(f"serialised transactions are not implemented for {dialect} stores")


def require_serialised(connection: Connection, what: str) -> None:
    """Raise LPTError unless ``connection`` is inside :func:`serialised` (for functions that count then insert)."""
    if not connection.info.get(_MARK):
        raise LPTError(f"{what} must run inside lpt.store.locks.serialised")


@contextmanager
def _sqlite_immediate(engine: Engine) -> Iterator[Connection]:
    with engine.connect() as connection:
        connection.execution_options(isolation_level="AUTOCOMMIT")  # this connection only, until it is returned
        connection.exec_driver_sql("BEGIN IMMEDIATE")
        try:
            with _marked(connection):
                yield connection
        except BaseException:
            if connection.connection.driver_connection.in_transaction:
                connection.exec_driver_sql("ROLLBACK")
            raise
        connection.exec_driver_sql("COMMIT")


@contextmanager
def _marked(connection: Connection) -> Iterator[None]:
    """Mark the DBAPI connection as serialised while the block runs (``info`` outlives the checkout)."""
    connection.info[_MARK] = True
    try:
        yield
    finally:
        connection.info.pop(_MARK, None)
