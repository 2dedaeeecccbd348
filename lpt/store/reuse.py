"""Reuse force-wide results in long-lived processes until the data behind them changes.

The officer app's kernels and the worker kernels of ``lpt report all`` ask for the same
force-wide tables again and again (street scores, census counts, similar wards, change in
crime): each takes 0.1-2 s to compute and none depends on the user. In those processes
:func:`enable_reuse` turns on a memo for the functions marked :func:`reused`; everywhere else
(the command line, tests, notebooks) they compute afresh as before.

A kept result is used again only while the store's data version (:func:`data_version`) is the
one it was computed at. Every change to the data those functions read goes through an import (a
new crime or community batch, a reference dataset's fingerprint) or ``lpt refresh`` (a new row of
``insight_refreshes``), so one small query per call is enough to know. Access checks and audit
entries are never inside a reused function: callers make them on every call.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TypeVar

import pandas as pd
from sqlalchemy import Engine, func, select

from lpt.store.schema import community_batches, crime_batches, insight_refreshes, reference_imports

__all__ = ["data_version", "enable_reuse", "reused"]

_T = TypeVar("_T")
_ENABLED = False
_KEPT: dict[tuple, tuple[tuple, object]] = {}
"""(function, store URL, arguments) -> (data version it was computed at, result)."""


def enable_reuse(on: bool = True) -> None:
    """Turn the memo of :func:`reused` functions on (or off, forgetting what was kept) in this process."""
    global _ENABLED
    _ENABLED = on
    if not on:
        _KEPT.clear()


def data_version(engine: Engine) -> tuple:
    """What identifies the store's data: the latest insight refresh, crime batch and community
    batch, and every reference dataset's fingerprint."""
    latest = select(
        select(func.max(insight_refreshes.c.id)).scalar_subquery(),
        select(func.max(crime_batches.c.id)).scalar_subquery(),
        select(func.max(community_batches.c.id)).scalar_subquery(),
    )
    fingerprints = select(reference_imports.c.dataset, reference_imports.c.fingerprint).order_by(reference_imports.c.dataset)
    with engine.connect() as connection:
        return tuple(connection.execute(latest).one()), tuple(tuple(row) for row in connection.execute(fingerprints))


def reused(function: Callable[..., _T]) -> Callable[..., _T]:
    """Mark ``function(engine, ...)`` as reusable: with reuse enabled, its result for the same store,
    arguments and data version is computed once (a copy is returned when it is a data frame, so
    callers may change it)."""

    @functools.wraps(function)
    def wrapper(engine: Engine, *args, **kwargs) -> _T:
        if not _ENABLED:
            return function(engine, *args, **kwargs)
        key = (function.__module__, function.__qualname__, engine.url.render_as_string(hide_password=False), args,
               tuple(sorted(kwargs.items())))
        try:
            hash(key)
        except TypeError:  # an argument that cannot be a key (a dict, a frame): nothing to reuse
            return function(engine, *args, **kwargs)
        version = data_version(engine)
        kept = _KEPT.get(key)
        if kept is None or kept[0] != version:
            kept = _KEPT[key] = (version, function(engine, *args, **kwargs))
        result = kept[1]
        return result.copy() if isinstance(result, pd.DataFrame) else result  # type: ignore[return-value]

    return wrapper
