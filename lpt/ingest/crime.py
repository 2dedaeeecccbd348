"""Import police.uk street files into the store: one transaction per file, nothing lost.

Semantics (each has a test in ``tests/test_ingest_crime.py``):

* A file broken as a whole stores nothing; its report carries the error and the
  other files still import.
* Bad rows go to ``crime_rejects`` with line, field and reason; the rest imports.
* A row identical in every field to an earlier row with the same non-empty
  Crime ID is a *duplicate* (counted, first kept). Rows sharing a Crime ID but
  differing are separate records, flagged ``shared_crime_id``. Identical rows
  without a Crime ID (ASB) are separate incidents, numbered by ``ordinal``.
* A force-month is the unit of replacement. Importing content identical to the
  stored version counts every row as a duplicate; different content (a
  republished month) replaces the stored version: ``replaced`` counts the rows
  removed. The earlier batch and its rejects stay on record, inactive.
* For every file ``read == stored + duplicates + rejected``.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
from sqlalchemy import Connection, Engine, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from lpt.errors import InputFileError
from lpt.ingest.files import find_files
from lpt.ingest.policeuk import StreetFile, parse_coordinate, read_street_file
from lpt.ingest.report import FileReport, ImportReport
from lpt.progress import progress_bar
from lpt.store.frames import insert_rows
from lpt.store.schema import crime_batches, crime_rejects, crimes

__all__ = ["FileReport", "ImportReport", "import_crime_files", "import_street_file"]

#: Store column of each police.uk column, in file order.
_FIELDS = (
    "crime_id",
    "month",
    "reported_by",
    "falls_within",
    "longitude",
    "latitude",
    "location",
    "lsoa_code",
    "lsoa_name",
    "crime_type",
    "last_outcome_category",
    "context",
)


def import_crime_files(
    engine: Engine, paths: Iterable[str | Path], *, progress: bool | None = None
) -> ImportReport:
    """Import police.uk street files (plain or .gz) and folders of them.

    ``progress`` None shows a bar only on a terminal (always on stderr).
    """
    report = ImportReport()
    files, missing = find_files(paths)
    report.files.extend(FileReport(path=str(p), error=reason) for p, reason in missing)
    for path in progress_bar(files, "Importing crime files", "file", progress):
        report.files.append(import_street_file(engine, path))
    return report


def import_street_file(engine: Engine, path: str | Path) -> FileReport:
    """Import one file in one transaction."""
    try:
        parsed = read_street_file(path)
    except InputFileError as exc:
        return FileReport(path=str(path), error=str(exc))
    if not parsed.read:
        return FileReport(path=parsed.path)
    hashes = [_row_hash(values) for _, values in parsed.rows]
    records, duplicates = _records(parsed, hashes)
    fingerprint = _fingerprint(hashes + [_row_hash(r.values) for r in parsed.rejects])
    try:
        with engine.begin() as connection:
            return _store(connection, parsed, records, duplicates, fingerprint)
    except IntegrityError:
        return FileReport(
            path=str(path),
            error=f"{path}: another import of {parsed.force} {parsed.month} ran at the same time; "
            "import this file again",
        )


def _row_hash(values: Sequence[str]) -> str:
    return hashlib.sha1("\x1f".join(values).encode()).hexdigest()


def _fingerprint(row_hashes: list[str]) -> str:
    """Order-free digest of every data row, accepted or not: equal files, equal prints."""
    return hashlib.sha256("".join(sorted(row_hashes)).encode()).hexdigest()


def _records(parsed: StreetFile, hashes: list[str]) -> tuple[list[dict], int]:
    """Rows to store (without ``batch_id``) and the number of duplicates dropped.

    ``hashes`` are the row hashes of ``parsed.rows``, in order.
    """
    seen: Counter[str] = Counter()
    variants: defaultdict[str, set[str]] = defaultdict(set)
    records: list[dict] = []
    duplicates = 0
    for (line, values), row_hash in zip(parsed.rows, hashes, strict=True):
        raw = dict(zip(_FIELDS, values))
        crime_id = raw["crime_id"] if raw["crime_id"].strip() else None
        if crime_id is not None and seen[row_hash]:
            duplicates += 1
            continue
        if crime_id is not None:
            variants[crime_id].add(row_hash)
        longitude = parse_coordinate(raw["longitude"])
        records.append(
            {
                **raw,
                "force": parsed.force,
                "month": parsed.month,
                "crime_id": crime_id,
                "longitude": longitude,
                "latitude": parse_coordinate(raw["latitude"]),
                "lsoa_code": raw["lsoa_code"].strip() or None,
                "lsoa_name": raw["lsoa_name"] or None,
                "last_outcome_category": raw["last_outcome_category"] or None,
                "context": raw["context"] or None,
                "source_line": line,
                "row_hash": row_hash,
                "ordinal": seen[row_hash],
                "has_location": longitude is not None,
            }
        )
        seen[row_hash] += 1
    for record in records:
        record["shared_crime_id"] = len(variants.get(record["crime_id"], ())) > 1
    return records, duplicates


def _store(
    connection: Connection, parsed: StreetFile, records: list[dict], duplicates: int, fingerprint: str
) -> FileReport:
    force, month = parsed.force or "", parsed.month or ""
    current = connection.execute(
        select(crime_batches.c.id, crime_batches.c.fingerprint).where(
            crime_batches.c.force == force, crime_batches.c.month == month, crime_batches.c.active
        )
    ).first()
    if current is not None and current.fingerprint == fingerprint:
        return FileReport(path=parsed.path, read=parsed.read, duplicates=parsed.read)

    replaced = 0
    if current is not None:
        replaced = connection.execute(delete(crimes).where(crimes.c.batch_id == current.id)).rowcount
        connection.execute(update(crime_batches).where(crime_batches.c.id == current.id).values(active=False))
    report = FileReport(
        path=parsed.path,
        read=parsed.read,
        stored=len(records),
        duplicates=duplicates,
        rejected=len(parsed.rejects),
        replaced=replaced,
    )
    batch_id = connection.execute(
        insert(crime_batches).values(
            force=force,
            month=month,
            source_path=parsed.path,
            fingerprint=fingerprint,
            **report.batch_counts(),
            imported_at=datetime.now(UTC),
            active=True,
        )
    ).inserted_primary_key[0]
    if current is not None:
        connection.execute(
            update(crime_batches).where(crime_batches.c.id == current.id).values(superseded_by=batch_id)
        )
    insert_rows(connection, crimes, pd.DataFrame(records).assign(batch_id=batch_id))
    if parsed.rejects:
        connection.execute(
            insert(crime_rejects),
            [
                {
                    "batch_id": batch_id,
                    "source_path": parsed.path,
                    "line": r.line,
                    "field": r.field,
                    "reason": r.reason,
                    "raw_values": json.dumps(list(r.values), ensure_ascii=False),
                }
                for r in parsed.rejects
            ],
        )
    return report
