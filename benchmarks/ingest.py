"""Time importing the bundled police.uk files into SQLite and PostgreSQL.

The baseline is pyarrow merely parsing the same files (no validation, no
store), so the ratio says what validation, dedup and storage cost on top of
the fastest parse at hand. Prints medians of ``--repeat`` runs, each into a new
empty store.

    .venv/bin/python benchmarks/ingest.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import pyarrow.csv

from lpt.ingest.crime import import_crime_files
from lpt.settings import bundled_crime_dir
from lpt.store import open_store
from lpt.store.tempserver import create_database, find_postgres_bin, temporary_postgres


def median_seconds(run: Callable[[str], object], setup: Callable[[], str], repeat: int) -> float:
    """Median wall time of ``run(setup())``, timing ``run`` only."""
    times = []
    for _ in range(repeat):
        argument = setup()
        start = time.perf_counter()
        run(argument)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def import_into(url: str, files: list[Path]) -> None:
    engine = open_store(url)
    report = import_crime_files(engine, files, progress=False)
    assert not report.failed and report.total("stored") > 0
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    files = sorted(bundled_crime_dir().rglob("*.csv.gz"))
    rows = sum(pyarrow.csv.read_csv(f).num_rows for f in files)
    print(f"{len(files)} files, {rows:,} rows; medians of {args.repeat} runs")

    parse = median_seconds(lambda _: [pyarrow.csv.read_csv(f) for f in files], str, args.repeat)
    print(f"pyarrow parse only      {parse:7.3f} s")

    with tempfile.TemporaryDirectory() as folder:
        sqlite = median_seconds(
            lambda url: import_into(url, files),
            lambda: f"sqlite:///{Path(folder) / uuid.uuid4().hex}.sqlite",
            args.repeat,
        )
    print(f"import into SQLite      {sqlite:7.3f} s  ({rows / sqlite:,.0f} rows/s, {sqlite / parse:.1f}x pyarrow parse)")

    if find_postgres_bin() is None:
        print("import into PostgreSQL  skipped: no PostgreSQL binaries (install postgresql)")
        return
    with temporary_postgres() as server:
        postgres = median_seconds(
            lambda url: import_into(url, files),
            lambda: create_database(server, f"bench_{uuid.uuid4().hex[:12]}"),
            args.repeat,
        )
    print(
        f"import into PostgreSQL  {postgres:7.3f} s  ({rows / postgres:,.0f} rows/s, "
        f"{postgres / parse:.1f}x pyarrow parse)"
    )


if __name__ == "__main__":
    main()
