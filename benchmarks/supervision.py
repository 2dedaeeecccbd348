"""Time setup progress and the supervisor app on a realistic ward.

Builds a sample-scale store (or uses ``--db``), adds a team with an officer and a sergeant on one ward,
a setup of every household of the ward and ``--visits`` doorstep calls spread over its first weeks,
then prints medians of ``--runs``: a setup's progress (every table through linked disclosure control),
the team's progress, the supervisor app opening (the team's setups, the action record, the shares) and
choosing a setup in it.

    .venv/bin/python benchmarks/supervision.py [--db URL] [--ward E05011529] [--visits 300] [--runs 5]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from lpt.access.users import add_team, add_user, get_user
from lpt.apps.supervisor import SupervisorApp
from lpt.build import build
from lpt.setups.model import SetupArea, SetupSpec, create_setup
from lpt.setups.progress import progress, team_progress
from lpt.setups.selection import priority_addresses
from lpt.setups.visits import record_visit
from lpt.store import open_store

PURPOSE = "benchmark"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="an existing store with the ward's households (default: build a sample one)")
    parser.add_argument("--ward", default="E05011529")
    parser.add_argument("--visits", type=int, default=300)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        engine = open_store(args.db or f"sqlite:///{Path(folder) / 'lpt.sqlite'}")
        if not args.db:
            build(engine, scale="sample", progress=False)
        sergeant, setup_id = _setup(engine, args.ward, args.visits)
        app = SupervisorApp(engine, sergeant)
        timings: dict[str, Callable[[], object]] = {
            "setup progress": lambda: progress(engine, sergeant, setup_id, purpose=PURPOSE),
            "team progress": lambda: team_progress(engine, sergeant, purpose=PURPOSE),
            "supervisor app opens": lambda: SupervisorApp(engine, sergeant),
            "choose a setup in it": lambda: app.show_setup(setup_id),
        }
        print(f"ward {args.ward}, {args.visits} calls, medians of {args.runs} runs:")
        for name, work in timings.items():
            print(f"  {name:<22} {_median_s(work, args.runs):7.3f} s")
        engine.dispose()


def _setup(engine, ward: str, visits: int):
    """A team on ``ward`` with a setup of its households and ``visits`` calls; (the sergeant, the setup ID)."""
    admin = add_user(engine, None, "bench-admin", name="Admin", role="admin")
    add_team(engine, admin, "bench-team", "Benchmark team")
    for user_id, role in (("bench-pc", "officer"), ("bench-sgt", "supervisor")):
        add_user(engine, admin, user_id, name=user_id, role=role, areas=[("ward", ward)], team_id="bench-team")
    officer, sergeant = get_user(engine, "bench-pc"), get_user(engine, "bench-sgt")
    now = datetime.now(UTC)
    spec = SetupSpec("Benchmark doors", SetupArea(wards=(ward,)), date.today() - timedelta(days=70),
                     date.today() + timedelta(days=30))
    setup_id = create_setup(engine, sergeant, spec, purpose=PURPOSE)
    doors = priority_addresses(engine, officer, setup_id, on=now, purpose=PURPOSE)["address_id"]
    for i, door in enumerate(doors[:visits]):
        record_visit(engine, (officer, sergeant)[i % 2], setup_id, door, "spoke_not_registered",
                     at=now - timedelta(days=60 - 60 * i // max(visits, 1)), purpose=PURPOSE)
    return sergeant, setup_id


def _median_s(work: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


if __name__ == "__main__":
    main()
