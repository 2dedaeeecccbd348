"""A rendered ward report opened in headless Chromium (Playwright driving Debian's browser): the map and
the charts show, and a full-page screenshot is kept in tests/artifacts/ (gitignored) to look at."""

from __future__ import annotations

from tests.browser import ARTIFACTS, chromium

WARD = "E05011529"


def test_ward_report_shows_its_map_and_charts_in_chromium(rendered):
    report = rendered / f"ward-{WARD}-internal.html"
    screenshot = ARTIFACTS / f"ward-{WARD}-internal.png"
    screenshot.unlink(missing_ok=True)
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(report.as_uri(), wait_until="load")
        page.wait_for_function("Array.from(document.images).every(i => i.complete)")
        shown = page.eval_on_selector_all(
            "img",
            """images => images.map(i => ({width: i.naturalWidth, height: i.naturalHeight,
                                           visible: i.getBoundingClientRect().width > 0}))""",
        )
        for heading in ("Map of the ward", "Crime and ASB with harm"):
            assert page.get_by_role("heading", name=heading).is_visible(), heading
        page.screenshot(path=str(screenshot), full_page=True)
    drawn = [i for i in shown if i["width"] > 0 and i["height"] > 0 and i["visible"]]
    assert len(drawn) >= 2, shown  # the crime trend chart and the ward map
    assert screenshot.read_bytes().startswith(b"\x89PNG") and screenshot.stat().st_size > 50_000
