"""The officer app served by ``lpt serve`` (Voila, preheated kernels) and used in headless Chromium:
it loads from a personal link, the map draws, choosing a street shows why, one ward's officer sees
nothing of another ward, a phone-sized screen works, and a bad link shows nothing. Screenshots are
kept in tests/artifacts/ (gitignored) to look at."""

from __future__ import annotations

import email
import http.cookiejar
import io
import math
import re
import socket
import time
import urllib.parse
import urllib.request
from datetime import UTC, datetime, timedelta

import pytest
from shapely import Point, wkt

from lpt.access.data import key_contacts
from lpt.access.guard import Area
from lpt.access.users import get_user
from lpt.apps.officer import OfficerApp
from lpt.apps.serve import serve, stop, wait_until_up
from lpt.apps.session import app_link
from lpt.apps.setups import SetupsApp
from lpt.priorities.lifecycle import accept, actions_of, complete, propose
from lpt.priorities.streets import area_streets
from lpt.setups.model import archive_setup, every_door_setup, setups_of
from lpt.setups.progress import visited_share_by_ward
from lpt.setups.selection import priority_addresses
from lpt.setups.visits import record_visit
from tests.browser import ARTIFACTS, chromium
from tests.conftest import OFFICER_WARD, OTHER_WARD

SECRET = "browser test secret"
LOADED = 120_000  # ms: a kernel that is not preheated starts, imports and scores before the map shows


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def outbox(tmp_path_factory):
    """Where the served apps' messages go (a file outbox, LPT_MAIL_TRANSPORT=outbox)."""
    return tmp_path_factory.mktemp("outbox")


@pytest.fixture(scope="module")
def server(officer_store, outbox):
    """``lpt serve`` (apps and the reply endpoint) on free ports for the officer store; yields the apps'
    port while links are signed with SECRET and messages go to ``outbox``."""
    _, url = officer_store
    port, reply_port = _free_port(), _free_port()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LPT_SECRET_KEY", SECRET)
        patch.setenv("LPT_APP_URL", f"http://127.0.0.1:{port}")
        patch.setenv("LPT_REPLY_URL", f"http://127.0.0.1:{reply_port}")
        patch.setenv("LPT_MAIL_TRANSPORT", "outbox")
        patch.setenv("LPT_OUTBOX_DIR", str(outbox))
        process = serve(url, port=port, pool=1, reply_port=reply_port)
        try:
            wait_until_up(process, port)
            wait_until_up(process, reply_port)
            yield port
        finally:
            stop(process)


def _open(page, user_id: str, app: str = "officer"):
    page.goto(app_link(user_id, app), wait_until="domcontentloaded")
    page.wait_for_selector(".lpt-ready", timeout=LOADED)
    if app == "officer":
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


def _reply_through_the_endpoint(letter: email.message.Message, text: str) -> str:
    """Answer a message as a resident would: open the reply link of ``letter``, post the form."""
    body = letter.get_payload(decode=True).decode()
    link = re.search(r"http://127\.0\.0\.1:\d+/reply/\S+", body).group(0)
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    form = opener.open(link).read().decode()
    xsrf = re.search(r'name="_xsrf" value="([^"]+)"', form).group(1)
    data = urllib.parse.urlencode({"_xsrf": xsrf, "body": text}).encode()
    return opener.open(urllib.request.Request(link, data=data, method="POST")).read().decode()


def test_messages_app_sends_a_message_and_a_reply_arrives(server, outbox):
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
        _open(page, "pc-central", "messages")
        page.locator(".lpt-subject input").fill("What we did in your area")
        page.locator(".lpt-body textarea").fill("Residents told us {top_concern} matters most. We listened.")
        page.get_by_role("button", name="Prepare").click()
        preview = page.locator(".lpt-preview")
        preview.get_by_text("What residents will read").wait_for(timeout=30_000)
        assert "{top_concern}" not in preview.inner_text()  # the figure is filled in
        page.screenshot(path=str(ARTIFACTS / "messages-compose.png"), full_page=True)
        page.get_by_role("button", name="Send", exact=True).click()
        page.locator(".lpt-status").get_by_text("sent").wait_for(timeout=30_000)
        letters = [email.message_from_bytes(p.read_bytes()) for p in sorted(outbox.glob("*.eml"))]
        assert letters and all(m["Subject"] == "What we did in your area" for m in letters)
        thanks = _reply_through_the_endpoint(letters[0], "The street is much quieter now, thank you")
        assert letters[0]["To"] not in thanks  # the page says nothing about the resident
        page.locator(".lm-TabBar-tab", has_text="Replies").click()
        page.get_by_role("button", name="Refresh").last.click()
        page.locator(".lpt-replies").get_by_text("much quieter now").wait_for(timeout=30_000)
        page.screenshot(path=str(ARTIFACTS / "messages-phone.png"), full_page=True)


