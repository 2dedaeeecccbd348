"""The setups app driven as a supervisor, an officer and an admin would, without a browser (the browser test
is in test_apps_browser.py): plan a setup by wards, streets or a drawn shape, preview and create it, follow
and archive it, and the every-door map. On the store of tests/setups_files.py (SQLite), clock fixed at
2 June 2025."""

from __future__ import annotations

import html

import pytest
from shapely import wkt

from lpt.apps.setups import SetupsApp
from lpt.setups.model import load_setup, setups_of
from lpt.setups.visits import record_visit
from tests.setups_files import HIGH, MILL, MILL_SQUARE, NORTH, ON, PURPOSE


@pytest.fixture
def doorstep(doorstep_sqlite):
    """The setups store on SQLite (the apps are tested on one database; lpt.setups on both)."""
    return doorstep_sqlite


def _app(doorstep, user: str = "sgt-north") -> SetupsApp:
    engine, users = doorstep
    return SetupsApp(engine, users[user], clock=lambda: ON)


def _features(app: SetupsApp, key: str) -> list[dict]:
    return app.layers[key].data["features"]


def test_a_supervisor_previews_and_creates_a_ward_setup(doorstep):
    engine, users = doorstep
    app = _app(doorstep)
    assert [code for _, code in app.ward_choice.options] == [NORTH]  # only the wards they manage
    app.name.value = "North door-knocking"
    app.ward_choice.value = (NORTH,)
    app.preview()
    assert "would hold 19 households" in app.preview_box.value  # 21, less the 2 registered
    assert {f["properties"]["postcode"] for f in _features(app, "preview")} == {"TE1 1AA", "TE11 1AD"}
    setup_id = app.create()
    assert setup_id is not None and f"Setup {setup_id} created" in app.status.value
    assert app.setup_choice.options == (("North door-knocking", setup_id),)
    stored = load_setup(engine, setup_id)
    assert stored.spec.area.wards == (NORTH,) and stored.spec.team_id == "north-team"
    assert stored.spec.starts_on.isoformat() == "2025-06-02" and stored.spec.ends_on is None
    assert setup_id in set(setups_of(engine, users["pc1"], purpose=PURPOSE)["setup_id"])


def test_a_shape_drawn_on_the_map_is_the_area(doorstep):
    engine, _ = doorstep
    app = _app(doorstep)
    app.name.value = "Mill Lane square"
    square = wkt.loads(MILL_SQUARE).__geo_interface__
    app.drawn(app.draw, action="created", geo_json={"type": "Feature", "properties": {}, "geometry": square})
    assert app.area_kind.value == "polygon" and "Area drawn" in app.drawn_note.value
    app.preview()
    assert "would hold 10 households" in app.preview_box.value  # Mill Lane's 12, less ML02 and ML04
    setup_id = app.create()
    assert wkt.loads(load_setup(engine, setup_id).spec.area.polygon).equals(wkt.loads(MILL_SQUARE))
    app.drawn(app.draw, action="deleted", geo_json={"type": "Feature", "geometry": square})
    app.preview()
    assert "draw the area on the map first" in app.preview_box.value


def test_streets_are_chosen_from_the_address_register(doorstep):
    engine, _ = doorstep
    app = _app(doorstep)
    app.area_kind.value = "streets"
    labels = [label for label, _ in app.street_choice.options]
    assert labels == ["Church Road (9 households)", "Mill Lane (12 households)"]
    app.street_choice.value = (app.street_choice.options[0][1],)
    app.name.value = "Church Road"
    app.preview()
    assert "would hold 9 households" in app.preview_box.value  # M3 at CR03 left in March
    assert load_setup(engine, app.create()).spec.area.streets == (("E01000002", "Church Road"),)


