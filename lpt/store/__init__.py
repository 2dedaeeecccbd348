"""The LPT store: one SQLAlchemy engine over SQLite (default) or PostgreSQL.

:func:`open_store` is the only way in: it resolves the URL (see
:mod:`lpt.settings`), applies per-dialect settings and brings the schema to the
newest Alembic revision, so callers never see an unmigrated database.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError

from lpt import settings
from lpt.errors import StoreError
from lpt.store import schema

__all__ = ["open_store", "schema", "head_revision"]

_MIGRATIONS = Path(__file__).parent / "migrations"


def open_store(url: str | None = None) -> Engine:
    """Open (creating if needed) the store at ``url`` and migrate it to the newest schema."""
    url = settings.database_url(url)
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise StoreError(f"not a database URL: {url!r}") from None
    if parsed.get_backend_name() == "sqlite":
        engine = _sqlite_engine(parsed)
    else:
        try:
            engine = create_engine(parsed, pool_pre_ping=True)
        except (ArgumentError, ModuleNotFoundError) as exc:
            raise StoreError(f"cannot use database URL {parsed.render_as_string()}: {exc}") from None
    try:
        _migrate(engine)
    except OperationalError as exc:
        engine.dispose()
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        raise StoreError(f"cannot open store {parsed.render_as_string()}: {reason}") from None
    return engine


def head_revision() -> str:
    """The newest schema revision this version of LPT knows."""
    return ScriptDirectory.from_config(_alembic_config()).get_current_head()


def _sqlite_engine(url) -> Engine:
    if url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url)

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection, _record) -> None:
        # WAL lets readers (apps, reports) work while an import writes.
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    return engine


def _alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    return config


def _migrate(engine: Engine) -> None:
    config = _alembic_config()
    head = ScriptDirectory.from_config(config).get_current_head()
    with engine.begin() as connection:
        current = MigrationContext.configure(connection).get_current_revision()
        if current == head:
            return
        known = {s.revision for s in ScriptDirectory.from_config(config).walk_revisions()}
        if current is not None and current not in known:
            raise StoreError(
                f"the store's schema revision {current!r} is newer than this LPT knows "
                f"({head!r}): upgrade LPT"
            )
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
