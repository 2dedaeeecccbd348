"""``lpt backtest``: the forecast scored against naive methods, straight from police.uk files."""

from __future__ import annotations

import argparse
import json

__all__ = ["add_parser"]


def add_parser(commands: argparse._SubParsersAction) -> None:
    """``lpt backtest PATH... --out FILE.csv [--harm FILE.csv] [--json]``."""
    backtest = commands.add_parser(
        "backtest", help="score next-month street forecasts against naive methods on police.uk files"
    )
    backtest.add_argument("paths", nargs="+", metavar="PATH", help="street files of one force, consecutive months")
    backtest.add_argument("--out", required=True, metavar="FILE.csv", help="LPT's scores per test month and street")
    backtest.add_argument(
        "--harm",
        metavar="FILE.csv",
        help="harm weights: columns crime_type, weight (default: $LPT_HARM_WEIGHTS, else data/harm_weights.csv)",
    )
    backtest.add_argument("--json", action="store_true", help="print the metrics as one JSON object")
    backtest.set_defaults(handler=_backtest)


def _backtest(args: argparse.Namespace) -> int:
    from lpt.forecast import records_from_files, run_backtest, street_history
    from lpt.forecast.backtest import summary_table
    from lpt.harm import harm_weights, harm_weights_path

    records, force = records_from_files(args.paths)
    harm = harm_weights(args.harm)
    result = run_backtest(street_history(records), force=force, harm_weights=harm)
    result.scores.to_csv(args.out, index=False)
    if args.json:
        print(json.dumps(result.as_dict()))
    else:
        months = result.per_month["month"]
        print(f"{force}: {months.nunique()} test months, {months.min()} to {months.max()} (means)")
        print(summary_table(result).to_string(float_format="{:.3f}".format))
        print(f"Harm weights: {harm_weights_path(args.harm)}")
        print(f"Scores written to {args.out}")
    return 0
