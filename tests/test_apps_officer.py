"""The officer app driven as an officer would, without a browser (the browser test is test_apps_browser.py)."""

from __future__ import annotations

import html
from urllib.parse import parse_qs, urlparse

import pytest

from lpt.access.data import key_contacts
from lpt.access.guard import Area
from lpt.access.tokens import issue_app_token
from lpt.access.users import get_user
from lpt.apps.maps import view_of
from lpt.apps.officer import OfficerApp, officer_app
from lpt.apps.session import app_caller, app_link
from lpt.priorities.actions import actions_for
from lpt.priorities.lifecycle import actions_of
from lpt.priorities.sharing import team_shares
from lpt.priorities.streets import street_trend
from tests.conftest import OFFICER_WARD, OTHER_WARD


@pytest.fixture(scope="module")
def app(officer_store):
    engine, _ = officer_store
    return OfficerApp(engine, get_user(engine, "pc-central"))


def _values(select) -> list[str]:
    return [value for _, value in select.options]


def _actions(app, street: str) -> list[dict]:
    row = app.streets.loc[street]
    return actions_for(row.to_dict(), row["reasons"])


def test_the_officer_sees_only_their_wards_streets(app):
    assert set(app.streets["ward_code"]) == {OFFICER_WARD}
    assert app.wards == [OFFICER_WARD]
    listed = app.streets.loc[_values(app.street_list)]
    assert 0 < len(listed) <= 10 and set(listed["ward_code"]) == {OFFICER_WARD}
    assert listed["score"].is_monotonic_decreasing  # ranked, best first
    points = app.map.layers[-2].data["features"]  # the recommended streets' layer, under the highlight
    assert {app.streets.index[f["properties"]["n"]] for f in points} == set(listed.index)
    everything = app.map.layers[-3].data["features"]
    assert len(everything) == len(app.streets)


def test_choosing_a_street_shows_its_reasons_figures_trend_and_actions(app):
    street = next(s for s in _values(app.street_list) if _actions(app, s))
    app.choose(street)
    row = app.streets.loc[street]
    assert row["street_name"] in app.detail.value and "Why here" in app.detail.value
    for reason in row["reasons"]:
        assert html.escape(reason["text"][1:]) in app.detail.value  # shown with a capital first letter
    trend = street_trend(app.engine, row["lsoa21_code"], row["street_name"])
    assert app.detail.value.count("<rect ") == len(trend) == 12  # a bar per month held (the sample: 2025)
    assert f"{trend['month'].iloc[-1]}</text>" in app.detail.value
    assert app.street_list.value == street
    assert list(app.highlight.location) == [row["latitude"], row["longitude"]] and app.highlight.opacity == 1
    assert _actions(app, street)[0]["action"] in app.action_box.children[1].children[0].value


def test_a_map_click_chooses_the_street_and_the_list_follows(app):
    street = _values(app.street_list)[1]
    app._clicked_street(event="click", feature={"properties": {"n": list(app.streets.index).index(street)}})
    assert app.chosen == street and app.street_list.value == street


def test_a_street_outside_the_officers_wards_cannot_be_chosen(app, officer_store):
    engine, _ = officer_store
    other = OfficerApp(engine, get_user(engine, "pc-west"))
    foreign = other.streets.index[0]
    before = app.chosen
    app.choose(foreign)
    assert app.chosen == before and "not in your areas" in app.status.value


def test_accept_dismiss_and_complete_an_action(officer_store):
    engine, _ = officer_store
    officer = get_user(engine, "pc-central")
    app = OfficerApp(engine, officer)
    street = next(s for s in _values(app.street_list) if _actions(app, s))
    app.choose(street)
    first = {**_actions(app, street)[0], "id": None, "status": "recommended"}
    app.act(first, "dismiss")  # no reason given
    assert "needs a reason" in app.status.value
    app.act(first, "accept")
    recorded = actions_of(engine, officer, area=Area("ward", OFFICER_WARD))
    mine = recorded[(recorded["street_name"] == app.streets.loc[street, "street_name"])
                    & (recorded["rule_id"] == first["rule_id"])]
    assert list(mine["status"]) == ["accepted"]
    app.note.value = "Patrols on Friday evenings for four weeks"
    app.act({**first, "id": int(mine["id"].iloc[0]), "status": "accepted"}, "done")
    recorded = actions_of(engine, officer, area=Area("ward", OFFICER_WARD))
    done = recorded[recorded["id"] == int(mine["id"].iloc[0])].iloc[0]
    assert done["status"] == "done" and done["done_note"] == "Patrols on Friday evenings for four weeks"
    assert "marked done" in app.status.value and "Patrols on Friday" in app.action_box.children[1].children[0].value


