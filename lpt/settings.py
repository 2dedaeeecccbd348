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
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = [
    "PROJECT_ROOT",
    "data_dir",
    "raw_dir",
    "bundled_crime_dir",
    "synthetic_dir",
    "database_url",
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


def database_url(explicit: str | None = None) -> str:
    """The store URL: an explicit value, else ``LPT_DATABASE_URL``, else the SQLite file."""
    if explicit:
        return explicit
    env = os.environ.get("LPT_DATABASE_URL")
    if env:
        return env
    return f"sqlite:///{data_dir() / 'lpt.sqlite'}"
