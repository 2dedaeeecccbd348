"""Shared fixtures: a fresh store on SQLite and on a real PostgreSQL server."""

from __future__ import annotations

import os
import uuid

import pytest

from lpt.store import open_store
from lpt.store.tempserver import create_database, find_postgres_bin, temporary_postgres


@pytest.fixture(scope="session")
def postgres_server():
    """URL of a throw-away PostgreSQL server started for this test session."""
    bindir = find_postgres_bin()
    if bindir is None:
        message = (
            "PostgreSQL server binaries (initdb, pg_ctl) not found: the PostgreSQL store tests are "
            "skipped. Install Debian's 'postgresql' package (make test does so as root) to run them."
        )
        if os.environ.get("LPT_REQUIRE_POSTGRES") or os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    with temporary_postgres(bindir) as url:
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store_url(request, tmp_path) -> str:
    """URL of a new, empty database of each kind."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'lpt.sqlite'}"
    server = request.getfixturevalue("postgres_server")
    return create_database(server, f"t_{uuid.uuid4().hex[:16]}")


@pytest.fixture
def store(store_url):
    """An opened, migrated store on each kind of database."""
    engine = open_store(store_url)
    yield engine
    engine.dispose()


@pytest.fixture
def reference_folder(tmp_path):
    """A folder holding the tiny hand-made reference release of tests/reference_files.py."""
    from tests.reference_files import write_reference

    return write_reference(tmp_path / "raw")


@pytest.fixture(scope="session")
def bundled_store(tmp_path_factory):
    """An SQLite store with the bundled reference data, the 2025 crime files and the
    2011-vintage 2022-01 file, linked. Built once: the tests on it only read."""
    from lpt import settings
    from lpt.ingest.crime import import_crime_files
    from lpt.ingest.reference import import_reference
    from lpt.linkage.link import link_all

    engine = open_store(f"sqlite:///{tmp_path_factory.mktemp('bundled') / 'lpt.sqlite'}")
    assert not import_reference(engine, progress=False).failed
    crime = import_crime_files(
        engine, [settings.bundled_crime_dir(), settings.raw_dir() / "crime_extra"], progress=False
    )
    assert not crime.failed
    link_all(engine)
    yield engine
    engine.dispose()