def test_doorstep_app_records_a_visit_on_a_phone(server):
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
        _open(page, "pc-central", "doorstep")
        assert "Never tell a resident that their address is a priority" in page.locator(".lpt-reminder").inner_text()
        doors = page.locator(".lpt-doors select")
        door = doors.locator("option").first.inner_text().split("\xa0(")[0]  # the address, before the postcode
        doors.select_option(index=0)
        page.locator(".lpt-outcome").get_by_role("button", name="Spoke: not registered").click()
        page.get_by_role("button", name="Record visit").click()
        page.locator(".lpt-status").get_by_text("Recorded").wait_for(timeout=30_000)
        called = page.locator(".lpt-doors option", has_text=door).first
        deadline = time.monotonic() + 15
        while "last: Spoke: not registered" not in called.inner_text().replace("\xa0", " "):
            assert time.monotonic() < deadline, called.inner_text()
            page.wait_for_timeout(200)
        assert page.evaluate("document.documentElement.scrollWidth") <= 392
        page.screenshot(path=str(ARTIFACTS / "doorstep-phone.png"), full_page=True)


def _on_screen(box: dict, center: tuple[float, float], zoom: int, lon: float, lat: float) -> tuple[float, float]:
    """Where ``lon``/``lat`` is drawn in a Leaflet map ``box`` centred on ``center`` (lat, lon) at ``zoom``."""
    def world(lon: float, lat: float) -> tuple[float, float]:  # Web Mercator pixels at this zoom
        s = math.sin(math.radians(lat))
        scale = 256 * 2 ** zoom
        return (lon + 180) / 360 * scale, (0.5 - math.log((1 + s) / (1 - s)) / (4 * math.pi)) * scale

    x, y = world(lon, lat)
    cx, cy = world(center[1], center[0])
    return box["x"] + box["width"] / 2 + x - cx, box["y"] + box["height"] / 2 + y - cy


def test_setups_app_creates_a_setup_from_a_shape_drawn_on_the_map(server, officer_store):
    engine, _ = officer_store
    sergeant = get_user(engine, "sgt-central")
    planner = SetupsApp(engine, sergeant)  # the same map view the served app opens on
    doors = priority_addresses(engine, sergeant, 1, on=datetime.now(UTC), purpose="test").dropna(subset=["longitude"])
    middle = doors.iloc[int(((doors["longitude"] - doors["longitude"].median()) ** 2
                             + (doors["latitude"] - doors["latitude"].median()) ** 2).argmin())]
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        _open(page, "sgt-central", "setups")
        page.locator(".lpt-setup-name input").fill("Drawn in the browser")
        page.locator(".leaflet-draw-draw-rectangle").click()
        box = page.locator(".leaflet-container").first.bounding_box()
        x, y = _on_screen(box, planner.map.center, planner.map.zoom, middle["longitude"], middle["latitude"])
        page.mouse.move(x - 12, y - 12)
        page.mouse.down()
        page.mouse.move(x + 12, y + 12, steps=6)
        page.mouse.up()
        page.get_by_text("Area drawn").wait_for(timeout=15_000)
        page.get_by_role("button", name="Preview").click()
        page.locator(".lpt-preview").get_by_text(re.compile(r"would hold (\d+|too few)")).wait_for(timeout=30_000)
        page.get_by_role("button", name="Create setup").click()
        page.locator(".lpt-status").get_by_text("created").wait_for(timeout=30_000)
        page.screenshot(path=str(ARTIFACTS / "setups-desktop.png"), full_page=True)
        listed = setups_of(engine, sergeant, purpose="test")
        drawn = listed[listed["name"] == "Drawn in the browser"].iloc[0]
        assert wkt.loads(drawn["spec"].area.polygon).contains(Point(middle["longitude"], middle["latitude"]))
        assert drawn["wards"] == (OFFICER_WARD,)
        door = every_door_setup(engine, get_user(engine, "admin"), purpose="test")
        for address in doors["address_id"][:6]:
            record_visit(engine, get_user(engine, "pc-central"), door, address, "not_in", at=datetime.now(UTC),
                         purpose="test")
        page.locator(".lm-TabBar-tab", has_text="Every door").click()
        page.locator(".lpt-every-door").get_by_text("Total").wait_for(timeout=30_000)
        shares = visited_share_by_ward(engine, sergeant, purpose="test").set_index("ward_code")
        assert shares.loc["Total", "visited"] >= 6  # a knock is a knock: calls of other setups count too
        assert f"{shares.loc['Total', 'share_pct']:.1f}%" in page.locator(".lpt-every-door").inner_text()
        page.locator(".leaflet-overlay-pane canvas").last.wait_for(timeout=10_000)  # the ward shaded
        page.screenshot(path=str(ARTIFACTS / "setups-every-door.png"), full_page=True)
    for setup_id in (int(drawn["setup_id"]), door):  # the doorstep tests see setup 1 only
        archive_setup(engine, get_user(engine, "admin"), setup_id, purpose="test")