def test_what_is_missing_or_wrong_is_said_in_words(doorstep):
    app = _app(doorstep)
    app.ward_choice.value = (NORTH,)
    assert app.create() is None and "a setup needs a name" in app.status.value
    app.name.value = "Low confidence"
    app.question.value = "confidence"
    app.preview()
    assert "must revisit them" in app.preview_box.value
    app.revisit.value = True
    app.preview()
    assert "too few to show" in app.preview_box.value  # M1 only (confidence 1 now): one household
    app.ward_choice.value = ()
    assert app.create() is None and "choose at least one ward" in app.status.value


def test_progress_and_archiving_in_the_setups_tab(doorstep, tmp_path, monkeypatch):
    engine, users = doorstep
    reports = tmp_path / "reports"
    monkeypatch.setenv("LPT_REPORTS_DIR", str(reports))
    app = _app(doorstep)
    app.name.value = "North"
    app.ward_choice.value = (NORTH,)
    setup_id = app.create()
    record_visit(engine, users["pc1"], setup_id, "ML01", "spoke_not_registered", at=ON, purpose=PURPOSE)
    app.setup_choice.value = setup_id
    assert "Progress per ward" in app.setup_detail.value and "Name of pc1" in app.setup_detail.value
    assert app.archive_button.layout.display is None
    app.archive()
    assert "Tick 'Yes, archive it' first" in html.unescape(app.status.value) and load_setup(engine, setup_id).active
    app.confirm.value = True
    app.archive()
    assert f"Setup {setup_id} archived" in app.status.value and not load_setup(engine, setup_id).active
    assert f"final report is setup-{setup_id}.html" in app.status.value
    assert "North" in (reports / f"setup-{setup_id}.html").read_text()  # kept after the archive
    assert app.setup_choice.options == ()
    app.show_archived.value = True
    assert app.setup_choice.options == (("North (archived)", setup_id),)
    app.setup_choice.value = setup_id
    assert app.archive_button.layout.display == "none" and "archived." in app.setup_detail.value


def test_the_every_door_map_for_admins_and_supervisors(doorstep):
    engine, users = doorstep
    supervisor = _app(doorstep)
    supervisor.every_door()
    assert "An admin starts it" in supervisor.door_table.value and supervisor.start_button.layout.display == "none"
    admin = _app(doorstep, "admin")
    assert ("Whole force", "force") in admin.area_kind.options
    admin.every_door()
    assert admin.start_button.layout.display is None
    admin.start_every_door()
    assert "every-door campaign has started" in admin.status.value
    assert "admin role does not allow it" in admin.door_table.value  # admins run the campaign, not its figures
    door = int(admin.setup_choice.options[0][1])
    for officer, addresses in (("pc1", MILL[:6]), ("pc-south", HIGH[:5])):
        for address in addresses:
            record_visit(engine, users[officer], door, address, "not_in", at=ON, purpose=PURPOSE)
    district = _app(doorstep, "sgt-district")
    district.every_door()
    # the tiny reference release has North's outline only; the table has both wards
    assert [f["properties"]["share"] for f in _features(district, "every door")] == ["28.6%"]  # 6 of 21 households
    assert "50.0%" in district.door_table.value  # 5 of South's 10
    supervisor.every_door()
    assert [f["properties"]["share"] for f in _features(supervisor, "every door")] == ["28.6%"]
    assert "28.6%" in supervisor.door_table.value and "50.0%" not in supervisor.door_table.value
    assert supervisor.door_table.value.count("<tr") == 3  # head, North, total


def test_officers_and_analysts_follow_setups_without_creating_them(doorstep):
    engine, users = doorstep
    created = _app(doorstep)
    created.name.value, created.ward_choice.value = "North", (NORTH,)
    setup_id = created.create()
    for user in ("pc1", "an1"):
        follower = _app(doorstep, user)
        assert not follower.manages and not hasattr(follower, "name")  # no New setup form
        assert follower.setup_choice.options == (("North", setup_id),)
        follower.setup_choice.value = setup_id
        assert "Progress per ward" in follower.setup_detail.value and follower.archive_button.layout.display == "none"
