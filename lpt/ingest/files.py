"""Turn the paths a user names into the input files to read."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

__all__ = ["find_files", "CSV_SUFFIXES"]

CSV_SUFFIXES = (".csv", ".csv.gz")


def find_files(
    paths: Iterable[str | Path], suffixes: tuple[str, ...] = CSV_SUFFIXES
) -> tuple[list[Path], list[tuple[Path, str]]]:
    """Files named directly, and those under named folders (recursively, sorted).

    Returns the files and, separately, ``(path, reason)`` for each path that
    gives nothing, so a caller can report it instead of silently skipping it.
    """
    files: list[Path] = []
    missing: list[tuple[Path, str]] = []
    for path in map(Path, paths):
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.is_file() and p.name.endswith(suffixes))
            if not found:
                missing.append((path, f"{path}: no {' or '.join(suffixes)} files in this folder"))
            files.extend(found)
        elif path.is_file():
            files.append(path)
        else:
            missing.append((path, f"{path}: no such file or folder"))
    return files, missing
