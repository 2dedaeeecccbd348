"""Opening and migrating the store, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text

from lpt.errors import StoreError
from lpt.store import head_revision, open_store
from lpt.store.schema import metadata


def test_migrations_build_exactly_the_declared_schema(store):
    with store.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), metadata) == []
        assert connection.execute(text("select version_num from alembic_version")).scalar_one() == head_revision()


def test_opening_twice_is_harmless(store_url):
    open_store(store_url).dispose()
    engine = open_store(store_url)
    with engine.connect() as connection:
        assert connection.execute(text("select count(*) from alembic_version")).scalar_one() == 1
    engine.dispose()


def test_sqlite_store_uses_write_ahead_logging(tmp_path):
    engine = open_store(f"sqlite:///{tmp_path / 'deep' / 'folder' / 'lpt.sqlite'}")
    with engine.connect() as connection:
        assert connection.execute(text("pragma journal_mode")).scalar_one() == "wal"
        assert connection.execute(text("pragma foreign_keys")).scalar_one() == 1


def test_default_store_is_an_sqlite_file_in_the_data_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("LPT_DATABASE_URL", raising=False)
    monkeypatch.setenv("LPT_DATA_DIR", str(tmp_path))
    open_store().dispose()
    assert (tmp_path / "lpt.sqlite").exists()


def test_environment_url_is_used_when_none_is_given(tmp_path, monkeypatch):
    monkeypatch.setenv("LPT_DATABASE_URL", f"sqlite:///{tmp_path / 'env.sqlite'}")
    open_store().dispose()
    assert (tmp_path / "env.sqlite").exists()


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("nonsense", "not a database URL"),
        ("postgresql+psycopg://nobody@127.0.0.1:1/none", "cannot open store"),
        ("mysql+nodriver://x/y", "cannot use database URL"),
    ],
)
def test_bad_urls_give_a_clear_error(url, message):
    with pytest.raises(StoreError, match=message):
        open_store(url)


def test_a_store_from_a_newer_lpt_is_refused(tmp_path):
    url = f"sqlite:///{tmp_path / 'lpt.sqlite'}"
    engine = open_store(url)
    with engine.begin() as connection:
        connection.execute(text("update alembic_version set version_num = '9999'"))
    engine.dispose()
    with pytest.raises(StoreError, match="newer than this LPT knows"):
        open_store(url)
