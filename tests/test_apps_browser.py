"""The officer app served by ``lpt serve`` (Voila, preheated kernels) and used in headless Chromium:
it loads from a personal link, the map draws, choosing a street shows why, one ward's officer sees
nothing of another ward, a phone-sized screen works, and a bad link shows nothing. Screenshots are
kept in tests/artifacts/ (gitignored) to look at."""

from __future__ import annotations

import io
import socket

import pytest

from lpt.access.data import key_contacts
from lpt.access.guard import Area
from lpt.access.users import get_user
from lpt.apps.officer import OfficerApp
from lpt.apps.serve import serve, stop, wait_until_up
from lpt.apps.session import app_link
from tests.browser import ARTIFACTS, chromium
from tests.conftest import OFFICER_WARD, OTHER_WARD

SECRET = "browser test secret"
LOADED = 120_000  # ms: a kernel that is not preheated starts, imports and scores before the map shows


@pytest.fixture(scope="module")
def server(officer_store):
    """``lpt serve`` on a free port for the officer store; yields the port while links are signed with SECRET."""
    _, url = officer_store
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LPT_SECRET_KEY", SECRET)
        patch.setenv("LPT_APP_URL", f"http://127.0.0.1:{port}")
        process = serve(url, port=port, pool=1)
        try:
            wait_until_up(process, port)
            yield port
        finally:
            stop(process)


def _open(page, user_id: str):
    page.goto(app_link(user_id), wait_until="domcontentloaded")
    page.wait_for_selector(".lpt-ready", timeout=LOADED)
    page.wait_for_selector(".leaflet-overlay-pane canvas", timeout=30_000)
    page.wait_for_timeout(500)  # let the canvas draw


def _colours(png: bytes) -> int:
    from PIL import Image

    return len(Image.open(io.BytesIO(png)).convert("RGB").getcolors(maxcolors=1 << 20) or [])


def test_officer_app_draws_the_map_and_explains_a_street(server, officer_store):
    engine, _ = officer_store
    expected = OfficerApp(engine, get_user(engine, "pc-central"))
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        _open(page, "pc-central")
        options = [o.replace("\xa0", " ") for o in page.locator(".lpt-street-list select option").all_inner_texts()]
        assert options == [label for label, _ in expected.street_list.options]
        assert _colours(page.locator(".leaflet-container").screenshot()) > 20  # boundaries and coloured points
        page.locator(".lpt-street-list select").select_option(index=0)
        first = expected.recommended().iloc[0]
        detail = page.locator(".lpt-detail")
        detail.get_by_text("Why here").wait_for(timeout=10_000)
        assert first["street_name"] in detail.inner_text()
        assert detail.locator("svg.lpt-chart rect").count() == 12  # the crime trend, a bar per month
        page.wait_for_timeout(300)
        page.screenshot(path=str(ARTIFACTS / "officer-desktop.png"), full_page=True)
        detail.screenshot(path=str(ARTIFACTS / "officer-street-detail.png"))


def test_an_officer_sees_nothing_of_another_ward(server, officer_store):
    engine, _ = officer_store
    central = OfficerApp(engine, get_user(engine, "pc-central"))
    west = OfficerApp(engine, get_user(engine, "pc-west"))
    only_central = set(central.recommended()["street_name"]) - set(west.streets["street_name"])
    assert only_central
    contacts = key_contacts(engine, get_user(engine, "pc-central"), purpose="test", area=Area("ward", OFFICER_WARD))
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        _open(page, "pc-west")
        listed = " ".join(page.locator(".lpt-street-list select option").all_inner_texts())
        assert listed and not any(name in listed for name in only_central)
        page.locator(".lm-TabBar-tab", has_text="Contacts").click()
        ward_choices = page.locator(".widget-dropdown select").last.locator("option").all_inner_texts()
        assert ward_choices == [west.ward_names[OTHER_WARD]]
        page.get_by_role("button", name="Show key contacts").click()
        page.get_by_text("key contacts in").wait_for(timeout=20_000)
        text = page.content()
        assert not any(email in text for email in contacts["email"].dropna())


def test_the_app_works_on_a_phone(server):
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
                                device_scale_factor=2)
        _open(page, "pc-central")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 392, f"the page scrolls sideways on a phone: {width} px"
        map_box = page.locator(".leaflet-container").bounding_box()
        list_box = page.locator(".lpt-street-list").bounding_box()
        assert 300 <= map_box["width"] <= 390 and map_box["height"] >= 300
        assert list_box["y"] >= map_box["y"] + map_box["height"] - 1  # stacked under the map, not squeezed beside
        page.locator(".lpt-street-list select").select_option(index=0)
        page.locator(".lpt-detail").get_by_text("Why here").wait_for(timeout=10_000)
        page.screenshot(path=str(ARTIFACTS / "officer-phone.png"), full_page=True)


def test_a_bad_link_shows_nothing(server):
    with chromium() as browser:
        page = browser.new_page()
        link = app_link("pc-central")
        page.goto(link[:-4] + "xxxx", wait_until="domcontentloaded")
        page.wait_for_selector(".lpt-refused", timeout=LOADED)
        assert "not valid" in page.locator(".lpt-refused").inner_text()
        assert page.locator(".lpt-ready").count() == 0 and page.locator(".leaflet-container").count() == 0
