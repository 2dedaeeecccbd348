"""Supervision of the action record on SQLite and PostgreSQL: comment threads, the supervisor's sign-off
(only done actions, once, by a supervisor of the ward who did not do it), actions_of's new columns, the
summary by ward and month against hand counts, and the CLI."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pandas as pd
import pytest
from sqlalchemy import insert

from lpt.access.audit import audit_entries
from lpt.access.guard import Area, PermissionDenied
from lpt.cli import main
from lpt.errors import LPTError
from lpt.priorities import lifecycle
from lpt.priorities.lifecycle import COLUMNS, accept, actions_of, complete, sign_off
from lpt.priorities.review import (
    COMMENT_COLUMNS,
    MAX_COMMENT,
    MONTH_COLUMNS,
    WARD_COLUMNS,
    action_summary,
    comment,
    comments_of,
)
from lpt.store.schema import action_comments, actions
from tests.actions_files import HIGH, NORTH, PURPOSE, SOUTH, add_users, propose_for


@pytest.fixture
def db(store):
    """The action record's users (tests/actions_files.py) on each database, and three proposed actions on
    Mill Lane (North) and three on High Street (South)."""
    users = add_users(store)
    north = propose_for(store, users["officer1"])
    south = propose_for(store, users["supervisor3"], HIGH)
    return store, users, north, south


def _audit(engine, users, user_id: str, action: str, outcome: str) -> pd.DataFrame:
    return audit_entries(engine, users["admin"], user_id=user_id, action=action, outcome=outcome)


def _done(engine, caller, action_id: int) -> None:
    accept(engine, caller, action_id, purpose=PURPOSE)
    complete(engine, caller, action_id, note="Patrolled four Friday evenings", done_on=date(2025, 6, 6), purpose=PURPOSE)


def _row(engine, caller, action_id: int) -> dict:
    frame = actions_of(engine, caller, purpose=PURPOSE)
    return frame[frame["id"] == action_id].iloc[0].to_dict()


# --- comments ----------------------------------------------------------------------


def test_a_thread_is_read_oldest_first_with_the_commenters_names(db):
    engine, users, (a, b, c), _ = db
    first = comment(engine, users["officer1"], a, "  Shop keeper will not give a statement  ", purpose=PURPOSE)
    second = comment(engine, users["supervisor1"], a, "Try the neighbourhood watch instead", purpose=PURPOSE)
    other = comment(engine, users["supervisor2"], b, "Council meeting on the 12th", purpose=PURPOSE)
    thread = comments_of(engine, users["officer1"], [a], purpose=PURPOSE)
    assert list(thread.columns) == COMMENT_COLUMNS
    assert thread["id"].tolist() == [first, second]
    assert thread["text"].tolist() == ["Shop keeper will not give a statement", "Try the neighbourhood watch instead"]
    assert thread["user_name"].tolist() == ["Olive Oak", "Sam Stone"] and thread["user_id"].tolist() == ["officer1", "supervisor1"]
    assert str(thread["at"].dt.tz) == "UTC" and thread["at"].is_monotonic_increasing
    assert set(thread["street_name"]) == {"Mill Lane"} and set(thread["ward_code"]) == {NORTH}
    everything = comments_of(engine, users["supervisor2"], purpose=PURPOSE)  # default: the caller's wards
    assert everything["id"].tolist() == [first, second, other]  # thread by thread
    listed = pd.Series([b, a, a])  # e.g. a column of actions_of: numpy integers, one twice
    assert comments_of(engine, users["officer1"], listed, purpose=PURPOSE)["id"].tolist() == [first, second, other]
    counts = actions_of(engine, users["officer1"], purpose=PURPOSE).set_index("id")["comments"]
    assert (counts[a], counts[b], counts[c]) == (2, 1, 0)
    allowed = _audit(engine, users, "supervisor1", "manage_actions", "allowed")
    assert f"comment {second} on action {a}" in set(allowed["detail"])


def test_comments_outside_the_callers_wards_are_refused_and_audited(db):
    engine, users, (a, *_), (south, *_) = db
    officer = users["officer1"]
    comment(engine, users["supervisor3"], south, "South only", purpose=PURPOSE)
    refusals = [
        lambda: comment(engine, officer, south, "Not my ward", purpose=PURPOSE),
        lambda: comments_of(engine, officer, [south], purpose=PURPOSE),
        lambda: comments_of(engine, officer, [a, south], purpose=PURPOSE),  # one outside refuses the whole read
        lambda: comments_of(engine, officer, Area("ward", SOUTH), purpose=PURPOSE),
    ]
    for refused in refusals:
        with pytest.raises(PermissionDenied, match="outside the areas the user covers"):
            refused()
    with pytest.raises(PermissionDenied, match="role does not allow"):
        comment(engine, users["evaluator1"], a, "Evaluators do not manage actions", purpose=PURPOSE)
    assert len(_audit(engine, users, "officer1", "manage_actions", "refused")) == len(refusals)
    assert len(_audit(engine, users, "evaluator1", "manage_actions", "refused")) == 1
    assert comments_of(engine, users["analyst1"], purpose=PURPOSE)["text"].tolist() == ["South only"]  # force-wide


@pytest.mark.parametrize(
    ("text", "message"),
    [("", "needs some text"), ("   ", "needs some text"), (None, "needs some text"),
     ("x" * (MAX_COMMENT + 1), f"at most {MAX_COMMENT} characters, this one {MAX_COMMENT + 1}")],
)
def test_a_comment_needs_some_text_and_not_too_much(db, text, message):
    engine, users, (a, *_), _ = db
    with pytest.raises(LPTError, match=message):
        comment(engine, users["officer1"], a, text, purpose=PURPOSE)
    assert comments_of(engine, users["officer1"], [a], purpose=PURPOSE).empty
    comment(engine, users["officer1"], a, "x" * MAX_COMMENT, purpose=PURPOSE)


def test_comments_name_actions_that_exist(db):
    engine, users, (a, *_), _ = db
    officer = users["officer1"]
    with pytest.raises(LPTError, match="no action 999"):
        comment(engine, officer, 999, "Lost", purpose=PURPOSE)
    with pytest.raises(LPTError, match="no action 998, 999"):
        comments_of(engine, officer, [a, 999, 998], purpose=PURPOSE)
    with pytest.raises(LPTError, match="no action given"):
        comments_of(engine, officer, [], purpose=PURPOSE)


# --- sign-off ----------------------------------------------------------------------


def test_sign_off_only_a_done_action_once_by_a_supervisor_of_its_ward(db):
    engine, users, (a, *_), _ = db
    officer, sam, sue = users["officer1"], users["supervisor1"], users["supervisor2"]
    accept(engine, sam, a, purpose=PURPOSE)  # who accepted it may sign it off: only doing it counts
    with pytest.raises(LPTError, match=f"action {a} is accepted: only a done action can be signed off"):
        sign_off(engine, sam, a, purpose=PURPOSE)
    complete(engine, officer, a, note="Patrolled four Friday evenings", done_on=date(2025, 6, 6), purpose=PURPOSE)
    for caller, reason in ((officer, "role does not allow"), (users["analyst1"], "role does not allow"),
                           (users["admin"], "role does not allow"), (users["supervisor3"], "outside the areas")):
        with pytest.raises(PermissionDenied, match=reason):
            sign_off(engine, caller, a, purpose=PURPOSE)
        assert len(_audit(engine, users, caller.user_id, "review_actions", "refused")) == 1
    signed = sign_off(engine, sam, a, note="  Good, and residents noticed  ", purpose=PURPOSE)
    assert (signed["status"], signed["signed_off_by"], signed["sign_off_note"]) == ("done", "supervisor1", "Good, and residents noticed")
    assert signed["updated_by"] == "officer1"  # who did it is still on record
    with pytest.raises(LPTError, match=rf"action {a} was signed off by supervisor1 on {datetime.now(UTC).date()}: an action is signed off once"):
        sign_off(engine, sue, a, purpose=PURPOSE)
    row = _row(engine, officer, a)
    assert (row["signed_off_by"], row["sign_off_note"]) == ("supervisor1", "Good, and residents noticed")
    assert row["signed_off_at"].tz is not None and abs(row["signed_off_at"] - pd.Timestamp.now(tz=UTC)) < pd.Timedelta(minutes=5)
    assert f"action {a} signed off" in set(_audit(engine, users, "supervisor1", "review_actions", "allowed")["detail"])


def test_who_marked_an_action_done_may_not_sign_it_off(db):
    engine, users, (a, *_), _ = db
    sam, sue = users["supervisor1"], users["supervisor2"]
    _done(engine, sam, a)
    with pytest.raises(PermissionDenied, match=f"supervisor1 marked action {a} done: another supervisor must sign it off"):
        sign_off(engine, sam, a, purpose=PURPOSE)
    [refused] = _audit(engine, users, "supervisor1", "review_actions", "refused")["detail"]
    assert refused == f"action {a}: who marked it done may not sign it off"
    assert _row(engine, sam, a)["signed_off_by"] is None
    assert sign_off(engine, sue, a, purpose=PURPOSE)["signed_off_by"] == "supervisor2"
    assert _row(engine, sam, a)["sign_off_note"] is None


def test_a_sign_off_lost_to_another_supervisor_is_refused(db, monkeypatch):
    """Two supervisors read the action before either signs it off: the second update finds it signed."""
    engine, users, (a, *_), _ = db
    _done(engine, users["officer1"], a)
    sign_off(engine, users["supervisor2"], a, purpose=PURPOSE)
    monkeypatch.setattr(lifecycle, "_check_sign_off", lambda *args: None)  # as if read before that sign-off
    with pytest.raises(LPTError, match="was signed off by supervisor2 .*: an action is signed off once"):
        sign_off(engine, users["supervisor1"], a, note="Me too", purpose=PURPOSE)
    row = _row(engine, users["officer1"], a)
    assert (row["signed_off_by"], row["sign_off_note"]) == ("supervisor2", None)


def test_actions_of_has_the_sign_off_and_comment_columns(db):
    engine, users, (a, b, _), _ = db
    _done(engine, users["officer1"], a)
    sign_off(engine, users["supervisor1"], a, note="Well done", purpose=PURPOSE)
    comment(engine, users["supervisor1"], b, "Why not yet?", purpose=PURPOSE)
    frame = actions_of(engine, users["supervisor2"], purpose=PURPOSE).set_index("id")
    assert list(frame.reset_index().columns) == COLUMNS
    assert frame.loc[a, ["signed_off_by", "sign_off_note", "comments"]].tolist() == ["supervisor1", "Well done", 0]
    assert frame.loc[b, ["signed_off_by", "signed_off_at", "sign_off_note"]].isna().all() and frame.loc[b, "comments"] == 1
    assert str(frame["signed_off_at"].dt.tz) == "UTC"


# --- the summary --------------------------------------------------------------------

#: The summary's record: (ward, status, created at (UTC), done on, signed off at (UTC)).
RECORD = [
    (NORTH, "proposed", datetime(2025, 4, 2, 9, tzinfo=UTC), None, None),
    (NORTH, "dismissed", datetime(2025, 4, 10, 9, tzinfo=UTC), None, None),
    (NORTH, "accepted", datetime(2025, 4, 30, 23, 30, tzinfo=UTC), None, None),  # 1 May 00:30 in London
    (NORTH, "done", datetime(2025, 4, 15, 9, tzinfo=UTC), date(2025, 5, 20), datetime(2025, 6, 2, 9, tzinfo=UTC)),
    (NORTH, "done", datetime(2025, 5, 5, 9, tzinfo=UTC), date(2025, 5, 25), None),
    (SOUTH, "proposed", datetime(2025, 6, 10, 9, tzinfo=UTC), None, None),
    (SOUTH, "done", datetime(2025, 3, 20, 9, tzinfo=UTC), date(2025, 4, 1), datetime(2025, 4, 3, 9, tzinfo=UTC)),
]


@pytest.fixture
def record(store):
    """:data:`RECORD` written straight into the store, with the action record's users."""
    users = add_users(store)
    rows = [
        {"ward_code": ward, "lsoa21_code": "E01000001" if ward == NORTH else "E01000003", "street_name": f"Street {i}",
         "rule_id": "patrol_top_crime", "action": "Patrol", "who": "officer", "reasons": "[]", "status": status,
         "done_note": "done" if done_on else None, "done_on": done_on, "created_at": created, "updated_at": created,
         "updated_by": "officer1", "signed_off_by": "supervisor1" if signed else None, "signed_off_at": signed}
        for i, (ward, status, created, done_on, signed) in enumerate(RECORD)
    ]
    with store.begin() as connection:
        connection.execute(insert(actions), rows)
    return store, users


