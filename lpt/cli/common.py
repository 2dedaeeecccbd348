"""Helpers every command group shares: the store, the acting user, dates, files, streets and tables."""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from typing import TYPE_CHECKING

from lpt.errors import LPTError

if TYPE_CHECKING:  # pandas is imported by the handlers that need it: lpt --help stays quick
    import pandas as pd

__all__ = [
    "HIDDEN",
    "HIDDEN_NOTE",
    "acting_user",
    "iso_date",
    "open_engine",
    "print_frame",
    "print_table",
    "read_text",
    "records",
    "street_keys",
]

#: How a count hidden by disclosure control reads in a table, and the note saying why under it.
HIDDEN = "hidden"
HIDDEN_NOTE = (
    "hidden: fewer than 5, or hidden so that a count of fewer than 5 cannot be worked out from the others "
    "(disclosure control)"
)


def open_engine(args: argparse.Namespace):
    """The store of ``--db`` (or the default store)."""
    from lpt.store import open_store

    return open_store(args.db)


def acting_user(args: argparse.Namespace, engine):
    """The user of ``--user`` (or ``$LPT_USER``), who must exist."""
    from lpt import settings
    from lpt.access.users import get_user

    user_id = args.user or settings.current_user()
    if not user_id:
        raise LPTError("say who you are: --user USER_ID (or set LPT_USER)")
    return get_user(engine, user_id)


def iso_date(text: str):
    """``type=`` of date options: YYYY-MM-DD, or a usage error."""
    from datetime import date

    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date in YYYY-MM-DD form: {text!r}") from None


def print_frame(frame: pd.DataFrame, as_json: bool) -> None:
    """A table as text, or as a JSON list of records."""
    if as_json:
        print(frame.to_json(orient="records", date_format="iso"))
    else:
        print(frame.to_string(index=False) if not frame.empty else "Nothing to show.")


def records(frame: pd.DataFrame) -> list[dict]:
    """A table's rows for ``json.dumps(..., default=str)``: missing values (None, NaN, <NA>) null, days and
    times as their text."""
    return frame.astype(object).where(frame.notna(), None).to_dict("records")


def print_table(frame: pd.DataFrame, as_json: bool, hidden: Sequence[str] = ()) -> None:
    """A table as text (missing values '-') or a JSON list of :func:`records`. ``hidden``: columns of counts
    through disclosure control; in text their <NA> reads :data:`HIDDEN`, with :data:`HIDDEN_NOTE` under the
    table (a hidden cell of a table may be 5 or more, hidden to protect a smaller one, so "fewer than 5"
    would not always be true)."""
    if as_json:
        print(json.dumps(records(frame), default=str))
        return
    cells = frame.astype(object)
    for column in hidden:
        cells[column] = cells[column].where(frame[column].notna(), HIDDEN)
    print_frame(cells.where(cells.notna(), "-"), False)
    if frame[list(hidden)].isna().any().any():
        print(HIDDEN_NOTE)


def read_text(path: str, what: str) -> str:
    """The text of a file the user named, or an LPTError naming it (missing, unreadable, not UTF-8)."""
    from pathlib import Path

    try:
        return Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise LPTError(f"cannot read the {what} {path}: {getattr(exc, 'strerror', None) or exc}") from None


def street_keys(texts: Sequence[str]) -> tuple[tuple[str, str], ...]:
    """``--street`` values ('LSOA|street name') as street keys; LPTError for one without the bar."""
    if not all("|" in text for text in texts):
        raise LPTError("a street is LSOA|street name, e.g. --street 'E01012345|High Street'")
    return tuple((lsoa.strip(), name.strip()) for lsoa, name in (text.split("|", 1) for text in texts))
