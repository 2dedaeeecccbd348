"""``lpt ingest KIND``, ``lpt quality`` and ``lpt rejects``: outside data in, and what did not get in.

The import report printers are shared with ``lpt build``, which runs the same imports.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from lpt.cli.common import open_engine

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["add_parser", "print_import", "print_reference"]


def add_parser(commands: argparse._SubParsersAction) -> None:
    """``lpt ingest crime|reference|households|members|surveys|visits``, ``lpt quality``, ``lpt rejects``."""
    ingest = commands.add_parser("ingest", help="import outside data into the store")
    kinds = ingest.add_subparsers(title="kinds", metavar="KIND")
    crime = kinds.add_parser("crime", help="police.uk street-level CSV files (plain or .gz) or folders")
    crime.add_argument("paths", nargs="+", metavar="PATH")
    crime.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    crime.set_defaults(handler=_ingest_crime)
    reference = kinds.add_parser(
        "reference", help="boundaries, lookups, deprivation, census and postcodes (see data/SOURCES.md)"
    )
    reference.add_argument("folder", nargs="?", metavar="FOLDER", help="raw data folder (default: data/raw)")
    reference.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    reference.set_defaults(handler=_ingest_reference)
    for kind in ("households", "members", "surveys", "visits"):
        community = kinds.add_parser(kind, help=f"community export {kind}.csv files (docs/DATA_SCHEMA.md) or folders")
        community.add_argument("paths", nargs="+", metavar="PATH")
        community.add_argument("--json", action="store_true", help="print one JSON object on stdout")
        community.set_defaults(handler=_ingest_community, kind=kind)

    quality = commands.add_parser(
        "quality", help="rows stored, flagged, unlinked and rejected per source and month, and why"
    )
    quality.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    quality.set_defaults(handler=_quality)

    rejects = commands.add_parser("rejects", help="list rejected rows with file, line, field and reason")
    rejects.add_argument("--all", action="store_true", help="include rejects of replaced months")
    rejects.add_argument("--json", action="store_true", help="print a JSON list on stdout")
    rejects.set_defaults(handler=_rejects)


def _ingest_crime(args: argparse.Namespace) -> int:
    from lpt.ingest.crime import import_crime_files

    engine = open_engine(args)
    return _imported(args, engine, import_crime_files(engine, args.paths), print_import)


def _imported(
    args: argparse.Namespace, engine, report, show: Callable[[object], None], *, relink: bool = True
) -> int:
    """After an import: recompute the links so they match the store (unless the records
    link through a join, as community records do), then print the report."""
    from lpt.linkage.link import link_all

    link = {"link": link_all(engine).as_dict()} if relink else {}
    if args.json:
        print(json.dumps({**report.as_dict(), **link}))
    else:
        show(report)
    for failed in report.failed:
        print(f"lpt: error: {failed.error}", file=sys.stderr)
    return 1 if report.failed else 0


def _ingest_community(args: argparse.Namespace) -> int:
    from lpt.ingest.community import import_community_files

    engine = open_engine(args)
    report = import_community_files(engine, args.kind, args.paths)
    return _imported(args, engine, report, print_import, relink=False)


def _ingest_reference(args: argparse.Namespace) -> int:
    from lpt.ingest.reference import import_reference

    engine = open_engine(args)
    return _imported(args, engine, import_reference(engine, args.folder), print_reference)


def _quality(args: argparse.Namespace) -> int:
    from lpt.store.queries import quality_reasons, quality_summary

    engine = open_engine(args)
    summary, reasons = quality_summary(engine), quality_reasons(engine)
    if args.json:
        print(json.dumps({"summary": summary.to_dict("records"), "reasons": reasons.to_dict("records")}))
    else:
        _print_quality(summary, reasons)
    return 0


def _rejects(args: argparse.Namespace) -> int:
    from lpt.store.queries import rejected_rows

    rows = rejected_rows(open_engine(args), include_replaced=args.all)
    if args.json:
        print(rows.to_json(orient="records"))
    elif rows.empty:
        print("No rejected rows.")
    else:
        shown = rows[["source", "file", "line", "field", "reason"]]
        print(shown.to_string(index=False, max_colwidth=80))
    return 0


def print_reference(report) -> None:
    """A reference import report: one row per dataset."""
    import pandas as pd

    table = pd.DataFrame([{"dataset": d.dataset, "status": d.status, "rows": d.rows} for d in report.datasets])
    print(table.to_string(index=False))


def _print_quality(summary: pd.DataFrame, reasons: pd.DataFrame | None = None) -> None:
    print("Linkage quality by source and month (lpt quality shows why):")
    print(summary.to_string(index=False) if not summary.empty else "No records stored.")
    if reasons is not None and not reasons.empty:
        print()
        print(reasons.to_string(index=False, max_colwidth=90))


def print_import(report) -> None:
    """A file import report: one row per file, then the totals."""
    import pandas as pd

    from lpt.ingest.report import COUNTS

    table = pd.DataFrame([{"file": f.path, **{c: getattr(f, c) for c in COUNTS}} for f in report.files])
    if not table.empty:
        print(table.to_string(index=False))
    print("Total: " + ", ".join(f"{report.total(c)} {c}" for c in COUNTS))