def _table(frame: pd.DataFrame, key: list[str]) -> dict:
    return {tuple(row[:len(key)]): tuple(row[len(key):]) for row in frame.itertuples(index=False)}


def test_the_summary_matches_hand_counts(record):
    engine, users = record
    summary = action_summary(engine, users["analyst1"], purpose=PURPOSE)  # force-wide: both wards
    assert list(summary.by_ward.columns) == WARD_COLUMNS and list(summary.by_month.columns) == MONTH_COLUMNS
    # total, proposed, accepted, dismissed, done, signed off
    assert _table(summary.by_ward, ["ward_code"]) == {(NORTH,): (5, 1, 1, 1, 2, 1), (SOUTH,): (2, 1, 0, 0, 1, 1)}
    # created, done, signed off; every month from March to June for both wards
    assert _table(summary.by_month, ["ward_code", "month"]) == {
        (NORTH, "2025-03"): (0, 0, 0), (NORTH, "2025-04"): (3, 0, 0), (NORTH, "2025-05"): (2, 2, 0), (NORTH, "2025-06"): (0, 0, 1),
        (SOUTH, "2025-03"): (1, 0, 0), (SOUTH, "2025-04"): (0, 1, 1), (SOUTH, "2025-05"): (0, 0, 0), (SOUTH, "2025-06"): (1, 0, 0),
    }
    months = summary.by_month.groupby("ward_code")[["created", "done", "signed_off"]].sum()
    assert months.values.tolist() == summary.by_ward.set_index("ward_code")[["total", "done", "signed_off"]].values.tolist()
    [entry] = _audit(engine, users, "analyst1", "manage_actions", "allowed").to_dict("records")
    assert (entry["records"], entry["detail"]) == (len(RECORD), "action summary")


