"""Time ``lpt report all``: every ward's report of the force, in parallel processes.

Builds a store once (reference, crime, links and the synthetic export at ``--scale``: force by
default, as ``lpt build --scale force``), adds an analyst, then runs ``lpt report all`` as a
command (default processes: one per CPU) into a temporary reports folder, ``--repeat`` times,
and prints the wards, the median seconds and seconds per ward against the target: under 2
minutes on 2 cores for Humberside's wards (about 80).

    .venv/bin/python benchmarks/reports.py [--scale force|sample] [--processes N] [--audience internal|public] [--repeat N]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from lpt.access.users import add_user
from lpt.build import build
from lpt.reports.batch import force_wards
from lpt.store import open_store

TARGET_SECONDS = 120
"""Every Humberside ward on 2 cores."""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=["force", "sample"], default="force", help="synthetic data scale")
    parser.add_argument("--processes", type=int, default=None, help="worker processes (default: one per CPU)")
    parser.add_argument("--audience", choices=["internal", "public"], default="internal")
    parser.add_argument("--repeat", type=int, default=3, help="runs of lpt report all (the median is quoted)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'lpt.sqlite'}"
        engine = open_store(url)
        start = time.perf_counter()
        build(engine, scale=args.scale, progress=False)
        print(f"{args.scale}-scale store built in {time.perf_counter() - start:.0f} s")
        admin = add_user(engine, None, "bench", name="Benchmark", role="admin")
        add_user(engine, admin, "analyst", name="Analyst", role="analyst")
        wards = len(force_wards(engine))
        engine.dispose()
        lpt = Path(sys.executable).with_name("lpt")
        command = [str(lpt), "--db", url, "--user", "analyst", "report", "all", "--audience", args.audience]
        if args.processes:
            command += ["--processes", str(args.processes)]
        environment = {**os.environ, "LPT_REPORTS_DIR": str(Path(folder) / "reports")}
        times, exits = [], set()
        for _ in range(args.repeat):
            start = time.perf_counter()
            exits.add(subprocess.run(command, env=environment, stdin=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode)
            times.append(time.perf_counter() - start)
        seconds = statistics.median(times)
        processes = args.processes or os.cpu_count()
        verdict = "meets" if seconds < TARGET_SECONDS else "misses"
        print(f"lpt report all ({args.scale} scale, {args.audience}): {wards} wards in {seconds:.1f} s (median of "
              f"{args.repeat}: {', '.join(f'{t:.1f}' for t in times)}) with {processes} processes on {os.cpu_count()} "
              f"CPUs, {seconds / wards:.2f} s per ward; {verdict} the target of {TARGET_SECONDS} s on 2 cores "
              f"(exit {', '.join(map(str, sorted(exits)))})")


if __name__ == "__main__":
    main()
