"""What an import did, per file and in total: the counts every importer reports.

For every file ``read == stored + duplicates + rejected``; ``replaced`` counts
earlier stored rows that the file's rows replaced.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

__all__ = ["COUNTS", "FileReport", "ImportReport"]

COUNTS = ("read", "stored", "duplicates", "rejected", "replaced")


@dataclass
class FileReport:
    """What happened to one file; ``error`` is set when the file stored nothing."""

    path: str
    read: int = 0
    stored: int = 0
    duplicates: int = 0
    rejected: int = 0
    replaced: int = 0
    error: str | None = None

    def batch_counts(self) -> dict[str, int]:
        """The counts as the ``rows_*`` columns of a batch table (crime_batches, community_batches)."""
        return {
            "rows_read": self.read,
            "rows_stored": self.stored,
            "rows_duplicate": self.duplicates,
            "rows_rejected": self.rejected,
            "rows_replaced": self.replaced,
        }


@dataclass
class ImportReport:
    """Reports of every file of one import, with totals."""

    files: list[FileReport] = field(default_factory=list)

    def total(self, count: str) -> int:
        return sum(getattr(f, count) for f in self.files)

    @property
    def failed(self) -> list[FileReport]:
        return [f for f in self.files if f.error]

    def as_dict(self) -> dict:
        """The ``--json`` shape: totals, then one object per file."""
        return {**{c: self.total(c) for c in COUNTS}, "files": [asdict(f) for f in self.files]}
