"""Time disclosure control on random tables of small counts, both audiences.

Counts are drawn from 0..30 (about one cell in six below 5, one in three below
10), so secondary suppression and the LP audit have real work to do. Prints the
median of ``--repeat`` tables per size and the share of inner cells hidden.

    .venv/bin/python benchmarks/disclosure.py [--repeat 20]
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import pandas as pd

from lpt.disclosure import Audience, disclose


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    for shape in [(8,), (5, 5), (10, 10), (20, 20)]:
        for audience in Audience:
            times, hidden = [], []
            for _ in range(args.repeat):
                cells = rng.integers(0, 31, size=shape)
                table = pd.Series(cells) if len(shape) == 1 else pd.DataFrame(cells)
                start = time.perf_counter()
                result = disclose(table, audience)
                times.append(time.perf_counter() - start)
                inner = result.values.iloc[:-1] if len(shape) == 1 else result.values.iloc[:-1, :-1]
                hidden.append(float(inner.isna().to_numpy().mean()))
            size = "x".join(map(str, shape))
            print(
                f"{size:>6} {audience.value:<8} {statistics.median(times) * 1000:7.1f} ms"
                f"  inner cells hidden {statistics.mean(hidden):5.1%}"
            )


if __name__ == "__main__":
    main()