def _choose(select, text: str) -> None:
    """Choose the first option of a Select widget whose label holds ``text`` (Voila writes spaces as \xa0)."""
    select.locator("option").first.wait_for(timeout=30_000)
    labels = [label.replace("\xa0", " ") for label in select.locator("option").all_inner_texts()]
    select.select_option(index=next(i for i, label in enumerate(labels) if text in label))


def test_supervisor_app_signs_off_an_action(server, officer_store):
    engine, _ = officer_store
    officer, sergeant = get_user(engine, "pc-central"), get_user(engine, "sgt-central")
    street = area_streets(engine, officer, purpose="test").iloc[0][["ward_code", "lsoa21_code", "street_name"]]
    [action_id] = propose(engine, officer, street.to_dict(), [
        {"rule_id": "browser-test", "action": "Visit the residents' meeting", "who": "neighbourhood officer"}],
        purpose="test")
    accept(engine, officer, action_id, purpose="test")
    complete(engine, officer, action_id, note="Went to the meeting and answered questions", purpose="test")
    doors = priority_addresses(engine, officer, 1, on=datetime.now(UTC), purpose="test")["address_id"]
    for i, door in enumerate(doors[:42]):  # six weeks of calls, so the guide's progress shows figures
        caller, outcome = (officer, sergeant)[i % 2], ("spoke_not_registered", "not_in", "spoke_registered")[i % 3]
        consent = {"first_name": "Resident", "last_name": str(i), "email": f"r{i}@example.org"} if i % 3 == 2 else None
        record_visit(engine, caller, 1, door, outcome, at=datetime.now(UTC) - timedelta(days=42 - i), consent=consent,
                     purpose="test")
    with chromium() as browser:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        _open(page, "sgt-central", "supervisor")
        page.locator(".lpt-team-setups").get_by_text("Central door-knocking").wait_for(timeout=30_000)
        _choose(page.locator(".lpt-app select").first, "Central door-knocking")
        page.locator(".lpt-setup-progress").get_by_text("Per officer").wait_for(timeout=30_000)
        page.screenshot(path=str(ARTIFACTS / "supervisor-setups.png"), full_page=True)
        page.locator(".lm-TabBar-tab", has_text="Actions").click()
        actions = page.locator(".lpt-action-list select")
        _choose(actions, "Visit the residents")
        page.locator(".lpt-action-detail").get_by_text("Went to the meeting").wait_for(timeout=30_000)
        page.locator(".lpt-app textarea").fill("Thank you: write up the questions for the next newsletter")
        page.get_by_role("button", name="Add comment").click()
        page.locator(".lpt-action-detail").get_by_text("write up the questions").wait_for(timeout=30_000)
        page.get_by_role("button", name="Sign off").click()
        page.locator(".lpt-status").get_by_text(f"Action {action_id} signed off").wait_for(timeout=30_000)
        page.screenshot(path=str(ARTIFACTS / "supervisor-actions.png"), full_page=True)
    signed = actions_of(engine, sergeant, status="done", purpose="test").set_index("id").loc[action_id]
    assert signed["signed_off_by"] == "sgt-central" and signed["comments"] == 1
