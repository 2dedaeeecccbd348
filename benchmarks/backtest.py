"""Back-test of the LPT street forecast against naive methods on the bundled Humberside months.

Prints the table of every method at every coverage (means over test months),
the time the back-test takes (median of ``--repeat`` runs, reading the files
included), and the held-out checks: hit rate at 5% on the months used for
tuning (2025-04 to 2025-07) against those kept for confirmation (2025-08 to
2025-12), and on two separate areas (Hull and East Riding; North and North
East Lincolnshire, split by the district name police.uk gives in LSOA names).

    .venv/bin/python benchmarks/backtest.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import statistics
import time

import pandas as pd

from lpt.forecast import records_from_files, run_backtest, street_history
from lpt.forecast.backtest import FIRST_TEST_MONTH, summary_table
from lpt.forecast.metrics import hit_rate
from lpt.harm import harm_weights
from lpt.settings import bundled_crime_dir

TUNING_MONTHS = ("2025-04", "2025-05", "2025-06", "2025-07")
AREAS = {
    "Hull + East Riding": ("Kingston upon Hull", "East Riding of Yorkshire"),
    "North + North East Lincolnshire": ("North Lincolnshire", "North East Lincolnshire"),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    files = sorted(bundled_crime_dir().rglob("*.csv.gz"))

    times = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        records, force = records_from_files(files)
        result = run_backtest(street_history(records), force=force, harm_weights=harm_weights())
        times.append(time.perf_counter() - start)
    months = result.per_month["month"]
    print(f"{force}: {len(files)} files, {len(records):,} rows, test months {months.min()} to {months.max()}")
    print(summary_table(result).to_string(float_format="{:.3f}".format))
    print(f"time: median {statistics.median(times):.2f} s of {args.repeat} runs (read, forecast, score)")

    five = result.per_month[result.per_month["coverage"] == 0.05]
    split = five.assign(part=five["month"].isin(TUNING_MONTHS).map({True: "tuning", False: "confirmation"}))
    print("\nhit rate 5% by part of the year (means over months):")
    print(split.pivot_table(index="method", columns="part", values="hit_rate").to_string(float_format="{:.4f}".format))

    print(
        "\nnoise ceiling: ranking by every other month's count (a rate estimate that sees the future months "
        f"too) catches {_ceiling(street_history(records)):.4f} at 5%"
    )

    names = _lsoa_names(files)
    print("\nhit rate 5% by area (each area back-tested on its own streets):")
    for area, districts in AREAS.items():
        codes = names[names.str.startswith(districts)].index
        area_result = run_backtest(street_history(records[records["lsoa_code"].isin(codes)]))
        table = summary_table(area_result)["hit_rate 5%"]
        print(f"  {area}: " + ", ".join(f"{m} {v:.4f}" for m, v in table.items()))


def _ceiling(history) -> float:
    """Mean 5% hit rate when streets are ranked by their rows in all months but the test month."""
    totals = history.totals
    rates = []
    for t in range(FIRST_TEST_MONTH, len(totals)):
        seen = totals[:t].sum(axis=0) > 0
        others = totals.sum(axis=0) - totals[t]
        rates.append(hit_rate(others[seen], totals[t, seen], totals[t].sum(), 0.05))
    return statistics.mean(rates)


def _lsoa_names(files) -> pd.Series:
    """LSOA code → LSOA name as police.uk publishes it (the name starts with the district)."""
    raw = pd.concat(pd.read_csv(f, usecols=["LSOA code", "LSOA name"], dtype=str) for f in files).dropna()
    return raw.drop_duplicates("LSOA code").set_index("LSOA code")["LSOA name"]


if __name__ == "__main__":
    main()
