"""A published HTML report as PDF, by headless Chromium's print-to-PDF (no LaTeX).

Uses Debian's ``chromium`` on the PATH (``scripts/system-packages.sh`` installs it). The browser
runs with a throw-away profile and without background network traffic: a report is a
self-contained HTML page (images inlined), so nothing needs fetching.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from lpt.errors import LPTError

__all__ = ["CHROMIUM_ARGS", "chromium_path", "to_pdf"]

CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]
"""Flags for headless Chromium on a server (also used by the browser test)."""

TIMEOUT = 120
"""Seconds before a stuck print is given up."""


def chromium_path() -> str | None:
    """The ``chromium`` executable on the PATH, or None."""
    return shutil.which("chromium")


def to_pdf(html_path: Path | str, pdf_path: Path | str | None = None) -> Path:
    """Print ``html_path`` to ``pdf_path`` (default: the same name with ``.pdf``) and return it.

    Raises LPTError when Chromium is missing, fails or writes no PDF.
    """
    html_path = Path(html_path).resolve()
    if not html_path.exists():
        raise LPTError(f"no report {html_path} to print")
    pdf_path = Path(pdf_path) if pdf_path else html_path.with_suffix(".pdf")
    chromium = chromium_path()
    if chromium is None:
        raise LPTError("PDF needs Chromium: install Debian's 'chromium' package (make test does so as root)")
    pdf_path.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory(prefix="lpt-chromium-") as profile:
        command = [
            chromium, "--headless", *CHROMIUM_ARGS, f"--user-data-dir={profile}", "--no-pdf-header-footer",
            f"--print-to-pdf={pdf_path.resolve()}", html_path.as_uri(),
        ]
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT, stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            raise LPTError(f"Chromium did not print {html_path.name} within {TIMEOUT} s") from None
    if done.returncode != 0 or not pdf_path.exists() or pdf_path.stat().st_size == 0:
        detail = (done.stderr or done.stdout).strip().splitlines()
        raise LPTError(f"Chromium failed to print {html_path.name} (exit {done.returncode})"
                       + (f": {detail[-1]}" if detail else ""))
    return pdf_path
