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
    return database_url(request, tmp_path)


def database_url(request, folder) -> str:
    """A fresh database for a fixture parametrised ``sqlite`` / ``postgresql``."""
    if request.param == "sqlite":
        return f"sqlite:///{folder / 'lpt.sqlite'}"
    return create_database(request.getfixturevalue("postgres_server"), f"t_{uuid.uuid4().hex[:16]}")


@pytest.fixture(scope="session")
def _templates() -> dict[tuple[str, str], str]:
    """URLs of populated stores built once per session: (name, database kind) -> URL (see :func:`_copy_of`)."""
    return {}


def _copy_of(request, name: str, kind: str, folder) -> str:
    """A new database holding a copy of the test store ``name`` (``tests/<name>_files.py``'s ``populate``) on
    ``kind``: built once per session, then copied per test, which saves its imports, links and users (about
    a second) in every test that changes it."""
    import importlib
    import sqlite3
    from contextlib import closing

    templates = request.getfixturevalue("_templates")
    if (name, kind) not in templates:
        made = request.getfixturevalue("tmp_path_factory").mktemp(f"{name}-{kind}")
        url = f"sqlite:///{made / 'lpt.sqlite'}" if kind == "sqlite" else create_database(
            request.getfixturevalue("postgres_server"), f"t_{uuid.uuid4().hex[:16]}")
        engine = open_store(url)
        importlib.import_module(f"tests.{name}_files").populate(engine, made)
        engine.dispose()  # a PostgreSQL template takes no connections while it is copied
        templates[name, kind] = url
    template = templates[name, kind]
    if kind == "postgresql":
        server = request.getfixturevalue("postgres_server")
        return create_database(server, f"t_{uuid.uuid4().hex[:16]}", template=template.rsplit("/", 1)[1])
    with closing(sqlite3.connect(template.removeprefix("sqlite:///"))) as source:
        return _backup(source, folder / "lpt.sqlite")


def _opened_copy(request, name: str, kind: str, folder):
    """(engine, users by ID) of a fresh copy of the test store ``name`` on ``kind``, disposed after the test."""
    import importlib

    engine = open_store(_copy_of(request, name, kind, folder))
    request.addfinalizer(engine.dispose)
    return engine, importlib.import_module(f"tests.{name}_files").users_of(engine)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def doorstep(request, tmp_path):
    """The setups tests' store (tests/setups_files.py) on SQLite and on PostgreSQL: (engine, users by ID)."""
    return _opened_copy(request, "setups", request.param, tmp_path)


@pytest.fixture
def doorstep_sqlite(request, tmp_path):
    """The setups tests' store on SQLite only (for app and command-line tests): (engine, users by ID)."""
    return _opened_copy(request, "setups", "sqlite", tmp_path)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def populated(request, tmp_path):
    """The messaging tests' store (tests/messaging_files.py) on SQLite and on PostgreSQL: (engine, users by ID)."""
    return _opened_copy(request, "messaging", request.param, tmp_path)


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


@pytest.fixture(scope="session")
def sample_store(bundled_store, tmp_path_factory):
    """A store with the bundled public data and a synthetic sample-scale export (seed 3), refreshed, with
    users 'admin' and 'an1' (analyst). Returns (engine, the generated Synthetic). Tests only read it."""
    from lpt import settings
    from lpt.access.users import add_user, get_user
    from lpt.ingest.community import import_community_files
    from lpt.ingest.crime import import_crime_files
    from lpt.ingest.reference import import_reference
    from lpt.insight.refresh import refresh
    from lpt.linkage.link import link_all
    from lpt.synth import generate, write
    from lpt.synth.calibration import load_calibration

    folder = tmp_path_factory.mktemp("sample")
    synthetic = generate(load_calibration(bundled_store), seed=3, scale="sample")
    write(synthetic, folder)
    engine = open_store(f"sqlite:///{folder / 'lpt.sqlite'}")
    import_reference(engine, progress=False)
    import_crime_files(engine, [settings.bundled_crime_dir()], progress=False)
    link_all(engine)
    for kind in ("households", "members", "visits", "surveys"):
        import_community_files(engine, kind, [folder / f"{kind}.csv"])
    refresh(engine)
    add_user(engine, None, "admin", name="Admin", role="admin")
    add_user(engine, get_user(engine, "admin"), "an1", name="Analyst", role="analyst")
    yield engine, synthetic
    engine.dispose()