def test_the_summary_covers_the_callers_wards_and_what_was_created_since(record):
    engine, users = record
    north = action_summary(engine, users["supervisor1"], purpose=PURPOSE)
    assert _table(north.by_ward, ["ward_code"]) == {(NORTH,): (5, 1, 1, 1, 2, 1)}
    assert north.by_month["month"].tolist() == ["2025-04", "2025-05", "2025-06"] and set(north.by_month["ward_code"]) == {NORTH}
    since = action_summary(engine, users["analyst1"], since=date(2025, 5, 1), purpose=PURPOSE)
    assert _table(since.by_ward, ["ward_code"]) == {(NORTH,): (2, 0, 1, 0, 1, 0), (SOUTH,): (1, 1, 0, 0, 0, 0)}
    nothing = action_summary(engine, users["supervisor3"], since=date(2025, 7, 1), purpose=PURPOSE)
    assert _table(nothing.by_ward, ["ward_code"]) == {(SOUTH,): (0, 0, 0, 0, 0, 0)}  # the ward, with zeros
    assert nothing.by_month.empty and list(nothing.by_month.columns) == MONTH_COLUMNS
    with pytest.raises(PermissionDenied, match="outside the areas"):
        action_summary(engine, users["officer1"], area=Area("ward", SOUTH), purpose=PURPOSE)
    with pytest.raises(PermissionDenied, match="role does not allow"):
        action_summary(engine, users["evaluator1"], purpose=PURPOSE)


