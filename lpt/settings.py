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
``LPT_MAIL_TRANSPORT``
    How e-mail leaves LPT: ``outbox`` (default: ``.eml`` files in ``LPT_OUTBOX_DIR``, nothing is sent)
    or ``smtp`` (through ``LPT_SMTP_URL``).
``LPT_SMTP_URL``
    The mail server when ``LPT_MAIL_TRANSPORT=smtp``: ``smtp://user:password@host:587?starttls=1``
    (user and password percent-encoded; port 25 if left out; ``timeout=`` seconds, default 30).
``LPT_MAIL_FROM``
    The sender of LPT's e-mail. Unset: ``LPT <no-reply@lpt.invalid>``.
``LPT_OUTBOX_DIR``
    Where the ``outbox`` mail transport writes its ``.eml`` files. Unset: ``outbox/`` in the data folder.
``LPT_MESSAGE_CAPS``
    Frequency caps on messages to one member, ``N/D`` (at most N messages in D days),
    comma-separated; every kind and level counts. Unset: ``1/7,4/30``.
``LPT_BOUNCE_LIMIT``
    Bounces in a row after which a member's address is suspended (default 3).
``LPT_REPLY_URL``
    The residents' reply pages as residents reach them (every reply, survey and unsubscribe link
    starts with it). Unset: ``http://127.0.0.1:8867``.
``LPT_LINK_DAYS``
    Days a resident's link (reply, survey, unsubscribe) stays valid after the message is sent
    (default 60).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from lpt.errors import LPTError

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
    "mail_transport",
    "smtp_url",
    "mail_from",
    "outbox_dir",
    "message_caps",
    "bounce_limit",
    "reply_url",
    "link_max_age_days",
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


def mail_transport() -> str:
    """How e-mail leaves LPT: ``LPT_MAIL_TRANSPORT`` (``outbox`` or ``smtp``), else ``outbox``, which
    only writes files, so a fresh install never mails anyone. Checked by the messaging transport."""
    return (os.environ.get("LPT_MAIL_TRANSPORT") or "outbox").strip().lower()


def smtp_url() -> str | None:
    """The mail server for the ``smtp`` transport: ``LPT_SMTP_URL``, e.g.
    ``smtp://user:password@host:587?starttls=1``. It holds a password: never print or log it."""
    return os.environ.get("LPT_SMTP_URL") or None


def mail_from() -> str:
    """The sender (``From:``) of LPT's e-mail: ``LPT_MAIL_FROM``, else ``LPT <no-reply@lpt.invalid>``."""
    return os.environ.get("LPT_MAIL_FROM") or "LPT <no-reply@lpt.invalid>"


def outbox_dir() -> Path:
    """Where the ``outbox`` mail transport writes one ``.eml`` file per message: ``LPT_OUTBOX_DIR``,
    else ``outbox/`` in the data folder."""
    return Path(os.environ.get("LPT_OUTBOX_DIR") or data_dir() / "outbox")


def message_caps() -> list[tuple[int, int]]:
    """Frequency caps per member as (count, days) pairs: ``LPT_MESSAGE_CAPS``, else ``1/7,4/30``
    (at most 1 message in 7 days and 4 in 30). Message overload is the main reason members leave,
    so the caps are enforced when messages are sent (lpt.messaging.caps)."""
    text = os.environ.get("LPT_MESSAGE_CAPS") or "1/7,4/30"
    caps = []
    for part in text.split(","):
        count, _, days = part.strip().partition("/")
        if not (count.isdigit() and days.isdigit() and int(count) >= 1 and int(days) >= 1):
            raise LPTError(
                f"LPT_MESSAGE_CAPS={text!r}: each cap is N/D, at most N (>= 1) messages in D (>= 1) days, "
                "comma-separated, e.g. 1/7,4/30"
            )
        caps.append((int(count), int(days)))
    return caps


def bounce_limit() -> int:
    """Bounces in a row after which a member's address is suspended: ``LPT_BOUNCE_LIMIT``, else 3."""
    text = os.environ.get("LPT_BOUNCE_LIMIT") or "3"
    if not text.strip().isdigit() or int(text) < 1:
        raise LPTError(f"LPT_BOUNCE_LIMIT={text!r}: a whole number of bounces, at least 1")
    return int(text)


def reply_url() -> str:
    """Where the residents' reply pages are, as residents reach them (the start of every reply, survey
    and unsubscribe link): ``LPT_REPLY_URL``, else ``http://127.0.0.1:8867``. Behind a proxy, set it to
    the public HTTPS address."""
    return (os.environ.get("LPT_REPLY_URL") or "http://127.0.0.1:8867").rstrip("/")


def link_max_age_days() -> int:
    """Days a resident's link stays valid after it was issued: ``LPT_LINK_DAYS``, else 60 (long enough
    to answer a quarterly survey, short enough that old mail is not a standing key)."""
    text = os.environ.get("LPT_LINK_DAYS") or "60"
    if not text.strip().isdigit() or int(text) < 1:
        raise LPTError(f"LPT_LINK_DAYS={text!r}: a whole number of days, at least 1")
    return int(text)
