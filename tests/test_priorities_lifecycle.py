"""The life of an action: proposed, accepted or dismissed, done; access, audit, follow-up and the CLI."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from lpt.access.audit import audit_entries
from lpt.access.guard import Area, PermissionDenied
from lpt.cli import main
from lpt.errors import LPTError
from lpt.priorities.lifecycle import COLUMNS, accept, actions_of, complete, dismiss, done_actions, propose
from lpt.store import open_store
from tests.actions_files import HIGH, MILL, NORTH, PURPOSE, SOUTH, add_users, propose_for


@pytest.fixture
def db(tmp_path):
    engine = open_store(f"sqlite:///{tmp_path / 'lpt.sqlite'}")
    yield engine, add_users(engine)
    engine.dispose()


def _by_rule(engine, caller, street_name="Mill Lane") -> dict:
    frame = actions_of(engine, caller, purpose=PURPOSE)
    return {row["rule_id"]: row for row in frame[frame["street_name"] == street_name].to_dict("records")}


def test_life_on_both_databases(store):
    users = add_users(store)
    officer = users["officer1"]
    ids = propose_for(store, officer)
    assert len(ids) == 3  # partners, officer's answer to the concern, door-knocking
    knock = _by_rule(store, officer)["door_knock_registration"]
    assert knock["status"] == "proposed" and knock["reason_kinds"] == "engagement_gap"
    assert knock["reasons"][0]["figures"]["coverage_pct"] == 12.0
    assert accept(store, officer, knock["id"], purpose=PURPOSE)["status"] == "accepted"
    done = complete(store, officer, knock["id"], note="Knocked 40 doors, 6 registered", done_on=date(2025, 6, 1), purpose=PURPOSE)
    assert (done["status"], done["done_on"], done["updated_by"], done["follow_up_ids"]) == ("done", date(2025, 6, 1), "officer1", [])
    frame = actions_of(store, officer, area=Area("ward", NORTH), status="done", purpose=PURPOSE)
    assert list(frame.columns) == COLUMNS and frame["done_note"].tolist() == ["Knocked 40 doors, 6 registered"]
    assert frame["done_on"].tolist() == [date(2025, 6, 1)]


def test_propose_is_idempotent_for_open_actions(db):
    engine, users = db
    officer = users["officer1"]
    first = propose_for(engine, officer)
    assert propose_for(engine, officer) == []
    assert len(actions_of(engine, officer, purpose=PURPOSE)) == len(first)
    rules = _by_rule(engine, officer)
    accept(engine, officer, rules["door_knock_registration"]["id"], purpose=PURPOSE)
    assert propose_for(engine, officer) == []  # accepted is still open
    dismiss(engine, officer, rules["officer_answer_concern"]["id"], reason="covered by the partners' plan", purpose=PURPOSE)
    again = propose_for(engine, officer)  # a dismissed one may be proposed anew
    assert len(again) == 1
    assert actions_of(engine, officer, status="proposed", purpose=PURPOSE)["rule_id"].tolist() == [
        "officer_answer_concern", "partners_persistent_concern",
    ]


def test_valid_transitions(db):
    engine, users = db
    officer = users["officer1"]
    propose_for(engine, officer)
    rules = _by_rule(engine, officer)
    a, b, c = (rules[r]["id"] for r in ("door_knock_registration", "officer_answer_concern", "partners_persistent_concern"))
    assert dismiss(engine, officer, a, reason="street being demolished", purpose=PURPOSE)["status_reason"] == "street being demolished"
    accept(engine, officer, b, purpose=PURPOSE, reason="ward panel asked")
    assert dismiss(engine, officer, b, reason="no longer needed", purpose=PURPOSE)["status"] == "dismissed"
    accept(engine, officer, c, purpose=PURPOSE)
    assert complete(engine, officer, c, note="Joint meeting held", purpose=PURPOSE)["done_on"] == date.today()


@pytest.mark.parametrize(
    ("path", "change", "message"),
    [
        ([], "complete", "is proposed: only a accepted action can be done"),
        (["accept"], "accept", "is accepted: only a proposed action can be accepted"),
        (["dismiss"], "accept", "is dismissed: only a proposed action can be accepted"),
        (["dismiss"], "dismiss", "is dismissed: only a proposed or accepted action can be dismissed"),
        (["dismiss"], "complete", "is dismissed: only a accepted action can be done"),
        (["accept", "complete"], "accept", "is done"),
        (["accept", "complete"], "dismiss", "is done"),
        (["accept", "complete"], "complete", "is done"),
    ],
)
def test_invalid_transitions(db, path, change, message):
    engine, users = db
    officer = users["officer1"]
    propose_for(engine, officer)
    action_id = _by_rule(engine, officer)["door_knock_registration"]["id"]
    steps = {
        "accept": lambda: accept(engine, officer, action_id, purpose=PURPOSE),
        "dismiss": lambda: dismiss(engine, officer, action_id, reason="not needed", purpose=PURPOSE),
        "complete": lambda: complete(engine, officer, action_id, note="done it", purpose=PURPOSE),
    }
    for step in path:
        steps[step]()
    before = actions_of(engine, officer, purpose=PURPOSE).set_index("id").loc[action_id, "status"]
    with pytest.raises(LPTError, match=f"action {action_id} {message}"):
        steps[change]()
    assert actions_of(engine, officer, purpose=PURPOSE).set_index("id").loc[action_id, "status"] == before


def test_dismissal_needs_a_reason_and_done_needs_a_note(db):
    engine, users = db
    officer = users["officer1"]
    propose_for(engine, officer)
    action_id = _by_rule(engine, officer)["door_knock_registration"]["id"]
    for empty in ("", "   ", None):
        with pytest.raises(LPTError, match="a dismissal needs a reason"):
            dismiss(engine, officer, action_id, reason=empty, purpose=PURPOSE)
    accept(engine, officer, action_id, purpose=PURPOSE)
    with pytest.raises(LPTError, match="needs a note of what was done"):
        complete(engine, officer, action_id, note=" ", purpose=PURPOSE)
    with pytest.raises(LPTError, match="is in the future"):
        complete(engine, officer, action_id, note="x", done_on=date.today() + timedelta(days=1), purpose=PURPOSE)
    with pytest.raises(LPTError, match="not a date"):
        complete(engine, officer, action_id, note="x", done_on="June", purpose=PURPOSE)
    with pytest.raises(LPTError, match="no action 999"):
        accept(engine, officer, 999, purpose=PURPOSE)
    with pytest.raises(LPTError, match="unknown action status"):
        actions_of(engine, officer, status="open", purpose=PURPOSE)
    with pytest.raises(LPTError, match="needs 'street_name'"):
        propose(engine, officer, {"ward_code": NORTH, "lsoa21_code": "E01000001"}, [], purpose=PURPOSE)


def test_done_concern_action_proposes_feedback_once(db):
    engine, users = db
    officer = users["officer1"]
    propose_for(engine, officer)
    concern = _by_rule(engine, officer)["officer_answer_concern"]["id"]
    accept(engine, officer, concern, purpose=PURPOSE)
    done = complete(engine, officer, concern, note="Two drug warrants executed", done_on="2025-06-02", purpose=PURPOSE)
    [feedback_id] = done["follow_up_ids"]
    feedback = _by_rule(engine, officer)["feedback_to_residents"]
    assert feedback["id"] == feedback_id and feedback["status"] == "proposed" and feedback["who"] == "officer"
    assert feedback["action"] == (
        "Send a feedback message to residents of Mill Lane: you told us about drugs; "
        "what we did: Two drug warrants executed (2025-06-02)"
    )
    assert feedback["reason_kinds"] == "public_concern"
    # a second concern action done while the feedback is open proposes no second feedback
    partners = _by_rule(engine, officer)["partners_persistent_concern"]["id"]
    accept(engine, officer, partners, purpose=PURPOSE)
    assert complete(engine, officer, partners, note="Council cleared the alley", purpose=PURPOSE)["follow_up_ids"] == []
    # the feedback itself, done, has no feedback
    accept(engine, officer, feedback_id, purpose=PURPOSE)
    assert complete(engine, officer, feedback_id, note="Leaflet and e-mail sent", purpose=PURPOSE)["follow_up_ids"] == []
    # what police did, latest first
    did = done_actions(engine, officer, area=Area("ward", NORTH), purpose=PURPOSE)
    assert set(did["rule_id"]) == {"officer_answer_concern", "partners_persistent_concern", "feedback_to_residents"}
    assert did["done_on"].iloc[-1] == date(2025, 6, 2)
    assert len(done_actions(engine, officer, since=date.today(), purpose=PURPOSE)) == 2
    # a done action with no public concern proposes nothing
    knock = _by_rule(engine, officer)["door_knock_registration"]["id"]
    accept(engine, officer, knock, purpose=PURPOSE)
    assert complete(engine, officer, knock, note="Knocked", purpose=PURPOSE)["follow_up_ids"] == []


def test_officers_act_only_in_their_wards_and_everything_is_audited(db):
    engine, users = db
    officer, supervisor, analyst, evaluator = (users[u] for u in ("officer1", "supervisor1", "analyst1", "evaluator1"))
    with pytest.raises(PermissionDenied, match="outside the areas"):
        propose_for(engine, officer, HIGH)
    south = propose_for(engine, analyst, HIGH)  # force-wide
    north = propose_for(engine, supervisor, MILL)
    with pytest.raises(PermissionDenied):
        accept(engine, officer, south[0], purpose=PURPOSE)
    with pytest.raises(PermissionDenied):
        actions_of(engine, officer, area=Area("ward", SOUTH), purpose=PURPOSE)
    with pytest.raises(PermissionDenied, match="role does not allow"):
        actions_of(engine, evaluator, purpose=PURPOSE)
    with pytest.raises(PermissionDenied, match="purpose"):
        actions_of(engine, officer, purpose="")
    assert set(actions_of(engine, officer, purpose=PURPOSE)["ward_code"]) == {NORTH}
    assert set(actions_of(engine, analyst, purpose=PURPOSE)["id"]) == set(south) | set(north)
    accept(engine, officer, north[0], purpose=PURPOSE)
    entries = audit_entries(engine, users["admin"], action="manage_actions")
    outcomes = entries.groupby("user_id")["outcome"].apply(set).to_dict()
    assert outcomes["officer1"] == {"allowed", "refused"} and outcomes["evaluator1"] == {"refused"}
    assert f"action {north[0]} accepted" in set(entries["detail"])
    assert ((entries["user_id"] == "officer1") & (entries["outcome"] == "refused")).sum() == 4


def test_cli_list_accept_dismiss_done(db, capsys, monkeypatch):
    engine, users = db
    monkeypatch.delenv("LPT_USER", raising=False)
    ids = propose_for(engine, users["officer1"])
    url = ["--db", engine.url.render_as_string(hide_password=False), "--user", "officer1"]

    def run(*args):
        code = main([*url, "actions", *args])
        out, err = capsys.readouterr()
        return code, out, err

    code, out, _ = run("list", "--json")
    assert code == 0 and {a["id"] for a in json.loads(out)} == set(ids)
    code, out, _ = run("list", "--ward", NORTH, "--status", "proposed")
    assert code == 0 and "Door-knock Mill Lane" in out
    assert run("accept", str(ids[0]))[1].startswith(f"Action {ids[0]} accepted")
    code, _, err = run("accept", str(ids[0]))
    assert code == 1 and "is accepted" in err
    assert f"Action {ids[1]} dismissed" in run("dismiss", str(ids[1]), "--reason", "duplicate")[1]
    code, out, _ = run("done", str(ids[0]), "--note", "Partners met", "--on", "2025-06-03")
    assert code == 0 and f"Action {ids[0]} done" in out and "Proposed follow-up action" in out
    code, out, _ = run("list", "--status", "done", "--json")
    [done] = json.loads(out)
    assert (done["done_note"], done["done_on"][:10]) == ("Partners met", "2025-06-03")
    code, _, err = run("list", "--ward", SOUTH)
    assert code == 1 and "may not manage actions" in err
