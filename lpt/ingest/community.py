"""Import a community messaging system's export: households, members, surveys, visits.

Same semantics as the crime import (one transaction per file, bad rows kept
in ``community_rejects`` with line, field and reason, safe to repeat), with
records keyed by their own ID:

* a row whose ID is new is stored; one whose ID is stored with other values
  replaces it (``replaced`` counts those); an unchanged row is a duplicate;
* the same file again stores nothing and counts every row as a duplicate,
  unless rows of it were rejected for a household or member not stored then:
  such a file is imported again in full;
* a row repeating the ID of an earlier sound row of the same file is a
  duplicate if identical, else rejected naming that row's line;
* references must resolve: a member's ``address_id`` (when given) and a
  visit's in ``households``, a survey answer's ``member_id`` in ``members`` —
  so import households, then members, then visits and surveys;
* a survey answer's date lies in its wave's quarter, a member's ``opted_out``
  is not before ``opted_in``;
* values are stripped of surrounding spaces; a rejected row is kept whole.

File formats: docs/DATA_SCHEMA.md.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
from sqlalchemy import Connection, Engine, Table, bindparam, insert, select, update

from lpt.errors import InputFileError, LPTError
from lpt.ingest import fields as f
from lpt.ingest.csvfile import read_text, split_rows
from lpt.ingest.files import find_files
from lpt.ingest.report import FileReport, ImportReport
from lpt.store.frames import insert_rows
from lpt.store.schema import community_batches, community_rejects, households, members, survey_responses, visits
from lpt.vocab import AGE_BANDS, ETHNIC_GROUPS, GROUPS, QUESTIONS, SEXES, TOPICS, VISIT_OUTCOMES

__all__ = ["KINDS", "RecordKind", "RowCheck", "import_community_files", "import_community_file"]

_SCAN_ABOVE = 2000  # keys looked up: above this, scan the table instead of IN lists
_ID = r"[A-Za-z0-9_-]{1,40}"
#: Words of the reason of a row whose household or member is not stored.
_UNRESOLVED = "is not a stored"


#: A check across the fields of a row: the reason per row ('' where fine), run on rows whose fields are sound.
RowCheck = Callable[[pd.DataFrame], pd.Series]


@dataclass(frozen=True)
class RecordKind:
    """One export file type: its table, key, columns and the checks and references its rows must satisfy."""

    name: str
    table: Table
    key: str
    fields: tuple[f.Field, ...]
    references: tuple[tuple[str, Table], ...] = ()  # (column, table whose key it must be)
    row_checks: tuple[tuple[str, RowCheck], ...] = ()  # (field named in the reject, check)

    @property
    def columns(self) -> list[str]:
        return [field.name for field in self.fields]


def _dates(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values, format="%Y-%m-%d", errors="coerce")


def _in_wave(frame: pd.DataFrame) -> pd.Series:
    """A survey answer is given inside its wave's quarter."""
    answered = _dates(frame["responded_on"])
    quarter = answered.dt.year.astype("Int64").astype(str) + "Q" + answered.dt.quarter.astype("Int64").astype(str)
    bad = answered.notna() & (quarter != frame["wave"])
    return pd.Series("", index=frame.index, dtype=object).mask(
        bad, frame["responded_on"].map(repr) + " is not in wave " + frame["wave"]
    )


def _opted_out_after_in(frame: pd.DataFrame) -> pd.Series:
    """A member leaves the scheme no earlier than joining it."""
    bad = _dates(frame["opted_out"]) < _dates(frame["opted_in"])
    return pd.Series("", index=frame.index, dtype=object).mask(
        bad, frame["opted_out"].map(repr) + " is before opted_in " + frame["opted_in"].map(repr)
    )


def _id(name: str, *, required: bool = True) -> f.Field:
    return f.pattern(name, _ID, "an ID of letters, digits, '-' or '_'", required=required)