@pytest.fixture(scope="session")
def rendered(sample_store, tmp_path_factory):
    """The ward report of E05011529 (internal and public) and the force overview (with its PDF where
    Debian's chromium is installed), rendered through the CLI into a temporary reports folder
    (test_reports.py and the browser test read them)."""
    import shutil

    from lpt.cli import main

    engine, _ = sample_store
    folder = tmp_path_factory.mktemp("reports")
    url = engine.url.render_as_string(hide_password=False)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LPT_REPORTS_DIR", str(folder))
        pdf = ["--pdf"] if shutil.which("chromium") else []
        for command in (["ward", "E05011529"], ["ward", "E05011529", "--audience", "public"], ["force", *pdf]):
            assert main(["--db", url, "--user", "an1", "report", *command]) == 0
    return folder


OFFICER_WARD, OTHER_WARD = "E05011529", "E05011528"


def backup_copy(engine, path) -> str:
    """The URL of a copy of the SQLite store ``engine`` written to ``path`` (:func:`_backup`)."""
    source = engine.raw_connection()
    try:
        return _backup(source.driver_connection, path)
    finally:
        source.close()


def _backup(source, path) -> str:
    """Copy the open SQLite database ``source`` (a sqlite3 connection) to ``path`` with SQLite's backup API and
    return its URL: copying the file with open()/close() from this process would drop SQLite's POSIX locks on
    it (sqlite.org/howtocorrupt.html, 2.2)."""
    import sqlite3
    from contextlib import closing

    with closing(sqlite3.connect(path)) as target:
        source.backup(target)
    return f"sqlite:///{path}"


@pytest.fixture(scope="session")
def officer_store(sample_store, tmp_path_factory):
    """A copy of the sample store (apps write actions and shares; the sample stays read-only) with
    team 'hull-central' (officer 'pc-central' on ward E05011529, supervisor 'sgt-central'),
    team 'hull-west' (officer 'pc-west' on E05011528), officer 'pc-solo' (no team) and setup 1,
    'Central door-knocking' (every household of E05011529, open since 2025-01-01). Returns (engine, url)."""
    from datetime import date

    from lpt.access.users import add_team, add_user, get_user
    from lpt.setups.model import SetupArea, SetupSpec, create_setup

    engine, _ = sample_store
    url = backup_copy(engine, tmp_path_factory.mktemp("officer") / "lpt.sqlite")
    copy = open_store(url)
    admin = get_user(copy, "admin")
    add_team(copy, admin, "hull-central", "Hull Central neighbourhood team")
    add_team(copy, admin, "hull-west", "Hull West neighbourhood team")
    add_user(copy, admin, "pc-central", name="PC Central", role="officer", areas=[("ward", OFFICER_WARD)],
             team_id="hull-central")
    add_user(copy, admin, "sgt-central", name="Sgt Central", role="supervisor", areas=[("ward", OFFICER_WARD)],
             team_id="hull-central")
    add_user(copy, admin, "pc-west", name="PC West", role="officer", areas=[("ward", OTHER_WARD)], team_id="hull-west")
    add_user(copy, admin, "pc-solo", name="PC Solo", role="officer", areas=[("ward", OFFICER_WARD)])
    spec = SetupSpec("Central door-knocking", SetupArea(wards=(OFFICER_WARD,)), date(2025, 1, 1), team_id="hull-central")
    create_setup(copy, get_user(copy, "sgt-central"), spec, purpose="test setup")
    yield copy, url
    copy.dispose()
