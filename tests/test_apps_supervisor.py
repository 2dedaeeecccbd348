"""The supervisor app driven as a sergeant would, without a browser (the browser test is in
test_apps_browser.py): the team's setups against plan, the action record with comments and sign-off,
the streets the team shared. On the store of tests/setups_files.py (SQLite): sergeant sgt-north of the
North team, officers pc1-pc4; clock fixed at 9 June 2025 for setups."""

from __future__ import annotations

import html
from datetime import UTC, datetime, timedelta

import pytest

from lpt.access.guard import PermissionDenied
from lpt.apps.supervisor import SupervisorApp
from lpt.priorities.lifecycle import accept, complete, propose
from lpt.priorities.sharing import share_with_team
from lpt.setups.model import SetupArea, SetupSpec, create_setup
from lpt.setups.visits import record_visit
from tests.setups_files import ENDS, MILL, NORTH, ON, PURPOSE, STARTS

LATER = ON + timedelta(days=7)
MILL_LANE = {"ward_code": NORTH, "lsoa21_code": "E01000001", "street_name": "Mill Lane"}


@pytest.fixture
def supervised(doorstep_sqlite):
    """The setups store with a North setup (6 doors called at by pc1 and pc2), two actions done on Mill
    Lane (one by pc1, one by the sergeant), one proposed, and Mill Lane shared by pc1."""
    engine, users = doorstep_sqlite
    setup_id = create_setup(engine, users["sgt-north"], SetupSpec("North doors", SetupArea(wards=(NORTH,)), STARTS, ENDS),
                            purpose=PURPOSE)
    for i, door in enumerate(MILL[:6]):
        record_visit(engine, users["pc1" if i % 2 else "pc2"], setup_id, door, "spoke_not_registered",
                     at=ON + timedelta(hours=i), purpose=PURPOSE)
    ids = propose(engine, users["pc1"], MILL_LANE, [
        {"rule_id": f"rule-{i}", "action": f"Action {i} on Mill Lane", "who": "neighbourhood officer"} for i in range(3)
    ], purpose=PURPOSE)
    for action_id, by in ((ids[0], "pc1"), (ids[1], "sgt-north")):
        accept(engine, users[by], action_id, purpose=PURPOSE)
        complete(engine, users[by], action_id, note=f"Patrols done by {by}", purpose=PURPOSE)
    share_with_team(engine, users["pc1"], [MILL_LANE], note="Drug dealing reported", purpose=PURPOSE)
    return engine, users, setup_id, ids


def _app(supervised, user: str = "sgt-north") -> SupervisorApp:
    engine, users, _, _ = supervised
    return SupervisorApp(engine, users[user], clock=lambda: LATER)


def test_the_teams_setups_against_plan(supervised):
    _, _, setup_id, _ = supervised
    app = _app(supervised)
    assert app.setup_choice.options == (("North doors (active)", setup_id),)
    assert "North doors" in app.setups_table.value and "on plan" in app.setups_table.value
    app.setup_choice.value = setup_id
    detail = html.unescape(app.setup_detail.value)
    # 19 targeted over the 30 days of June; by 9 June 9 days have gone: 6 planned (19 × 9/30 = 5.7), 6 visited
    assert "On plan: 6 of 19 households visited by 2025-06-09" in detail
    assert "<polyline" in detail and "stroke-dasharray" in detail  # the weekly lines and the dashed plan
    assert "Name of pc1" in detail and "Name of pc2" in detail


def test_a_done_action_is_commented_on_and_signed_off(supervised):
    engine, _, _, ids = supervised
    app = _app(supervised)
    assert [value for _, value in app.action_list.options] == sorted(ids[:2], reverse=True)  # done, to sign off
    app.action_list.value = ids[0]
    assert "Patrols done by pc1" in app.action_detail.value and "No comments yet" in app.action_detail.value
    assert app.sign_box.layout.display is None
    app.comment_text.value = "Good work: keep it up for a month"
    app.add_comment()
    assert "Good work: keep it up for a month" in app.action_detail.value and "Name of sgt-north" in app.action_detail.value
    app.sign_note.value = "Checked with the residents' group"
    app.sign_off_chosen()
    assert f"Action {ids[0]} signed off" in app.status.value
    assert app.action_filter.value == "all" and app.action_list.value == ids[0]  # it left the to-sign list
    assert "Signed off by" in app.action_detail.value and app.sign_box.layout.display == "none"
    assert "signed off" in dict((v, k) for k, v in app.action_list.options)[ids[0]]
    with engine.connect() as connection:
        signed = connection.exec_driver_sql("select signed_off_by, sign_off_note from actions where id = ?", (ids[0],)).one()
    assert tuple(signed) == ("sgt-north", "Checked with the residents' group")
    assert "1" in app.summary.value  # one signed off in the ward's counts


def test_the_sergeant_cannot_sign_off_their_own_work(supervised):
    _, _, _, ids = supervised
    app = _app(supervised)
    app.action_list.value = ids[1]
    app.sign_off_chosen()
    assert "another supervisor must sign it off" in html.unescape(app.status.value)
    app.action_filter.value = "open"
    assert [value for _, value in app.action_list.options] == [ids[2]]


def test_the_teams_shared_streets(supervised):
    app = _app(supervised)
    shares = app.shares.value
    assert "Mill Lane" in shares and "Name of pc1" in shares and "Drug dealing reported" in shares
    assert "<td>1</td>" in shares  # one open action on Mill Lane (the proposed one)


def test_only_supervisors_open_it(supervised):
    engine, users, _, _ = supervised
    for user in ("pc1", "an1", "admin"):
        with pytest.raises(PermissionDenied):
            SupervisorApp(engine, users[user], clock=lambda: datetime(2025, 6, 9, tzinfo=UTC))
