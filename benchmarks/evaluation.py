"""The crime estimators checked by simulation on the store's police.uk records (lpt.evaluation.simulate).

Builds a store at ``--scale`` (force by default: every ward's streets on the address register; or uses
``--db``) and, for each setting below, runs ``--datasets`` placebo
setups (default 200) with a known effect planted, then prints per setting: the share of 95% intervals
holding the planted rate ratio (target 93-97%), the share significant at 5% (with nothing planted: the false
positive rate, about 5%; with each dataset's minimum detectable ratio planted: the power, about 80%), the
geometric mean estimate against the planted ratio, each with its Monte Carlo standard error, the share whose
pre-trend check fired, and the time.

Settings: the difference-in-differences on 30 random streets of the force, on 30 streets of one random ward
(as a setup of streets is: they share their ward's ups and downs) and on one random ward (matched
comparisons: lpt.evaluation.matching.COMPARISONS), no effect and a 30% fall, the minimum detectable ratio,
each kind of standard errors on its own for comparison (lpt.evaluation.did.ERRORS), and the interrupted
time series of the same placebo units.

    .venv/bin/python benchmarks/evaluation.py [--scale force|sample] [--db URL] [--datasets 200] [--seed 0]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from lpt.build import build
from lpt.evaluation.simulate import simulation_check
from lpt.store import open_store

#: (label, method, unit, planted rate ratio, errors, streets of one ward).
SETTINGS = [
    ("DiD, 30 streets, no effect", "did", "street", 1.0, "auto", False),
    ("DiD, 30 streets, ratio 0.7", "did", "street", 0.7, "auto", False),
    ("DiD, 30 streets, detectable", "did", "street", "detectable", "auto", False),
    ("DiD quasi only, 30 streets, none", "did", "street", 1.0, "quasi", False),
    ("DiD clustered, 30 streets, none", "did", "street", 1.0, "cluster", False),
    ("DiD, 30 streets of a ward, none", "did", "street", 1.0, "auto", True),
    ("DiD, 30 streets of a ward, 0.7", "did", "street", 0.7, "auto", True),
    ("DiD, 30 streets of a ward, detect.", "did", "street", "detectable", "auto", True),
    ("DiD quasi, 30 streets of a ward", "did", "street", 1.0, "quasi", True),
    ("DiD, 1 ward, no effect", "did", "ward", 1.0, "auto", False),
    ("DiD, 1 ward, ratio 0.7", "did", "ward", 0.7, "auto", False),
    ("DiD, 1 ward, detectable", "did", "ward", "detectable", "auto", False),
    ("DiD clustered, 1 ward, none", "did", "ward", 1.0, "cluster", False),
    ("ITS, 30 streets of a ward, none", "its", "street", 1.0, "auto", True),
    ("ITS, 30 streets of a ward, 0.7", "its", "street", 0.7, "auto", True),
    ("ITS, 1 ward, no effect", "its", "ward", 1.0, "auto", False),
    ("ITS, 1 ward, ratio 0.7", "its", "ward", 0.7, "auto", False),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="an existing refreshed store (default: build one at --scale)")
    parser.add_argument("--scale", choices=["force", "sample"], default="force", help="synthetic data scale")
    parser.add_argument("--datasets", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        engine = open_store(args.db or f"sqlite:///{Path(folder) / 'lpt.sqlite'}")
        if not args.db:
            build(engine, scale=args.scale, progress=False)
        began = time.perf_counter()
        print(f"{args.datasets} placebo setups per setting, 6 months before the start and 3-6 after, seed {args.seed}")
        print(f"{'setting':<34}{'coverage':>15}{'significant':>15}{'planted':>9}{'estimate':>16}{'pre-trend':>11}{'time':>8}")
        for label, method, unit, ratio, errors, within_ward in SETTINGS:
            check = simulation_check(engine, n_datasets=args.datasets, rate_ratio=ratio, method=method, unit=unit,
                                     seed=args.seed, errors=errors, within_ward=within_ward, progress=False)
            s = check.summary
            failed = f"  ({s['failed']:.0f} failed)" if s["failed"] else ""
            print(f"{label:<34}{s['coverage']:>8.1%} ±{s['coverage_se']:5.1%}{s['significant']:>8.1%} ±{s['significant_se']:5.1%}"
                  f"{s['mean_planted']:>9.3f}{s['geometric_mean_estimate']:>9.3f} ±{s['geometric_mean_se']:5.3f}"
                  f"{s['pre_trend_flagged']:>11.1%}{s['seconds']:>7.0f}s{failed}")
        print(f"total {time.perf_counter() - began:.0f} s")
        engine.dispose()


if __name__ == "__main__":
    main()
