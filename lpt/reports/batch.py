"""``lpt report all``: every ward's report, rendered in parallel worker processes.

The wards are those of the force with data to report: wards holding an LSOA of the insight
tables (``insight_lsoa``) that has households on the address list or crime recorded inside the
force area (:func:`force_wards`).

Lean: each worker process starts one Jupyter kernel and runs its wards' notebooks in it, one
after another, so the imports (pandas, geopandas, statsmodels, matplotlib: about 3 s) and kernel
start-up are paid once per worker, not once per ward. The ward notebook sets every name it uses
from its parameters, so nothing of one ward carries into the next. In those kernels the
force-wide results that depend on neither the ward nor the user (street scores, census counts,
similar wards, change in crime) are computed once and reused (lpt.store.reuse); access checks
and the audit log still run per ward. Workers render without touching the reports folder's
manifest; the parent records every report and writes the index once at the end (so parallel
workers never race on ``reports.json``). A ward that fails is reported with its error; the
others are still written.
"""

from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select, union
from sqlalchemy.engine import Engine

from lpt import settings
from lpt.disclosure import Audience
from lpt.errors import LPTError
from lpt.progress import progress_bar
from lpt.reports.publish import ward_report, ward_report_title
from lpt.reports.render import record_reports, write_index
from lpt.store.schema import insight_crime, insight_households, insight_lsoa

__all__ = ["AllReports", "all_ward_reports", "force_wards"]


@dataclass
class AllReports:
    """What ``lpt report all`` did: reports written (ward -> path) and wards that failed (ward -> error)."""

    folder: Path
    written: dict[str, Path] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)


def force_wards(engine: Engine) -> list[str]:
    """Codes of the force's wards with data to report, sorted: wards with an LSOA in ``insight_lsoa``
    that has households (``insight_households``) or crime inside the force area (``insight_crime``)."""
    with_data = union(select(insight_households.c.lsoa21_code), select(insight_crime.c.lsoa21_code)).subquery()
    query = (
        select(insight_lsoa.c.ward_code)
        .where(insight_lsoa.c.lsoa21_code.in_(select(with_data.c.lsoa21_code)))
        .distinct()
    )
    with engine.connect() as connection:
        return sorted(connection.execute(query).scalars())


def all_ward_reports(db_url: str, user: str, *, end: str | None = None, audience: Audience | str = Audience.INTERNAL,
                     processes: int | None = None, reports_dir: Path | None = None, wards: list[str] | None = None,
                     progress: bool | None = None) -> AllReports:
    """Render every ward's report (or ``wards``) with ``processes`` workers (default: one per CPU),
    then record them in the manifest and write the index once."""
    from lpt.store import open_store

    audience = Audience(audience)
    folder = Path(reports_dir or settings.reports_dir())
    folder.mkdir(parents=True, exist_ok=True)
    if wards is None:
        engine = open_store(db_url)
        try:
            wards = force_wards(engine)
        finally:
            engine.dispose()
    result = AllReports(folder)
    if not wards:
        raise LPTError("no ward has households or crime to report: import data and run lpt refresh first")
    processes = max(1, min(processes or os.cpu_count() or 1, len(wards)))
    with ProcessPoolExecutor(max_workers=processes) as pool:
        futures = {
            pool.submit(_render_ward, db_url, user, ward, end, audience.value, str(folder)): ward for ward in wards
        }
        for future in progress_bar(as_completed(futures), "Ward reports", "ward", progress, total=len(futures)):
            ward = futures[future]
            try:
                result.written[ward] = future.result()
            except LPTError as exc:
                result.failed[ward] = str(exc)
            except Exception as exc:  # a worker's unexpected error: report it with the ward, keep the rest
                result.failed[ward] = f"{type(exc).__name__}: {exc}"
    if result.written:
        record_reports(folder, {path.name: ward_report_title(ward, audience, end) for ward, path in sorted(result.written.items())})
    write_index(folder)
    result.written = dict(sorted(result.written.items()))
    return result


_KERNEL: Any = None
"""This worker process's Jupyter kernel manager, started on its first ward."""


def _kernel() -> Any:
    """The worker's kernel, started once and shut down when the worker exits."""
    global _KERNEL
    if _KERNEL is None or not _KERNEL.is_alive():
        from multiprocessing.util import Finalize

        from jupyter_client.manager import KernelManager

        _KERNEL = KernelManager(kernel_name="python3")
        _KERNEL.start_kernel(cwd=str(settings.PROJECT_ROOT / "notebooks"))
        Finalize(_KERNEL, _KERNEL.shutdown_kernel, kwargs={"now": True}, exitpriority=10)
        client = _KERNEL.client()
        client.start_channels()
        try:
            client.wait_for_ready(timeout=60)
            reply = client.execute_interactive("from lpt.store.reuse import enable_reuse; enable_reuse()",
                                               timeout=120, output_hook=lambda message: None)
            if reply["content"]["status"] != "ok":
                raise LPTError(f"report kernel set-up failed: {reply['content'].get('evalue')}")
        finally:
            client.stop_channels()
    return _KERNEL


def _render_ward(db_url: str, user: str, ward: str, end: str | None, audience: str, folder: str) -> Path:
    """One ward's report, in a worker process, in the worker's kernel; not recorded in the manifest."""
    return ward_report(db_url, user, ward, end=end, audience=audience, reports_dir=Path(folder), record=False,
                       kernel_manager=_kernel())
