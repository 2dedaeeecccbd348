"""Helpers every command group shares: the store, the acting user, dates and tables."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from lpt.errors import LPTError

if TYPE_CHECKING:  # pandas is imported by the handlers that need it: lpt --help stays quick
    import pandas as pd

__all__ = ["acting_user", "iso_date", "open_engine", "print_frame"]


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
