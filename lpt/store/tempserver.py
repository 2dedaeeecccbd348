"""A throw-away PostgreSQL server in a temporary folder, for tests and benchmarks.

It runs the machine's own ``initdb`` and ``pg_ctl`` (Debian: package
``postgresql``), listens on 127.0.0.1 only, trusts local connections and is
deleted when the context ends. As root it runs the server as the ``postgres``
user, since PostgreSQL refuses to run as root.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path

from sqlalchemy import create_engine, text

from lpt.errors import StoreError

__all__ = ["find_postgres_bin", "temporary_postgres", "create_database"]


def find_postgres_bin() -> Path | None:
    """Folder holding ``initdb`` and ``pg_ctl``, newest Debian version first, else PATH."""
    candidates = sorted(
        Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: _version_key(p.parent.name), reverse=True
    )
    on_path = shutil.which("initdb")
    if on_path:
        candidates.append(Path(on_path).resolve().parent)
    return next((c for c in candidates if (c / "initdb").exists() and (c / "pg_ctl").exists()), None)


@contextmanager
def temporary_postgres(bindir: Path | None = None) -> Iterator[str]:
    """Start a server; yield the SQLAlchemy URL of its ``postgres`` database; stop and delete it."""
    bindir = bindir or find_postgres_bin()
    if bindir is None:
        raise StoreError("PostgreSQL server binaries (initdb, pg_ctl) not found: install postgresql")
    folder = Path(tempfile.mkdtemp(prefix="lpt-pg-"))
    data, port = folder / "data", _free_port()
    as_root = os.geteuid() == 0
    if as_root:
        shutil.chown(folder, "postgres")
    run = partial(_run, as_postgres=as_root)
    try:
        run([bindir / "initdb", "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"])
        options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        run([bindir / "pg_ctl", "-D", data, "-o", options, "-l", folder / "log", "-w", "start"])
        try:
            yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
        finally:
            run([bindir / "pg_ctl", "-D", data, "-m", "immediate", "-w", "stop"])
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def create_database(server_url: str, name: str, *, template: str | None = None) -> str:
    """Create database ``name`` on the server, as a copy of database ``template`` if given (which nobody
    may be connected to), and return its URL."""
    engine = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else "")))
    engine.dispose()
    return server_url.rsplit("/", 1)[0] + f"/{name}"


def _run(argv, *, as_postgres: bool) -> None:
    command = [str(a) for a in argv]
    if as_postgres:
        command = ["runuser", "-u", "postgres", "--", *command]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode:
        program = Path(str(argv[0])).name
        raise StoreError(f"{program} failed (exit {done.returncode}): {done.stderr.strip() or done.stdout.strip()}")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _version_key(name: str) -> tuple[int, ...]:
    return tuple(int(part) for part in name.split(".") if part.isdigit())
