"""Time ``lpt refresh``, area profile queries and street priority scoring at force scale (medians).

Builds a force-scale store once (reference, crime, links, the synthetic force
export), then times the refresh of the insight tables, profiles of random
wards and streets as an analyst with force-wide access, and scoring every
street of the force (lpt.priorities.score).

    .venv/bin/python benchmarks/profile.py [--repeat 3] [--queries 50]
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy import select

from lpt.access.users import add_user
from lpt.build import build
from lpt.insight.profile import area_profile, street_code
from lpt.insight.refresh import refresh
from lpt.priorities.score import score_streets
from lpt.store import open_store
from lpt.store.schema import insight_households, insight_lsoa


def timed(run) -> float:
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--queries", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        engine = open_store(f"sqlite:///{Path(folder) / 'lpt.sqlite'}")
        result = build(engine, scale="force", progress=False)
        print(f"force-scale store: {result.insight.rows}")
        refreshes = [timed(lambda: refresh(engine)) for _ in range(args.repeat)]
        print(f"lpt refresh: median {statistics.median(refreshes):.2f} s of {args.repeat}")

        analyst = add_user(engine, None, "bench", name="Benchmark", role="admin")
        analyst = add_user(engine, analyst, "analyst", name="Analyst", role="analyst")
        with engine.connect() as connection:
            wards = sorted(set(connection.execute(select(insight_lsoa.c.ward_code)).scalars()))
            streets = connection.execute(select(insight_households.c.lsoa21_code, insight_households.c.street_name)).all()
        rng = random.Random(0)
        for level, codes in (
            ("ward", rng.choices(wards, k=args.queries)),
            ("street", [street_code(*s) for s in rng.choices(streets, k=args.queries)]),
        ):
            times = [timed(lambda c=code, lv=level: area_profile(engine, analyst, lv, c, purpose="benchmark")) for code in codes]
            print(f"{level} profile: median {1000 * statistics.median(times):.0f} ms, max {1000 * max(times):.0f} ms ({len(times)} queries)")
        force = timed(lambda: area_profile(engine, analyst, "force", "E23000012", purpose="benchmark"))
        print(f"force profile: {1000 * force:.0f} ms")
        scoring = [timed(lambda: score_streets(engine)) for _ in range(args.repeat)]
        print(f"score every street of the force: median {statistics.median(scoring):.2f} s of {args.repeat} "
              f"({len(score_streets(engine)):,} streets)")
        engine.dispose()


if __name__ == "__main__":
    main()
