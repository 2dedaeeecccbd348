"""Time the officer app in a real browser: request to interactive map, and street choice to detail.

Builds a force-scale store (or uses ``--db``), adds an officer for one ward and one for a whole
district, starts ``lpt serve`` (preheated kernels) and opens each officer's link in headless
Chromium ``--runs`` times, waiting between runs for the kernel pool to refill. Prints medians
against the targets: at most 2 s from request to an interactive map, 200 ms from choosing a
street to its detail (reasons, figures and trend chart, one HTML update, shown).

    .venv/bin/python benchmarks/app.py [--db URL] [--runs 5] [--ward E05011529] [--district E06000010]
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import tempfile
import time
from pathlib import Path

from lpt.access.users import add_team, add_user, get_user
from lpt.apps.serve import serve, stop, wait_until_up
from lpt.apps.session import app_link
from lpt.build import build
from lpt.errors import LPTError
from lpt.reports.pdf import CHROMIUM_ARGS
from lpt.store import open_store

TARGET_LOAD_S = 2.0
TARGET_DETAIL_MS = 200

_CHOOSE = """async (index) => {
  const select = document.querySelector('.lpt-street-list select');
  const detail = document.querySelector('.lpt-detail');
  const before = detail.innerHTML;
  const start = performance.now();
  return await new Promise(resolve => {
    const check = () => {
      if (detail.innerHTML !== before && detail.querySelector('svg.lpt-chart')) { observer.disconnect(); resolve(performance.now() - start); }
    };
    const observer = new MutationObserver(check);
    observer.observe(document.querySelector('.lpt-app'), {subtree: true, childList: true, characterData: true, attributes: true});
    select.selectedIndex = index;
    select.dispatchEvent(new Event('change', {bubbles: true}));
  });
}"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="an existing force-scale store (default: build one in a temporary folder)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--ward", default="E05011529", help="the ward officer's ward (default Hull Central)")
    parser.add_argument("--district", default="E06000010", help="the district officer's district (default Hull)")
    parser.add_argument("--admin", default="bench-admin", help="an admin of --db (made when the store has no users)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.db or f"sqlite:///{Path(folder) / 'lpt.sqlite'}"
        engine = open_store(url)
        if not args.db:
            start = time.perf_counter()
            build(engine, scale="force", progress=False)
            print(f"force-scale store built in {time.perf_counter() - start:.0f} s")
        _officers(engine, args.admin, args.ward, args.district)
        engine.dispose()
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        os.environ["LPT_APP_URL"] = f"http://127.0.0.1:{port}"
        os.environ.setdefault("LPT_SECRET_KEY", "benchmark secret")
        server = serve(url, port=port, pool=1)
        try:
            wait_until_up(server, port)
            for label, user in (("one ward", "bench-ward"), (f"district {args.district}", "bench-district")):
                loads, details = _measure(user, args.runs)
                print(f"officer app, {label}: request to interactive map median {statistics.median(loads):.2f} s "
                      f"(runs: {', '.join(f'{t:.2f}' for t in loads)}; target {TARGET_LOAD_S} s); street choice to "
                      f"detail median {statistics.median(details):.0f} ms (n={len(details)}; target {TARGET_DETAIL_MS} ms)")
        finally:
            stop(server)


def _officers(engine, admin_id: str, ward: str, district: str) -> None:
    """Officers 'bench-ward' (one ward) and 'bench-district' (a district), added once by ``admin_id``."""
    try:
        get_user(engine, "bench-ward")
        return
    except LPTError:
        pass
    try:
        admin = get_user(engine, admin_id)
    except LPTError:
        admin = add_user(engine, None, admin_id, name="Benchmark admin", role="admin")
    add_team(engine, admin, "bench-team", "Benchmark team")
    add_user(engine, admin, "bench-ward", name="Ward officer", role="officer", areas=[("ward", ward)], team_id="bench-team")
    add_user(engine, admin, "bench-district", name="District officer", role="officer", areas=[("district", district)],
             team_id="bench-team")


def _measure(user: str, runs: int) -> tuple[list[float], list[float]]:
    """Seconds from request to interactive map per run, and milliseconds from street choice to detail."""
    from playwright.sync_api import sync_playwright

    loads, details = [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=shutil.which("chromium"), headless=True, args=CHROMIUM_ARGS)
        for _ in range(runs):
            time.sleep(20)  # the kernel pool refills: each run gets a preheated kernel, as an officer would
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            start = time.perf_counter()
            page.goto(app_link(user), wait_until="commit")
            page.wait_for_selector(".lpt-ready", timeout=120_000)
            page.wait_for_selector(".leaflet-overlay-pane canvas", timeout=60_000)
            loads.append(time.perf_counter() - start)
            for index in range(5):
                details.append(page.evaluate(_CHOOSE, index))
            page.close()
        browser.close()
    return loads, details


if __name__ == "__main__":
    main()
