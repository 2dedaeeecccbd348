"""``lpt build``: the main job, one command from the bundled data to a summarised store."""

from __future__ import annotations

import argparse
import sys

from lpt.cli.common import open_engine
from lpt.cli.ingest import print_import, print_reference

__all__ = ["add_parser"]


def add_parser(commands: argparse._SubParsersAction) -> None:
    """``lpt build [--scale] [--seed N]``."""
    build = commands.add_parser("build", help="the main job: import the bundled data and summarise it")
    build.add_argument("--scale", choices=["sample", "force"], default="sample", help="synthetic data scale")
    build.add_argument("--seed", type=int, default=None, metavar="N", help="synthetic data seed")
    build.set_defaults(handler=_build)


def _build(args: argparse.Namespace) -> int:
    from lpt.build import DEFAULT_SEED, build
    from lpt.ingest.report import COUNTS

    result = build(open_engine(args), scale=args.scale, seed=DEFAULT_SEED if args.seed is None else args.seed)
    print_reference(result.reference_import)
    print()
    print_import(result.crime_import)
    print()
    if result.synthetic is not None:
        print(f"Synthetic community data ({result.synthetic}):")
        for kind, report in result.community_import.items():
            print(f"  {kind}: " + ", ".join(f"{report.total(c)} {c}" for c in COUNTS[:4]))
        print()
    print("Stored police.uk records by force and month:")
    print(result.crime_summary.to_string(index=False))
    print()
    print(f"Insight tables refreshed: {result.insight.total:,} rows (lpt profile reads them)")
    print()
    by_source = result.quality.drop(columns="month").groupby("source", sort=False).sum().reset_index()
    print("Linkage quality by source, all months (lpt quality shows each month and why):")
    print(by_source.to_string(index=False) if not by_source.empty else "No records stored.")
    community_failed = [f for report in result.community_import.values() for f in report.failed]
    for failed in [*result.reference_import.failed, *result.crime_import.failed, *community_failed]:
        print(f"lpt: error: {failed.error}", file=sys.stderr)
    return 1 if result.failed else 0
