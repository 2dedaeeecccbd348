"""The parser, global options and exit codes; each command group adds its own subcommands.

A new command group is a module with ``add_parser(commands)`` and one more entry in ``GROUPS``.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from lpt import __version__
from lpt.cli import (
    access,
    build,
    evaluate,
    forecast,
    ingest,
    insight,
    messages,
    priorities,
    report,
    serve,
    setups,
    synth,
)
from lpt.errors import LPTError

__all__ = ["GROUPS", "build_parser", "main"]

GROUPS = (ingest, forecast, synth, access, insight, report, evaluate, priorities, messages, setups, serve, build)
"""Command groups in the order ``lpt --help`` lists their commands."""


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help(sys.stderr)
        return 2
    try:
        return args.handler(args)
    except LPTError as exc:
        print(f"lpt: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("lpt: interrupted", file=sys.stderr)
        return 130


def build_parser() -> argparse.ArgumentParser:
    """The ``lpt`` parser with every command group's subcommands."""
    parser = argparse.ArgumentParser(
        prog="lpt", description="Local Priority Targeting workbench."
    )
    parser.add_argument("--version", action="version", version=f"lpt {__version__}")
    parser.add_argument(
        "--db",
        metavar="URL",
        help="store URL (default: $LPT_DATABASE_URL, else an SQLite file under data/)",
    )
    parser.add_argument("--user", metavar="USER_ID", help="the LPT user to act as (default: $LPT_USER)")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")
    for group in GROUPS:
        group.add_parser(commands)
    return parser
