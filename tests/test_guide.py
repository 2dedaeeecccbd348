"""docs/OFFICER_GUIDE.md: every app has its section, and every picture is in docs/guide/ and is a screenshot
one of the browser tests takes (``make guide`` copies them there)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from lpt.apps.session import APPS

ROOT = Path(__file__).resolve().parents[1]
GUIDE = (ROOT / "docs" / "OFFICER_GUIDE.md").read_text(encoding="utf-8")


def _script():
    spec = importlib.util.spec_from_file_location("guide_images", ROOT / "scripts" / "guide_images.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_app_has_a_section():
    headings = [line for line in GUIDE.splitlines() if line.startswith("## ")]
    assert all(any(f"The {app} app" in heading for heading in headings) for app in APPS), headings


def test_every_picture_is_a_browser_tests_screenshot_kept_in_docs():
    names = _script().guide_images(GUIDE)
    browser_tests = (ROOT / "tests" / "test_apps_browser.py").read_text(encoding="utf-8")
    assert len(names) >= len(APPS)
    for name in names:
        assert (ROOT / "docs" / "guide" / name).is_file(), f"docs/guide/{name} missing: run make guide"
        assert f'ARTIFACTS / "{name}"' in browser_tests, f"no browser test takes {name}"
