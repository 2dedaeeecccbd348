"""Read a CSV file (plain or gzip) into numbered rows, or fail naming the file and line.

Shared by every importer, so each file format only says what its columns mean.
"""

from __future__ import annotations

import csv
import gzip
import io
import zlib
from dataclasses import dataclass
from pathlib import Path

from lpt.errors import InputFileError

__all__ = ["CsvRows", "Reject", "read_text", "split_rows"]


@dataclass(frozen=True)
class Reject:
    """A data row that could not be accepted, kept whole with the first bad field."""

    line: int
    field: str
    reason: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class CsvRows:
    """A file's header (with its line) and its data rows as ``(line, values)``; blank lines dropped."""

    header_line: int
    header: list[str]
    rows: list[tuple[int, list[str]]]


def read_text(path: str | Path) -> str:
    """The decoded text of a UTF-8 file (a byte-order mark is dropped), gunzipped when named ``.gz``."""
    path = Path(path)
    try:
        raw = path.read_bytes()
        if path.suffix == ".gz":
            raw = gzip.decompress(raw)
    except (EOFError, gzip.BadGzipFile, zlib.error) as exc:
        raise InputFileError(path, f"not a readable gzip file, truncated or corrupt ({exc})") from None
    except OSError as exc:
        raise InputFileError(path, f"cannot read file: {exc.strerror or exc}") from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InputFileError(path, f"not UTF-8 text (byte 0x{raw[exc.start]:02x} cannot be decoded)", line) from None


def split_rows(text: str, name: str | Path) -> CsvRows:
    """Header and data rows of CSV text; raises for NUL bytes, no header, bad CSV or a cut-off last row."""
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise InputFileError(name, "not a CSV text file (contains NUL bytes)", line)
    rows = _numbered_rows(text, str(name))
    if not rows:
        raise InputFileError(name, "empty file: no header row", 1)
    (header_line, header), data = rows[0], rows[1:]
    if data and len(data[-1][1]) != len(header) and not text.endswith(("\n", "\r")):
        raise InputFileError(name, "file ends in the middle of a row (truncated?)", data[-1][0])
    return CsvRows(header_line=header_line, header=header, rows=data)


def _numbered_rows(text: str, name: str) -> list[tuple[int, list[str]]]:
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows: list[tuple[int, list[str]]] = []
    start = 1
    while True:
        try:
            values = next(reader)
        except StopIteration:
            return rows
        except csv.Error as exc:
            reason = str(exc)
            if "unexpected end of data" in reason:
                reason = "file ends inside a quoted field (truncated?)"
            raise InputFileError(name, f"not valid CSV: {reason}", start) from None
        if values:
            rows.append((start, values))
        start = reader.line_num + 1