# --- the command line ---------------------------------------------------------------


def test_cli_comment_sign_off_and_list(db, capsys, monkeypatch):
    engine, users, (a, b, _), _ = db
    monkeypatch.delenv("LPT_USER", raising=False)
    url = engine.url.render_as_string(hide_password=False)

    def run(user, *args):
        code = main(["--db", url, "--user", user, "actions", *args])
        out, err = capsys.readouterr()
        return code, out, err

    assert run("officer1", "accept", str(a))[0] == 0 and run("officer1", "done", str(a), "--note", "Patrolled")[0] == 0
    code, out, _ = run("officer1", "comment", str(a), "--text", "Residents asked for more")
    assert code == 0 and out.startswith("Comment ") and out.strip().endswith(f"added to action {a}")
    code, _, err = run("officer1", "sign-off", str(a))
    assert code == 1 and "may not review actions" in err
    code, out, _ = run("supervisor1", "sign-off", str(a), "--note", "Good")
    assert code == 0 and out.startswith(f"Action {a} done, signed off by supervisor1: ")
    code, _, err = run("supervisor2", "sign-off", str(a))
    assert code == 1 and "signed off once" in err
    code, _, err = run("supervisor1", "comment", str(b), "--text", " ")
    assert code == 1 and "needs some text" in err
    code, out, _ = run("supervisor2", "list", "--json")
    listed = {item["id"]: item for item in json.loads(out)}
    assert (listed[a]["signed_off_by"], listed[a]["sign_off_note"], listed[a]["comments"]) == ("supervisor1", "Good", 1)
    assert (listed[b]["signed_off_by"], listed[b]["comments"]) == (None, 0)
    code, out, _ = run("officer1", "list")
    header, *lines = out.splitlines()
    assert header.split()[:7] == ["id", "street_name", "ward_code", "who", "status", "signed_off_by", "comments"]
    signed_line = next(line for line in lines if line.split()[0] == str(a))
    assert "supervisor1" in signed_line and " 1 " in signed_line
    with engine.connect() as connection:
        assert connection.execute(action_comments.select()).all()[0].user_id == "officer1"
