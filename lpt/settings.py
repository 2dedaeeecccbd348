"""Paths and settings in one place (cookiecutter-data-science style).

Everything configurable is read here from the environment, so the rest of the
package never looks at ``os.environ`` itself.

Settings
--------
``LPT_DATABASE_URL``
    SQLAlchemy URL of the store. Unset: an SQLite file ``lpt.sqlite`` in the data
    folder. PostgreSQL deployments use ``postgresql+psycopg://user@host/db``.
``LPT_DATA_DIR``
    Folder of bundled data and the default SQLite store. Unset: ``data/`` at the
    project root.
``LPT_SECRET_KEY``
    Signs app links and keys pseudonymous IDs. Unset: ``data/secret.key``.
``LPT_HARM_WEIGHTS``
    CSV of harm weights per crime category. Unset: ``data/harm_weights.csv``.
``LPT_RETENTION_DAYS``
    How long personal data is kept after opt-out (default 730).
``LPT_USER``
    The LPT user the command line acts as.
``LPT_REPORTS_DIR``
    Where ``lpt report`` writes HTML reports and their index. Unset: ``reports/`` at the project root.
``LPT_APP_URL``
    The apps' address as users reach it (app links start with it). Unset: ``http://127.0.0.1:8866``.
``LPT_TILE_URL``
    A ``{z}/{x}/{y}`` tile server for the apps' maps. Unset: no base map (works offline).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

__all__ = [
    "PROJECT_ROOT",
    "data_dir",
    "raw_dir",
    "bundled_crime_dir",
    "synthetic_dir",
    "secret_key",
    "harm_weights_file",
    "retention_days",
    "current_user",
    "database_url",
    "reports_dir",
    "app_url",
    "tile_url",
]

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def data_dir() -> Path:
    """Folder holding the bundled data and, by default, the SQLite store."""
    return Path(os.environ.get("LPT_DATA_DIR") or PROJECT_ROOT / "data")


def raw_dir() -> Path:
    """Raw public data as published: read, never edited in place."""
    return data_dir() / "raw"


def bundled_crime_dir() -> Path:
    """police.uk street-level files bundled for the demo."""
    return raw_dir() / "crime"


def synthetic_dir() -> Path:
    """Generated synthetic community data (never committed): one folder per scale and seed."""
    return data_dir() / "synthetic"


def secret_key() -> bytes:
    """Key for signed app links and pseudonymous IDs: ``LPT_SECRET_KEY``, else ``data/secret.key``.

    The file is made on first use (random, readable by its owner only) so a
    single-machine install works out of the box; a deployment sets the
    environment variable from its secret store, the same on every server.
    """
    env = os.environ.get("LPT_SECRET_KEY")
    if env:
        return env.encode()
    path = data_dir() / "secret.key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip().encode()


def harm_weights_file() -> Path:
    """Harm weights per crime category: ``LPT_HARM_WEIGHTS``, else ``harm_weights.csv`` in the data folder."""
    return Path(os.environ.get("LPT_HARM_WEIGHTS") or data_dir() / "harm_weights.csv")


def retention_days() -> int:
    """Days personal data is kept after a member opts out, and door-knocking records after the visit:
    ``LPT_RETENTION_DAYS``, else 730 (two years)."""
    return int(os.environ.get("LPT_RETENTION_DAYS") or 730)


def current_user() -> str | None:
    """The LPT user the command line acts as: ``LPT_USER`` (or the ``--user`` option)."""
    return os.environ.get("LPT_USER") or None


def database_url(explicit: str | None = None) -> str:
    """The store URL: an explicit value, else ``LPT_DATABASE_URL``, else the SQLite file."""
    if explicit:
        return explicit
    env = os.environ.get("LPT_DATABASE_URL")
    if env:
        return env
    return f"sqlite:///{data_dir() / 'lpt.sqlite'}"


def reports_dir() -> Path:
    """Folder of the published HTML reports and their ``index.html``: ``LPT_REPORTS_DIR``, else ``reports/``.

    Only finished HTML goes here, never an executed notebook (papermill writes the parameters,
    including the database URL, into those).
    """
    return Path(os.environ.get("LPT_REPORTS_DIR") or PROJECT_ROOT / "reports")


def app_url() -> str:
    """Where ``lpt serve`` serves the apps, as users reach it (the start of every app link):
    ``LPT_APP_URL``, else ``http://127.0.0.1:8866``. Behind a proxy, set it to the public address."""
    return (os.environ.get("LPT_APP_URL") or "http://127.0.0.1:8866").rstrip("/")


def tile_url() -> str | None:
    """Map tiles for the apps' maps: ``LPT_TILE_URL`` (an ``{z}/{x}/{y}`` template of the force's own
    tile server), else none: the maps then draw boundaries and points on a plain background and
    never ask the internet for anything."""
    return os.environ.get("LPT_TILE_URL") or None
