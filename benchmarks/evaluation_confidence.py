"""Check the estimator of a setup's effect on confidence by simulation (lpt.evaluation.simulate_confidence).

Generates the force's households and members once from the store's public data (``--db``, default the
configured store, which needs ``lpt build``), then for each of ``--datasets`` seeds draws ``--treated``
wards at random as a setup starting on 2025-01-01, regenerates the survey answers with the planted shift
(``--shift`` latent units) and without, and estimates the effect as the evaluation notebook does. Prints
the coverage of the 95% intervals, the share significant (false positives without an effect, power with
one), bias and RMSE, each with its Monte Carlo standard error, and the time per dataset.

    .venv/bin/python benchmarks/evaluation_confidence.py [--db URL] [--datasets 200] [--treated 3] [--shift 0.3]
"""

from __future__ import annotations

import argparse
import time
from datetime import date

import numpy as np
import pandas as pd

from lpt.evaluation.matching import COMPARISONS
from lpt.evaluation.simulate_confidence import simulate, summarise, world
from lpt.store import open_store

START = date(2025, 1, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="a store with the reference data (default: the configured store)")
    parser.add_argument("--datasets", type=int, default=200, help="datasets per setting (with and without the effect)")
    parser.add_argument("--treated", type=int, default=3, help="treated wards per setup")
    parser.add_argument("--shift", type=float, default=0.3, help="planted shift in latent units")
    parser.add_argument("--k", type=int, default=COMPARISONS["ward"], help="comparison wards matched per treated ward")
    parser.add_argument("--seed", type=int, default=1, help="seed of the households and members")
    parser.add_argument("--out", help="write every run to this CSV file")
    args = parser.parse_args()
    began = time.perf_counter()
    place = world(open_store(args.db), seed=args.seed)
    print(f"world: {place.members.shape[0]} members in {place.calibration.areas['ward_code'].nunique()} wards "
          f"({time.perf_counter() - began:.1f} s)", flush=True)
    wards = sorted(place.calibration.areas["ward_code"].unique())
    choose = np.random.default_rng(args.seed)
    runs = []
    for seed in range(args.datasets):
        treated = tuple(choose.choice(wards, args.treated, replace=False))
        runs.append(simulate(place, treated=treated, starts_on=START, shifts=(0.0, args.shift), seeds=[seed], k=args.k))
        if (seed + 1) % 20 == 0:
            print(f"  {seed + 1} seeds", flush=True)
    every = pd.concat(runs, ignore_index=True)
    if args.out:
        every.to_csv(args.out, index=False)
    print(f"{args.treated} treated ward(s), {args.k} matched per treated ward, {args.datasets} datasets per setting:")
    with pd.option_context("display.width", 200, "display.max_columns", 20, "display.precision", 3):
        print(summarise(every).to_string(index=False))
    print(f"total {time.perf_counter() - began:.0f} s")


if __name__ == "__main__":
    main()