KINDS: dict[str, RecordKind] = {
    kind.name: kind
    for kind in (
        RecordKind(
            "households",
            households,
            "address_id",
            (
                _id("address_id"),
                f.text("house_number", max_length=20, required=False),
                f.text("house_name", required=False),
                f.text("street"),
                f.postcode("postcode"),
            ),
        ),
        RecordKind(
            "members",
            members,
            "member_id",
            (
                _id("member_id"),
                f.text("first_name", max_length=100),
                f.text("last_name", max_length=100),
                f.pattern("email", r"[^@\s]+@[^@\s]+\.[^@\s]+", "an e-mail address", required=False),
                f.pattern("phone", r"\+?[0-9 ()-]{6,20}", "a telephone number", required=False),
                _id("address_id", required=False),
                f.postcode("postcode"),
                f.choice("age_band", AGE_BANDS, required=False),
                f.choice("sex", SEXES, required=False),
                f.choice("ethnic_group", ETHNIC_GROUPS, required=False),
                f.text("religion", max_length=40, required=False),
                f.text("first_language", max_length=40, required=False),
                f.choices("groups", GROUPS),
                f.date("opted_in"),
                f.date("opted_out", required=False),
            ),
            references=(("address_id", households),),
            row_checks=(("opted_out", _opted_out_after_in),),
        ),
        RecordKind(
            "surveys",
            survey_responses,
            "response_id",
            (
                _id("response_id"),
                _id("member_id"),
                f.pattern("wave", r"\d{4}Q[1-4]", "a wave like 2025Q1"),
                f.date("responded_on"),
                *(f.integer(question, 1, 5) for question in QUESTIONS),
                f.choice("priority_1", TOPICS, required=False),
                f.choice("priority_2", TOPICS, required=False),
                f.choice("priority_3", TOPICS, required=False),
                f.text("concern", max_length=2000, required=False),
            ),
            references=(("member_id", members),),
            row_checks=(("responded_on", _in_wave),),
        ),
        RecordKind(
            "visits",
            visits,
            "visit_id",
            (
                _id("visit_id"),
                _id("address_id"),
                f.postcode("postcode"),
                f.date("visited_on"),
                _id("officer_id"),
                f.choice("outcome", VISIT_OUTCOMES),
            ),
            references=(("address_id", households),),
        ),
    )
}


def import_community_files(
    engine: Engine, kind: str, paths: Iterable[str | Path]
) -> ImportReport:
    """Import export files of one ``kind`` (households, members, surveys, visits)."""
    if kind not in KINDS:
        raise LPTError(f"unknown kind of community data {kind!r}: one of {', '.join(KINDS)}")
    report = ImportReport()
    files, missing = find_files(paths)
    report.files.extend(FileReport(path=str(p), error=reason) for p, reason in missing)
    report.files.extend(import_community_file(engine, KINDS[kind], path) for path in files)
    return report


def import_community_file(engine: Engine, kind: RecordKind, path: str | Path) -> FileReport:
    """Import one file in one transaction."""
    try:
        frame, header = _read(kind, path)
    except InputFileError as exc:
        return FileReport(path=str(path), error=str(exc))
    if frame.empty:
        return FileReport(path=str(path))
    with engine.begin() as connection:
        return _store(connection, kind, str(path), frame, header)


