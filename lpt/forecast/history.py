"""Monthly counts per street and crime type, the input of every forecast."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from lpt.errors import LPTError
from lpt.ingest.files import find_files
from lpt.ingest.policeuk import COLUMN_INDEX, read_street_file

__all__ = ["StreetHistory", "street_history", "records_from_files", "RECORD_COLUMNS"]

#: Columns of a records frame: one row per police.uk row.
RECORD_COLUMNS = ["month", "location", "lsoa_code", "crime_type"]


@dataclass(frozen=True)
class StreetHistory:
    """Counts of police.uk rows per month, street and crime type.

    ``streets`` has columns ``location`` and ``lsoa_code`` and is sorted by
    location then LSOA code, so a stable sort of scores in this order breaks
    ties exactly as the back-test's scoring rules say. ``counts`` has shape
    (months, streets, crime types).
    """

    months: tuple[str, ...]
    streets: pd.DataFrame
    crime_types: tuple[str, ...]
    counts: np.ndarray

    @property
    def totals(self) -> np.ndarray:
        """Rows per month and street, all crime types: shape (months, streets)."""
        return self.counts.sum(axis=2)


def street_history(records: pd.DataFrame) -> StreetHistory:
    """Count ``records`` (columns :data:`RECORD_COLUMNS`) per month, street and type.

    Rows without an LSOA code are left out: they belong to no street. The
    months must be consecutive.
    """
    records = records.loc[records["lsoa_code"].fillna("").str.strip() != "", RECORD_COLUMNS]
    if records.empty:
        raise LPTError("no rows with an LSOA code to forecast from")
    months = _consecutive_months(records["month"].unique())
    streets = (
        records[["location", "lsoa_code"]].drop_duplicates().sort_values(["location", "lsoa_code"]).reset_index(drop=True)
    )
    crime_types = tuple(sorted(records["crime_type"].unique()))
    street_index = pd.MultiIndex.from_frame(streets).get_indexer(pd.MultiIndex.from_frame(records[["location", "lsoa_code"]]))
    counts = np.zeros((len(months), len(streets), len(crime_types)))
    np.add.at(
        counts,
        (
            pd.Index(months).get_indexer(records["month"]),
            street_index,
            pd.Index(crime_types).get_indexer(records["crime_type"]),
        ),
        1,
    )
    return StreetHistory(months=tuple(months), streets=streets, crime_types=crime_types, counts=counts)


def records_from_files(paths: Iterable[str | Path]) -> tuple[pd.DataFrame, str]:
    """Accepted rows of police.uk street files of one force, and the force's name.

    Returns a frame with columns :data:`RECORD_COLUMNS` holding every accepted
    row as published (duplicates included: the scoring rules count rows).
    Raises :class:`LPTError` for unreadable files or files of several forces.
    """
    files, missing = find_files(paths)
    if missing:
        raise LPTError("; ".join(reason for _, reason in missing))
    frames, forces = [], set()
    for path in files:
        parsed = read_street_file(path)
        forces.add(parsed.force)
        rows = pd.DataFrame([v for _, v in parsed.rows], columns=list(COLUMN_INDEX), dtype=str)
        frames.append(
            pd.DataFrame(
                {
                    "month": rows["Month"].str.strip(),
                    "location": rows["Location"],
                    "lsoa_code": rows["LSOA code"].str.strip(),
                    "crime_type": rows["Crime type"],
                }
            )
        )
    forces.discard(None)
    if len(forces) != 1:
        raise LPTError(f"the back-test needs files of exactly one force, found: {sorted(forces) or 'none'}")
    return pd.concat(frames, ignore_index=True), forces.pop()


def _consecutive_months(months: Iterable[str]) -> list[str]:
    periods = sorted(pd.Period(m, freq="M") for m in months)
    expected = pd.period_range(periods[0], periods[-1], freq="M")
    if len(expected) != len(periods):
        gaps = sorted(set(expected) - set(periods))
        raise LPTError(f"months are not consecutive: missing {', '.join(str(p) for p in gaps)}")
    return [str(p) for p in periods]
