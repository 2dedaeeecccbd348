"""Progress bars for long work, on stderr so ``--json`` output stays clean."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TypeVar

from tqdm.auto import tqdm

__all__ = ["progress_bar"]

T = TypeVar("T")


def progress_bar(items: Iterable[T], description: str, unit: str, progress: bool | None = None,
                 total: int | None = None) -> Iterator[T]:
    """Iterate ``items`` with a bar; ``progress`` None shows it only on a terminal; ``total``: the
    number of items, when ``items`` has no length (e.g. ``as_completed``)."""
    return iter(tqdm(items, desc=description, unit=unit, total=total,
                     disable=None if progress is None else not progress))
