"""The reports by name: which notebook, which parameters, which file in the reports folder.

The CLI and (later) the parallel ``lpt report all`` call these, so a report's file name and
parameters are decided once.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lpt import settings
from lpt.disclosure import Audience
from lpt.reports.render import notebook_path, render

__all__ = [
    "confidence_evaluation", "force_report", "setup_evaluation", "setup_report", "ward_report", "ward_report_title",
]


def ward_report_title(ward: str, audience: Audience | str, end: str | None = None) -> str:
    """The title a ward report is listed under in the index."""
    return f"Ward report {ward} ({Audience(audience).value})" + (f", to {end}" if end else "")


def ward_report(db_url: str, user: str, ward: str, *, end: str | None = None,
                audience: Audience | str = Audience.INTERNAL, reports_dir: Path | None = None,
                record: bool = True, kernel_manager: Any = None) -> Path:
    """Render ``notebooks/ward_report.ipynb`` for ``ward`` to ``ward-CODE-AUDIENCE[-END].html``.

    ``record`` and ``kernel_manager``: as for :func:`lpt.reports.render.render`."""
    audience = Audience(audience)
    folder = Path(reports_dir or settings.reports_dir())
    name = f"ward-{ward}-{audience.value}" + (f"-{end}" if end else "") + ".html"
    parameters = {"db_url": db_url, "user": user, "ward": ward, "end": end, "audience": audience.value}
    return render(notebook_path("ward_report"), parameters, folder / name, title=ward_report_title(ward, audience, end),
                  record=record, kernel_manager=kernel_manager)


def force_report(db_url: str, user: str, *, end: str | None = None, reports_dir: Path | None = None) -> Path:
    """Render ``notebooks/force_overview.ipynb`` to ``force[-END].html`` (internal audience)."""
    folder = Path(reports_dir or settings.reports_dir())
    name = "force" + (f"-{end}" if end else "") + ".html"
    title = "Force overview" + (f", to {end}" if end else "")
    return render(notebook_path("force_overview"), {"db_url": db_url, "user": user, "end": end}, folder / name, title=title)


def setup_report(db_url: str, user: str, setup_id: int, reports_dir: Path | None = None) -> Path:
    """Render ``notebooks/setup_report.ipynb`` for a door-knocking setup (active or archived) to
    ``setup-ID.html`` (internal audience; ``lpt setups archive`` writes the final one)."""
    folder = Path(reports_dir or settings.reports_dir())
    parameters = {"db_url": db_url, "user": user, "setup_id": int(setup_id)}
    return render(notebook_path("setup_report"), parameters, folder / f"setup-{int(setup_id)}.html",
                  title=f"Setup report {int(setup_id)}")


def confidence_evaluation(db_url: str, user: str, *, level: str = "force", code: str | None = None,
                          first_wave: str | None = None, last_wave: str | None = None, by: str | None = None,
                          reports_dir: Path | None = None) -> Path:
    """Render ``notebooks/evaluation_confidence.ipynb`` (confidence over time in an area, optionally by group)
    to ``evaluation-confidence-LEVEL[-CODE][-FIRST-LAST][-by-GROUP].html``."""
    folder = Path(reports_dir or settings.reports_dir())
    parts = ["evaluation-confidence", level, code, first_wave and last_wave and f"{first_wave}-{last_wave}",
             by and f"by-{by}"]
    name = "-".join(part for part in parts if part) + ".html"
    where = level if code is None else f"{level} {code}"
    title = f"Confidence evaluation, {where}" + (f", {first_wave} to {last_wave}" if first_wave and last_wave else "") + (
        f", by {by.replace('_', ' ')}" if by else "")
    parameters = {"db_url": db_url, "user": user, "level": level, "code": code, "first_wave": first_wave,
                  "last_wave": last_wave, "by": by}
    return render(notebook_path("evaluation_confidence"), parameters, folder / name, title=title)


def setup_evaluation(db_url: str, user: str, setup_id: int, *, outcome: str = "crime", method: str = "did",
                     reports_dir: Path | None = None) -> Path:
    """Render ``notebooks/evaluation_setup.ipynb`` (the effect of a setup on ``outcome`` by ``method``) to
    ``evaluation-setup-ID-OUTCOME-METHOD.html``."""
    folder = Path(reports_dir or settings.reports_dir())
    parameters = {"db_url": db_url, "user": user, "setup_id": int(setup_id), "outcome": outcome, "method": method}
    name = f"evaluation-setup-{int(setup_id)}-{outcome}-{method}.html"
    title = f"Evaluation of setup {int(setup_id)}: {outcome}, {method}"
    return render(notebook_path("evaluation_setup"), parameters, folder / name, title=title)
