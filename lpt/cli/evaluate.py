"""``lpt evaluate confidence|setup``: the evaluation notebooks, run by papermill into the reports folder."""

from __future__ import annotations

import argparse

from lpt.cli.common import acting_user, open_engine

__all__ = ["add_parser"]

_OUTCOMES = ("crime", "asb", "confidence")
_METHODS = ("did", "its")
_GROUPS = ("age_band", "ethnic_group", "sex")


def add_parser(commands: argparse._SubParsersAction) -> None:
    """``lpt evaluate confidence [--ward|--district CODE] [--from W --to W] [--by G]`` and
    ``lpt evaluate setup ID [--outcome] [--method]``."""
    evaluate = commands.add_parser("evaluate", help="evaluation reports: confidence over time, effects of setups")
    kinds = evaluate.add_subparsers(title="evaluations", metavar="EVALUATION")
    confidence = kinds.add_parser("confidence", help="public confidence over time in the force, a district or a ward")
    where = confidence.add_mutually_exclusive_group()
    where.add_argument("--ward", metavar="CODE", help="one ward (default: the whole force)")
    where.add_argument("--district", metavar="CODE", help="one district")
    confidence.add_argument("--from", dest="first_wave", metavar="YYYYQN", help="first survey wave (default: the first)")
    confidence.add_argument("--to", dest="last_wave", metavar="YYYYQN", help="last survey wave (default: the latest)")
    confidence.add_argument("--by", choices=_GROUPS, help="also per group of residents")
    confidence.set_defaults(handler=_confidence)
    setup = kinds.add_parser("setup", help="the effect of a door-knocking setup on crime, ASB or confidence")
    setup.add_argument("setup_id", type=int, metavar="ID", help="the setup's ID (lpt setups list --all)")
    setup.add_argument("--outcome", choices=_OUTCOMES, default="crime", help="what to measure (default: crime)")
    setup.add_argument("--method", choices=_METHODS, default="did",
                       help="difference-in-differences against matched comparisons, or interrupted time series")
    setup.set_defaults(handler=_setup)


def _confidence(args: argparse.Namespace) -> int:
    from lpt.reports import confidence_evaluation

    engine = open_engine(args)
    caller = acting_user(args, engine)
    level, code = ("ward", args.ward) if args.ward else ("district", args.district) if args.district else ("force", None)
    print(confidence_evaluation(engine.url.render_as_string(hide_password=False), caller.user_id, level=level, code=code,
                                first_wave=args.first_wave, last_wave=args.last_wave, by=args.by))
    return 0


def _setup(args: argparse.Namespace) -> int:
    from lpt.reports import setup_evaluation

    engine = open_engine(args)
    caller = acting_user(args, engine)
    print(setup_evaluation(engine.url.render_as_string(hide_password=False), caller.user_id, args.setup_id,
                           outcome=args.outcome, method=args.method))
    return 0