def _read(kind: RecordKind, path: str | Path) -> tuple[pd.DataFrame, list[str]]:
    """The file's rows as stripped text columns in the kind's order, plus ``_line``,
    ``_width`` (fields in the row) and ``_values`` (the row as read, for rejects); and its header.

    Values are stripped here, so a key written ' A1' is the same record as 'A1'.
    """
    rows = split_rows(read_text(path), path)
    header = [h.strip() for h in rows.header]
    missing = [c for c in kind.columns if c not in header]
    unexpected = [c for c in header if c not in kind.columns]
    if missing or unexpected or len(set(header)) != len(header):
        raise InputFileError(
            path,
            f"header is not a {kind.name} export: expected columns {','.join(kind.columns)}; "
            + "; ".join(
                part
                for part in (
                    f"missing {', '.join(missing)}" if missing else "",
                    f"unexpected {', '.join(unexpected)}" if unexpected else "",
                    "repeated columns" if len(set(header)) != len(header) else "",
                )
                if part
            ),
            rows.header_line,
        )
    width = len(header)
    frame = pd.DataFrame(
        [values if len(values) == width else [""] * width for _, values in rows.rows], columns=header, dtype=object
    )
    frame = frame[kind.columns].astype(str).apply(lambda column: column.str.strip())
    frame["_line"] = [line for line, _ in rows.rows]
    frame["_width"] = [len(values) for _, values in rows.rows]
    frame["_values"] = [values for _, values in rows.rows]
    return frame, header


def _raw(header: list[str], values: list[str]) -> str:
    """A rejected row as read, as a JSON object; fields beyond the header go under ``(extra)``."""
    row: dict[str, object] = dict(zip(header, values))
    if len(values) > len(header):
        row["(extra)"] = values[len(header) :]
    return json.dumps(row, ensure_ascii=False)


def _row_hashes(frame: pd.DataFrame, columns: list[str], bad_width: pd.Series) -> pd.Series:
    """sha1 of each row's values joined by the unit separator; of its fields as read where
    it has the wrong number of them (its columns are blank then)."""
    joined = frame[columns[0]].str.cat([frame[c] for c in columns[1:]], sep="\x1f")
    joined[bad_width] = frame.loc[bad_width, "_values"].str.join("\x1f")
    return pd.Series([hashlib.sha1(text.encode()).hexdigest() for text in joined], index=frame.index, dtype=object)


def _store(connection: Connection, kind: RecordKind, path: str, frame: pd.DataFrame, header: list[str]) -> FileReport:
    read = len(frame)
    bad_width = frame["_width"] != len(header)
    frame = frame.assign(_hash=_row_hashes(frame, kind.columns, bad_width))
    fingerprint = hashlib.sha256("".join(sorted(frame["_hash"])).encode()).hexdigest()
    if _seen_before(connection, kind, fingerprint):
        return FileReport(path=path, read=read, duplicates=read)

    field_of, reason_of = f.first_problem(kind.fields, frame)
    for field, check in kind.row_checks:
        sound = field_of == ""
        reasons = check(frame[sound]).reindex(frame.index, fill_value="")
        field_of[reasons != ""] = field
        reason_of[reasons != ""] = reasons
    field_of[bad_width] = "(row)"
    reason_of[bad_width] = f"expected {len(header)} fields, found " + frame.loc[bad_width, "_width"].astype(str)
    _check_repeats(frame, kind.key, field_of, reason_of)
    _check_references(connection, kind, frame, field_of, reason_of)
    sound = frame[field_of == ""]
    repeated = sound.duplicated(kind.key, keep="first")
    duplicates = int(repeated.sum())
    sound = sound[~repeated]

    stored_hashes = _stored_hashes(connection, kind, sound[kind.key])
    previous = sound[kind.key].map(stored_hashes)
    unchanged = previous == sound["_hash"]
    changed = previous.notna() & ~unchanged
    new = previous.isna()
    report = FileReport(
        path=path,
        read=read,
        stored=int((new | changed).sum()),
        duplicates=duplicates + int(unchanged.sum()),
        rejected=int((field_of != "").sum()),
        replaced=int(changed.sum()),
    )
    batch_id = _batch(connection, kind, path, fingerprint, report)
    values = pd.DataFrame({field.name: field.values(sound[field.name]) for field in kind.fields}, index=sound.index)
    values = values.assign(batch_id=batch_id, row_hash=sound["_hash"])
    insert_rows(connection, kind.table, values[new])
    if changed.any():
        key = kind.table.c[kind.key]
        rows = values[changed].astype(object).where(values[changed].notna(), None)
        connection.execute(update(kind.table).where(key == bindparam("_key")), rows.rename(columns={kind.key: "_key"}).to_dict("records"))
    rejected = frame[field_of != ""]
    if len(rejected):
        connection.execute(
            insert(community_rejects),
            [
                {"batch_id": batch_id, "line": line, "field": field, "reason": reason, "raw_values": raw}
                for line, field, reason, raw in zip(
                    rejected["_line"],
                    field_of[rejected.index],
                    reason_of[rejected.index],
                    rejected["_values"].map(lambda values: _raw(header, values)),
                )
            ],
        )
    return report


