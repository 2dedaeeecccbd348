"""Read and validate one police.uk street-level crime file, losing no row.

A police.uk "street" file (``YYYY-MM-<force>-street.csv``, see
https://data.police.uk/about/#columns) holds one force's crimes and anti-social
behaviour for one month. This module only reads: every data row comes back
either accepted or rejected with its line, field and reason, and a file that is
broken as a whole raises :class:`~lpt.errors.InputFileError` naming the line.
Nothing here assumes a particular force.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from lpt.errors import InputFileError
from lpt.ingest.csvfile import Reject, read_text, split_rows

__all__ = [
    "COLUMNS",
    "COLUMN_INDEX",
    "LATITUDE_RANGE",
    "LONGITUDE_RANGE",
    "Reject",
    "StreetFile",
    "read_street_file",
    "parse_street_text",
    "parse_coordinate",
]

#: The 12 columns of a police.uk street file, in order.
COLUMNS: tuple[str, ...] = (
    "Crime ID",
    "Month",
    "Reported by",
    "Falls within",
    "Longitude",
    "Latitude",
    "Location",
    "LSOA code",
    "LSOA name",
    "Crime type",
    "Last outcome category",
    "Context",
)
#: Position of each column in a row.
COLUMN_INDEX: dict[str, int] = {name: index for index, name in enumerate(COLUMNS)}
MONTH, REPORTED_BY, LONGITUDE, LATITUDE, LSOA_CODE, CRIME_TYPE = (
    COLUMN_INDEX[c] for c in ("Month", "Reported by", "Longitude", "Latitude", "LSOA code", "Crime type")
)

#: police.uk covers England, Wales and Northern Ireland; points outside this box
#: (with a margin) are errors, not places.
LONGITUDE_RANGE = (-11.0, 3.0)
LATITUDE_RANGE = (49.0, 61.0)

_MONTH_RE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
_FILE_MONTH_RE = re.compile(r"^(\d{4}-(?:0[1-9]|1[0-2]))-")
#: GSS codes of Lower layer Super Output Areas: England E01, Wales W01.
_LSOA_RE = re.compile(r"^[EW]01\d{6}$")


@dataclass
class StreetFile:
    """A parsed street file: ``rows`` are ``(line, values)`` of accepted rows, in file order."""

    path: str
    force: str | None
    month: str | None
    rows: list[tuple[int, tuple[str, ...]]] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)

    @property
    def read(self) -> int:
        """Data rows read: always ``len(rows) + len(rejects)``."""
        return len(self.rows) + len(self.rejects)


def read_street_file(path: str | Path) -> StreetFile:
    """Read a plain or gzip-compressed police.uk street file."""
    return parse_street_text(read_text(path), path)


def parse_street_text(text: str, path: str | Path) -> StreetFile:
    """Parse the decoded text of a street file; ``path`` names it in errors and decides the month."""
    name = str(path)
    parsed_csv = split_rows(text, name)
    header = parsed_csv.header
    if tuple(h.strip() for h in header) != COLUMNS:
        raise InputFileError(
            name,
            "header is not a police.uk street file: expected "
            f"{','.join(COLUMNS)!r}, found {','.join(header)[:200]!r}",
            parsed_csv.header_line,
        )
    data = parsed_csv.rows
    month = _file_month(Path(name).name, data)
    force = _majority(v[REPORTED_BY].strip() for _, v in data if len(v) == len(COLUMNS))
    parsed = StreetFile(path=name, force=force, month=month)
    for line, values in data:
        problem = _check_row(values, month, force)
        if problem is None:
            parsed.rows.append((line, tuple(values)))
        else:
            parsed.rejects.append(Reject(line, problem[0], problem[1], tuple(values)))
    return parsed


def _file_month(filename: str, data: list[tuple[int, list[str]]]) -> str | None:
    """The month a file covers: from its police.uk name, else the commonest valid Month."""
    found = _FILE_MONTH_RE.match(filename)
    if found:
        return found.group(1)
    months = (v[MONTH].strip() for _, v in data if len(v) == len(COLUMNS))
    return _majority(m for m in months if _MONTH_RE.match(m))


def _majority(values) -> str | None:
    counts = Counter(v for v in values if v)
    return counts.most_common(1)[0][0] if counts else None


def _check_row(values: list[str], month: str | None, force: str | None) -> tuple[str, str] | None:
    """The first ``(field, reason)`` that stops a row being stored, or None if it is sound."""
    if len(values) != len(COLUMNS):
        return "(row)", f"expected {len(COLUMNS)} fields, found {len(values)}"
    row_month = values[MONTH].strip()
    if not _MONTH_RE.match(row_month):
        return "Month", f"not a month in YYYY-MM form: {row_month!r}"
    if row_month != month:
        return "Month", f"{row_month} is not the file's month {month}"
    reported_by = values[REPORTED_BY].strip()
    if not reported_by:
        return "Reported by", "empty"
    if reported_by != force:
        return "Reported by", f"{reported_by!r} is not the file's force {force!r}"
    coordinate_problem = _check_coordinates(values[LONGITUDE].strip(), values[LATITUDE].strip())
    if coordinate_problem:
        return coordinate_problem
    lsoa = values[LSOA_CODE].strip()
    if lsoa and not _LSOA_RE.match(lsoa):
        return "LSOA code", f"malformed LSOA code {lsoa!r} (expected E01 or W01 and 6 digits)"
    if not values[CRIME_TYPE].strip():
        return "Crime type", "empty"
    return None


def _check_coordinates(lon: str, lat: str) -> tuple[str, str] | None:
    if not lon and not lat:
        return None  # stored without a location, and flagged
    for name, text, (low, high), other in (
        ("Longitude", lon, LONGITUDE_RANGE, "Latitude"),
        ("Latitude", lat, LATITUDE_RANGE, "Longitude"),
    ):
        if not text:
            return name, f"empty while {other} is given"
        try:
            number = float(text)
        except ValueError:
            return name, f"not a number: {text[:40]!r}"
        if not math.isfinite(number):
            return name, f"not a finite number: {text[:40]!r}"
        if not low <= number <= high:
            return name, f"{number} is outside the police.uk range {low} to {high}"
    return None


def parse_coordinate(text: str) -> float | None:
    """A validated coordinate string as a float, or None where the row has no location."""
    text = text.strip()
    return float(text) if text else None
