"""Write small community export files (docs/DATA_SCHEMA.md) for tests.

The default rows form one consistent export: household ``A1`` at ``TE1 1AA``
(a postcode of tests/reference_files.py), member ``M1`` living there, survey
answer ``R1`` by ``M1`` and visit ``V1`` to ``A1``.
"""

from __future__ import annotations

import csv
from pathlib import Path

from lpt.ingest.community import KINDS

DEFAULTS: dict[str, dict[str, str]] = {
    "households": {
        "address_id": "A1", "house_number": "1", "house_name": "", "street": "Mill Lane", "postcode": "TE1 1AA"
    },
    "members": {
        "member_id": "M1", "first_name": "Ann", "last_name": "Smith", "email": "ann@example.com",
        "phone": "07700 900001", "address_id": "A1", "postcode": "TE1 1AA", "age_band": "45-54", "sex": "Female",
        "ethnic_group": "White", "religion": "", "first_language": "English", "groups": "neighbourhood_watch",
        "opted_in": "2025-01-15", "opted_out": "",
    },
    "surveys": {
        "response_id": "R1", "member_id": "M1", "wave": "2025Q1", "responded_on": "2025-02-03", "trust": "4",
        "confidence": "3", "understands_issues": "3", "deals_with_concerns": "2", "priority_1": "drugs",
        "priority_2": "", "priority_3": "", "concern": "",
    },
    "visits": {
        "visit_id": "V1", "address_id": "A1", "postcode": "TE1 1AA", "visited_on": "2025-03-04",
        "officer_id": "PC1", "outcome": "not_in",
    },
}


def row(kind: str, **fields: str) -> dict[str, str]:
    """A sound row of ``kind`` with ``fields`` changed."""
    return {**DEFAULTS[kind], **fields}


def write_export(path: Path, kind: str, rows: list[dict[str, str] | list[str]]) -> Path:
    """Write ``rows`` (dicts by column, or raw lists of fields) under the kind's header."""
    path.parent.mkdir(parents=True, exist_ok=True)
    columns = KINDS[kind].columns
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows([r[c] for c in columns] if isinstance(r, dict) else r for r in rows)
    return path