def _seen_before(connection: Connection, kind: RecordKind, fingerprint: str) -> bool:
    """Whether a file with these rows was imported before and none of its rows waited for a reference.

    A file whose rows were rejected only because their household or member was
    not stored yet is imported again in full, so importing in the wrong order
    is mended by importing again in the right one.
    """
    earlier = select(community_batches.c.id).where(
        community_batches.c.kind == kind.name, community_batches.c.fingerprint == fingerprint
    )
    waiting = select(community_rejects.c.batch_id).where(
        community_rejects.c.batch_id.in_(earlier), community_rejects.c.reason.contains(_UNRESOLVED)
    )
    return connection.execute(earlier.where(community_batches.c.id.not_in(waiting))).first() is not None


def _check_repeats(frame: pd.DataFrame, key: str, field_of: pd.Series, reason_of: pd.Series) -> None:
    """A sound row repeating an earlier sound row's ID with other values is rejected."""
    sound = frame[field_of == ""]
    first_line = sound.groupby(key)["_line"].transform("first")
    clash = sound.groupby(key)["_hash"].transform("first") != sound["_hash"]
    clash = clash[clash].index
    field_of[clash] = key
    reason_of[clash] = (
        sound.loc[clash, key].map(repr)
        + " appears earlier (line "
        + first_line[clash].astype(str)
        + ") with other values"
    )


def _check_references(
    connection: Connection, kind: RecordKind, frame: pd.DataFrame, field_of: pd.Series, reason_of: pd.Series
) -> None:
    for column, table in kind.references:
        target_key = next(iter(table.primary_key.columns))
        wanted = frame.loc[(field_of == "") & (frame[column] != ""), column]
        known = {k for (k,) in _select_in(connection, [target_key], target_key, wanted.unique().tolist())}
        unknown = wanted.index[~wanted.isin(known)]
        field_of[unknown] = column
        reason_of[unknown] = (
            frame.loc[unknown, column].map(repr) + f" {_UNRESOLVED} {table.name} record (import {table.name} first)"
        )


def _select_in(connection: Connection, columns: list, key, keys: list[str]) -> list:
    """Rows of ``columns`` whose ``key`` is one of ``keys``.

    Many keys: one scan of the table, filtered here (far faster than thousands
    of IN lists); few keys: IN lists of a size every driver accepts.
    """
    if len(keys) > _SCAN_ABOVE:
        wanted = set(keys)
        return [row for row in connection.execute(select(*columns)).all() if row[0] in wanted]
    rows: list = []
    for start in range(0, len(keys), 1000):
        rows += connection.execute(select(*columns).where(key.in_(keys[start : start + 1000]))).all()
    return rows


def _stored_hashes(connection: Connection, kind: RecordKind, keys: pd.Series) -> pd.Series:
    """``row_hash`` of the stored records with these keys, indexed by key."""
    key = kind.table.c[kind.key]
    rows = _select_in(connection, [key, kind.table.c.row_hash], key, keys.tolist())
    return pd.Series(dict(rows), dtype=object)


def _batch(connection: Connection, kind: RecordKind, path: str, fingerprint: str, report: FileReport) -> int:
    return connection.execute(
        insert(community_batches).values(
            kind=kind.name,
            source_path=path,
            fingerprint=fingerprint,
            **report.batch_counts(),
            imported_at=datetime.now(UTC),
        )
    ).inserted_primary_key[0]
