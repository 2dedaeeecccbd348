"""Time ``lpt build --scale force`` end to end, against pyarrow parsing the same files.

Each run is a fresh ``lpt build`` process into a new SQLite store, so wall time
and peak memory (max RSS of the process) are what a user sees. Three cases:
the first build (synthetic export generated, then everything imported), a
build into a new store with the export already generated (import only), and
a repeated build into the same store (nothing new to store). The baseline is
pyarrow merely parsing every file the build reads (reference, police.uk and
the synthetic export). Medians of ``--repeat`` runs.

    .venv/bin/python benchmarks/build.py [--scale force] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyarrow.csv

from lpt import settings
from lpt.build import DEFAULT_SEED

LPT = Path(sys.executable).with_name("lpt")


def run_build(database: Path, data_dir: Path, scale: str) -> tuple[float, float]:
    """Wall seconds and peak MB of one ``lpt build`` process."""
    env = {**os.environ, "LPT_DATA_DIR": str(data_dir)}
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    subprocess.run(
        [LPT, "--db", f"sqlite:///{database}", "build", "--scale", scale],
        env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return seconds, max(peak, before) / 1024


def parse_seconds(files: list[Path]) -> float:
    start = time.perf_counter()
    for path in files:
        if path.suffix == ".geojson":
            path.read_bytes()  # GeoJSON is not CSV: reading it is the floor
        else:
            pyarrow.csv.read_csv(path)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="force", choices=["sample", "force"])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        data = work / "data"
        shutil.copytree(settings.raw_dir(), data / "raw")  # the build reads raw data, writes synthetic/
        cases: dict[str, list[tuple[float, float]]] = {"first build": [], "import only": [], "repeat build": []}
        for run in range(args.repeat):
            shutil.rmtree(data / "synthetic", ignore_errors=True)
            cases["first build"].append(run_build(work / f"first{run}.sqlite", data, args.scale))
            cases["import only"].append(run_build(work / f"again{run}.sqlite", data, args.scale))
            cases["repeat build"].append(run_build(work / f"again{run}.sqlite", data, args.scale))
        export = data / "synthetic" / f"{args.scale}-seed{DEFAULT_SEED}"
        files = [p for p in (data / "raw").rglob("*") if p.is_file()] + sorted(export.glob("*.csv"))
        parse = statistics.median(parse_seconds(files) for _ in range(args.repeat))
        rows = {p.name: pyarrow.csv.read_csv(p).num_rows for p in sorted(export.glob("*.csv"))}

    print(f"scale {args.scale}; synthetic export rows: " + ", ".join(f"{n:,} {name}" for name, n in rows.items()))
    print(f"pyarrow parse of every file the build reads: {parse:.2f} s (median of {args.repeat})")
    for case, runs in cases.items():
        seconds = statistics.median(s for s, _ in runs)
        peak = max(m for _, m in runs)
        print(f"{case:13s} {seconds:7.1f} s  ({seconds / parse:5.1f}x parse)   peak memory {peak:,.0f} MB")


if __name__ == "__main__":
    main()