def test_share_a_selection_with_the_team(officer_store):
    engine, _ = officer_store
    app = OfficerApp(engine, get_user(engine, "pc-central"))
    app.share()
    assert "Choose streets" in app.status.value
    for street in _values(app.street_list)[:2]:
        app.choose(street)
        app.add_to_selection()
    app.share_note.value = "Focus for the next fortnight"
    app.share()
    assert "Shared 2 street(s)" in app.status.value and not app.selection
    shared = team_shares(engine, get_user(engine, "sgt-central"))
    assert "Focus for the next fortnight" in set(shared["note"])
    assert set(app.streets.loc[_values(app.street_list)[:2], "street_name"]) <= set(shared["street_name"])


def test_sharing_needs_a_team(officer_store):
    engine, _ = officer_store
    app = OfficerApp(engine, get_user(engine, "pc-solo"))
    app.choose(_values(app.street_list)[0])
    app.add_to_selection()
    app.share()
    assert "team" in app.status.value and "lpt-error" in app.status.value


def test_contacts_are_for_allowed_roles_only_and_of_the_chosen_ward(app, officer_store):
    engine, _ = officer_store
    mine = key_contacts(engine, get_user(engine, "pc-central"), purpose="test", area=Area("ward", OFFICER_WARD))
    theirs = key_contacts(engine, get_user(engine, "pc-west"), purpose="test", area=Area("ward", OTHER_WARD))
    assert len(mine) and len(theirs)  # the sample has key contacts in both wards
    shown = app.contacts(OFFICER_WARD)
    assert f"{len(mine)} key contacts" in shown and "recorded in the audit log" in shown
    assert all(email in shown for email in mine["email"].dropna())
    assert not any(email in shown for email in set(theirs["email"].dropna()) - set(mine["email"].dropna()))
    assert "not available to you" in app.contacts(OTHER_WARD)
    refused = OfficerApp(engine, get_user(engine, "an1"), top=3).contacts(OFFICER_WARD)
    assert "not available to you" in refused and "<td>" not in refused


def test_area_panel_shows_the_wards_figures(app):
    panel = app.area_panel(OFFICER_WARD)
    for title in ("Confidence in local police", "What changed since the last quarter", "Residents' priorities",
                  "Least represented among members", "Similar wards"):
        assert title in panel


def test_crime_and_priorities_layers_on_demand(app):
    before = len(app.map.layers)
    app.show_crime(True)
    assert len(app.map.layers) == before + 1
    crime = app.crime_layer.data["features"]
    assert crime and all(f["geometry"]["type"] == "Point" for f in crime)
    app.show_crime(False)
    assert len(app.map.layers) == before
    app.show_priorities(True)
    areas = app.priority_layer.data["features"]
    assert areas and all(f["geometry"]["type"] in ("Polygon", "MultiPolygon") for f in areas)
    sentences = {f["properties"]["sentence"] for f in areas}
    assert all(s == "too few answers to show" or "named by" in s for s in sentences), sentences
    assert "Waves" in app.priority_legend.value
    app.show_priorities(False)
    assert len(app.map.layers) == before and app.priority_legend.value == ""


def test_the_app_opens_only_from_a_valid_link(officer_store, monkeypatch):
    engine, _ = officer_store
    monkeypatch.setenv("LPT_SECRET_KEY", "officer app test secret")
    link = app_link("pc-central")
    query = urlparse(link).query
    assert app_caller(engine, "officer", query).user_id == "pc-central"
    page = officer_app(engine, query)
    assert "lpt-ready" in page._dom_classes
    token = parse_qs(query)["token"][0]
    refused = {
        "no token": "",
        "tampered": "token=" + token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB"),
        "other app": "token=" + issue_app_token("pc-central", "messages", b"officer app test secret"),
        "other secret": "token=" + issue_app_token("pc-central", "officer", b"another secret"),
        "unknown user": "token=" + issue_app_token("nobody", "officer", b"officer app test secret"),
    }
    for case, bad in refused.items():
        page = officer_app(engine, bad)
        text = page.children[1].value
        assert "lpt-refused" in page.children[1]._dom_classes and "lpt-error" in text, case
        assert "lpt-ready" not in page._dom_classes, case


def test_view_of_fits_the_bounds():
    center, zoom = view_of((-0.40, 53.73, -0.30, 53.77), width_px=400)
    assert center == pytest.approx((53.75, -0.35))
    assert 11 <= zoom <= 13  # about 7 km across in 400 pixels
    assert view_of((-0.40, 53.73, -0.30, 53.77), width_px=1600)[1] == zoom + 2
