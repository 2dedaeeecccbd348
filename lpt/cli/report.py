"""``lpt report``: HTML (and PDF) reports rendered from the report notebooks."""

from __future__ import annotations

import argparse
import sys

from lpt.cli.common import acting_user, open_engine
from lpt.errors import LPTError

__all__ = ["add_parser"]


def add_parser(commands: argparse._SubParsersAction) -> None:
    """``lpt report ward CODE [--audience] [--end] [--pdf]``, ``lpt report all [--audience] [--end] [--processes]``,
    ``lpt report force [--end] [--pdf]`` and ``lpt report setup ID [--pdf]``."""
    report = commands.add_parser("report", help="HTML reports from the report notebooks, written to reports/")
    kinds = report.add_subparsers(title="reports", metavar="REPORT")
    ward = kinds.add_parser("ward", help="one ward's report")
    ward.add_argument("code", metavar="CODE", help="GSS ward code")
    everyone = kinds.add_parser("all", help="every ward's report, in parallel processes")
    for command in (ward, everyone):
        command.add_argument("--audience", choices=["internal", "public"], default="internal",
                             help="public: stricter disclosure control and no street detail")
        command.add_argument("--end", metavar="YYYY-MM", help="end of the twelve-month period (default: latest month)")
    ward.add_argument("--pdf", action="store_true", help="also print the report to PDF (headless Chromium)")
    ward.set_defaults(handler=_report_ward)
    everyone.add_argument("--processes", type=int, metavar="N", help="worker processes (default: one per CPU)")
    everyone.set_defaults(handler=_report_all)
    force = kinds.add_parser("force", help="the force overview")
    force.add_argument("--end", metavar="YYYY-MM", help="end of the twelve-month period (default: latest month)")
    force.add_argument("--pdf", action="store_true", help="also print the report to PDF (headless Chromium)")
    force.set_defaults(handler=_report_force)
    setup = kinds.add_parser("setup", help="a door-knocking setup's report (active or archived; internal)")
    setup.add_argument("setup_id", type=int, metavar="ID", help="the setup's ID (lpt setups list --all)")
    setup.add_argument("--pdf", action="store_true", help="also print the report to PDF (headless Chromium)")
    setup.set_defaults(handler=_report_setup)


def _report_ward(args: argparse.Namespace) -> int:
    from lpt.reports import ward_report

    engine = open_engine(args)
    caller = acting_user(args, engine)
    url = engine.url.render_as_string(hide_password=False)
    _report_written(ward_report(url, caller.user_id, args.code, end=args.end, audience=args.audience), args.pdf)
    return 0


def _report_force(args: argparse.Namespace) -> int:
    from lpt.reports import force_report

    engine = open_engine(args)
    caller = acting_user(args, engine)
    url = engine.url.render_as_string(hide_password=False)
    _report_written(force_report(url, caller.user_id, end=args.end), args.pdf)
    return 0


def _report_setup(args: argparse.Namespace) -> int:
    from lpt.reports import setup_report

    engine = open_engine(args)
    caller = acting_user(args, engine)
    _report_written(setup_report(engine.url.render_as_string(hide_password=False), caller.user_id, args.setup_id),
                    args.pdf)
    return 0


def _report_written(path, pdf: bool) -> None:
    """Print the report's path, and its PDF's when asked for."""
    print(path)
    if pdf:
        from lpt.reports.pdf import to_pdf

        print(to_pdf(path))


def _report_all(args: argparse.Namespace) -> int:
    from lpt.reports.batch import all_ward_reports

    engine = open_engine(args)
    caller = acting_user(args, engine)
    if args.processes is not None and args.processes < 1:
        raise LPTError("--processes must be at least 1")
    url = engine.url.render_as_string(hide_password=False)
    result = all_ward_reports(url, caller.user_id, end=args.end, audience=args.audience, processes=args.processes)
    print(f"{len(result.written)} ward reports written to {result.folder}")
    for ward, error in result.failed.items():
        print(f"{ward}: {error}", file=sys.stderr)
    if result.failed:
        print(f"{len(result.failed)} of {len(result.written) + len(result.failed)} ward reports failed", file=sys.stderr)
        return 1
    return 0
