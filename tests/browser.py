"""Shared by the browser tests: Playwright driving Debian's Chromium (never a downloaded browser)."""

from __future__ import annotations

import os
import shutil
from contextlib import contextmanager
from pathlib import Path

import pytest

from lpt.reports.pdf import CHROMIUM_ARGS

ARTIFACTS = Path(__file__).parent / "artifacts"
"""Screenshots the browser tests keep (gitignored) for people to look at."""


@contextmanager
def chromium():
    """A headless Debian Chromium under Playwright; skipped where either is missing (a failure under CI,
    where make test installs both)."""
    missing = []
    if shutil.which("chromium") is None:
        missing.append("Debian's 'chromium' package (make test installs it as root)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        sync_playwright = None
        missing.append("the Python package 'playwright' (pip install -e '.[test]')")
    if missing:
        message = "browser test needs " + " and ".join(missing)
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=shutil.which("chromium"), headless=True, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
