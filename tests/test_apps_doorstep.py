"""The doorstep app driven as an officer would, with a fixed clock, without a browser (the browser test is
in test_apps_browser.py), on the officer store's setup 1 (every household of Hull Central)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from lpt.access.users import get_user
from lpt.apps.doorstep import DoorstepApp
from lpt.errors import LPTError
from lpt.setups.walklist import REMINDER

MORNING = datetime(2026, 3, 10, 10, 0, tzinfo=UTC)  # 10:00 in London (GMT)
EVENING = datetime(2026, 3, 10, 18, 30, tzinfo=UTC)


def _app(officer_store, user="pc-central", at=MORNING) -> DoorstepApp:
    engine, _ = officer_store
    return DoorstepApp(engine, get_user(engine, user), clock=lambda: at)


def test_the_doors_of_the_setup_in_walking_order_with_the_reminder(officer_store):
    app = _app(officer_store)
    assert REMINDER in app.widget.children[1].value
    assert len(app.door_list.options) == len(app.doors) > 0
    assert app.doors["walk_order"].tolist() == list(range(1, len(app.doors) + 1))
    assert set(app.doors["ward_code"]) == {"E05011529"}


def test_not_in_hides_the_door_until_six_and_show_hidden_shows_it(officer_store):
    app = _app(officer_store)
    door = app.door_list.options[0][1]
    app.door_list.value = door
    app.outcome.value = "not_in"
    app.record()
    assert "Recorded: Not in" in app.status.value
    assert door not in [value for _, value in app.door_list.options]
    app.show_hidden.value = True
    label = next(label for label, value in app.door_list.options if value == door)
    assert "hidden: not in until 18:00" in label
    later = _app(officer_store, at=EVENING)  # after 18:00 the door is back on everyone's list
    assert door in [value for _, value in later.door_list.options]


def test_consent_registers_the_resident_and_the_survey_is_kept(officer_store):
    engine, _ = officer_store
    app = _app(officer_store)
    door = app.door_list.options[1][1]
    app.door_list.value = door
    app.outcome.value = "spoke_registered"
    app.consent_fields["first_name"].value = "Ann"
    app.consent_fields["last_name"].value = "Example"
    app.consent_fields["email"].value = "ann.example@example.org"
    app.survey_fields["confidence"].value = 4
    app.priority.value = "drugs"
    app.record()
    assert "Recorded: Spoke: registered" in app.status.value
    assert door not in [value for _, value in app.door_list.options]  # registered now: off the list
    with engine.connect() as connection:
        email = connection.exec_driver_sql(
            "select email from members where address_id = ? and first_name = 'Ann'", (door,)).scalar_one()
        survey = connection.exec_driver_sql(
            "select survey from setup_visits where address_id = ? order by id desc", (door,)).scalar()
    assert email == "ann.example@example.org" and '"confidence": 4' in survey and "drugs" in survey
    assert all(w.value == "" for w in app.consent_fields.values())  # cleared for the next door


def test_a_registration_without_consent_is_refused_in_words(officer_store):
    app = _app(officer_store)
    app.door_list.value = app.door_list.options[2][1]
    app.outcome.value = "spoke_registered"
    app.record()
    assert "lpt-error" in app.status.value and "consent" in app.status.value
    app.door_list.value = None
    app.record()
    assert "Choose a door first" in app.status.value


def test_an_officer_of_another_ward_has_no_setup_here(officer_store):
    with pytest.raises(LPTError, match="no door-knocking setup"):
        _app(officer_store, user="pc-west")


def test_the_walk_list_downloads_as_a_pdf(officer_store):
    from tests.test_reports import _need_chromium

    _need_chromium()
    app = _app(officer_store)
    app.walk_list_link()
    assert "data:application/pdf;base64,JVBER" in app.pdf_link.value  # %PDF


def test_a_colleagues_call_of_the_last_half_hour_shows_on_the_map(officer_store):
    officer = _app(officer_store, at=datetime(2026, 3, 11, 9, 0, tzinfo=UTC))
    door = officer.door_list.options[3][1]
    officer.door_list.value = door
    officer.outcome.value = "spoke_not_registered"
    officer.record()
    assert "last: Spoke: not registered" in next(label for label, value in officer.door_list.options if value == door)
    kinds = lambda app: [f["properties"]["kind"] for f in app.layer.data["features"]]  # noqa: E731
    colleague = _app(officer_store, user="sgt-central", at=datetime(2026, 3, 11, 9, 20, tzinfo=UTC))
    assert "Spoke: not registered" in kinds(colleague)
    later = _app(officer_store, user="sgt-central", at=datetime(2026, 3, 11, 9, 45, tzinfo=UTC))
    assert "Spoke: not registered" not in kinds(later)  # more than 30 minutes ago
