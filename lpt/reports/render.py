"""Turning a report notebook into a published HTML page, and the index of the pages.

A report notebook is executed with papermill into a temporary folder outside
the reports folder, because papermill writes the injected parameters (the
database URL, the user) into the executed notebook; only the HTML, exported
without code cells or prompts, reaches the reports folder, and the executed
notebook is deleted.
"""

from __future__ import annotations

import html
import json
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import nbformat
from nbconvert import HTMLExporter

from lpt import settings
from lpt.errors import LPTError

__all__ = ["MANIFEST", "NOTEBOOKS", "notebook_path", "record_reports", "render", "write_index"]

NOTEBOOKS = settings.PROJECT_ROOT / "notebooks"
"""Folder of the report notebooks (``ward_report.ipynb``, ``force_overview.ipynb``, ``setup_report.ipynb``)."""

MANIFEST = "reports.json"
"""The reports folder's list of reports (file, title, date written), read by :func:`write_index`."""


def notebook_path(name: str) -> Path:
    """The report notebook ``name`` (without ``.ipynb``) in :data:`NOTEBOOKS`."""
    path = NOTEBOOKS / f"{name}.ipynb"
    if not path.exists():
        raise LPTError(f"no report notebook {path}")
    return path


def render(notebook: Path, parameters: dict[str, Any], out_html: Path, *, title: str | None = None,
           record: bool = True, kernel_manager: Any = None) -> Path:
    """Execute ``notebook`` with ``parameters`` and write it as HTML without code to ``out_html``.

    The report is recorded in the folder's manifest (:data:`MANIFEST`) with ``title`` and the
    time written, and the folder's index rewritten; with ``record`` False neither is done (the
    parallel ``lpt report all`` records every report once, in the parent, with :func:`record_reports`).
    ``kernel_manager``: a started Jupyter kernel to run in, kept running afterwards (default: a new
    kernel, shut down afterwards). Returns ``out_html``.
    """
    import papermill
    from papermill.exceptions import PapermillExecutionError

    out_html = Path(out_html)
    out_html.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="lpt-report-") as folder:
        executed = Path(folder) / Path(notebook).name
        try:
            papermill.execute_notebook(
                str(notebook), str(executed), parameters=parameters, kernel_name="python3", progress_bar=False,
                cwd=str(Path(notebook).parent), **({"km": kernel_manager} if kernel_manager is not None else {}),
            )
        except PapermillExecutionError as exc:
            raise LPTError(f"report {Path(notebook).name} failed: {exc.ename}: {exc.evalue}") from None
        resources = {"metadata": {"name": title or out_html.stem}}
        body, _ = _exporter().from_notebook_node(nbformat.read(executed, as_version=4), resources=resources)
    out_html.write_text(body, encoding="utf-8")
    if record:
        record_reports(out_html.parent, {out_html.name: title or out_html.stem})
        write_index(out_html.parent)
    return out_html


def write_index(reports_dir: Path) -> Path:
    """Write ``index.html`` in ``reports_dir`` linking every report listed in its manifest and
    still present, newest first, with the date it was written (or, for HTML files not in the
    manifest, their modification time)."""
    reports_dir = Path(reports_dir)
    entries = {e["file"]: e for e in _manifest(reports_dir) if (reports_dir / e["file"]).exists()}
    for path in reports_dir.glob("*.html"):
        if path.name != "index.html" and path.name not in entries:
            written = datetime.fromtimestamp(path.stat().st_mtime, UTC).isoformat(timespec="seconds")
            entries[path.name] = {"file": path.name, "title": path.stem, "written": written}
    rows = "\n".join(
        f'<li><a href="{html.escape(e["file"])}">{html.escape(e["title"])}</a> '
        f'<time datetime="{e["written"]}">{e["written"][:10]}</time></li>'
        for e in sorted(entries.values(), key=lambda e: e["written"], reverse=True)
    )
    index = reports_dir / "index.html"
    index.write_text(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>LPT reports</title></head>\n"
        f"<body><h1>LPT reports</h1>\n<ul>\n{rows}\n</ul></body></html>\n",
        encoding="utf-8",
    )
    return index


def _exporter() -> HTMLExporter:
    """HTML with outputs only: no code cells, no In/Out prompts."""
    exporter = HTMLExporter(exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True)
    return exporter


def _manifest(reports_dir: Path) -> list[dict]:
    path = reports_dir / MANIFEST
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else []


def record_reports(reports_dir: Path, titles: dict[str, str]) -> None:
    """Add or update reports (file name in ``reports_dir`` -> title) in the folder's manifest, written now."""
    reports_dir = Path(reports_dir)
    entries = [e for e in _manifest(reports_dir) if e["file"] not in titles]
    written = datetime.now(UTC).isoformat(timespec="seconds")
    entries.extend({"file": name, "title": title, "written": written} for name, title in titles.items())
    (reports_dir / MANIFEST).write_text(json.dumps(entries, indent=1), encoding="utf-8")
