"""Time importing the bundled reference data and linking the bundled crime data.

For SQLite and PostgreSQL: one new store each, the reference import timed once
(a repeat is a no-op by design), the crime files imported untimed, then
``link_all`` (a full recompute) timed as the median of ``--repeat`` runs.

    .venv/bin/python benchmarks/linkage.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import tempfile
import time
import uuid
from pathlib import Path

from ingest import median_seconds  # benchmarks/ingest.py: same timing rule

from lpt.ingest.crime import import_crime_files
from lpt.ingest.reference import import_reference
from lpt.linkage.link import link_all
from lpt.settings import bundled_crime_dir
from lpt.store import open_store
from lpt.store.tempserver import create_database, find_postgres_bin, temporary_postgres


def measure(label: str, url: str, repeat: int) -> None:
    engine = open_store(url)
    start = time.perf_counter()
    reference = import_reference(engine, progress=False)
    imported = time.perf_counter() - start
    assert not reference.failed
    rows = sum(d.rows for d in reference.datasets)
    import_crime_files(engine, [bundled_crime_dir()], progress=False)
    report = link_all(engine)
    linking = median_seconds(lambda _: link_all(engine), str, repeat)
    engine.dispose()
    print(f"{label:<11} reference import {imported:6.2f} s ({rows:,} rows, {rows / imported:,.0f} rows/s)")
    print(
        f"{label:<11} link all         {linking:6.2f} s ({report.crimes:,} crimes and "
        f"{report.postcodes:,} postcodes, {(report.crimes + report.postcodes) / linking:,.0f} records/s)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        measure("SQLite", f"sqlite:///{Path(folder) / 'bench.sqlite'}", args.repeat)
    if find_postgres_bin() is None:
        print("PostgreSQL  skipped: no PostgreSQL binaries (install postgresql)")
        return
    with temporary_postgres() as server:
        measure("PostgreSQL", create_database(server, f"bench_{uuid.uuid4().hex[:12]}"), args.repeat)


if __name__ == "__main__":
    main()
