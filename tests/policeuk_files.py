"""Write small police.uk street files for tests."""

from __future__ import annotations

import csv
import gzip
import io
from pathlib import Path

from lpt.ingest.policeuk import COLUMNS


def crime_row(**fields: str) -> list[str]:
    """A sound street-file row; keyword names are the police.uk columns with spaces as underscores."""
    row = {
        "Crime ID": "a" * 64,
        "Month": "2025-03",
        "Reported by": "Test Constabulary",
        "Falls within": "Test Constabulary",
        "Longitude": "-1.500000",
        "Latitude": "52.400000",
        "Location": "On or near High Street",
        "LSOA code": "E01000001",
        "LSOA name": "Testshire 001A",
        "Crime type": "Burglary",
        "Last outcome category": "Under investigation",
        "Context": "",
    }
    for key, value in fields.items():
        row[key.replace("_", " ")] = value
    return [row[c] for c in COLUMNS]


def asb_row(**fields: str) -> list[str]:
    return crime_row(**{"Crime_ID": "", "Crime_type": "Anti-social behaviour", "Last_outcome_category": "", **fields})


def street_csv(rows: list[list[str]], header: tuple[str, ...] | list[str] = COLUMNS) -> str:
    out = io.StringIO()
    writer = csv.writer(out)  # "\r\n" ends rows, so a lone "\r" in a field is quoted
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def write_street_file(path: Path, rows: list[list[str]], *, gz: bool | None = None, **kwargs) -> Path:
    """Write rows under the header; compressed when the name ends in .gz."""
    data = street_csv(rows, **kwargs).encode()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(gzip.compress(data) if (path.suffix == ".gz" if gz is None else gz) else data)
    return path
