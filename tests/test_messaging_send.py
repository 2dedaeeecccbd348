"""Composing, approving, previewing and sending messages: approval, opt-out, caps, bounces, figures,
access and the record of every copy. Runs on SQLite and PostgreSQL (the store of
tests/test_messaging_audience.py: 40 members, M01-M30 in North, M31-M40 in South)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import insert, select, update

from lpt.access import rights
from lpt.access.audit import audit_entries
from lpt.access.guard import PermissionDenied
from lpt.errors import LPTError
from lpt.messaging.audience import AudienceSpec
from lpt.messaging.figures import HIDDEN, NONE_DONE
from lpt.messaging.send import approve, compose, deliver_queued, messages_of, preview, reject, send
from lpt.priorities.lifecycle import accept, complete, propose
from lpt.store.schema import contact_suspensions, deliveries, members, messages
from tests.messaging_files import (
    CHURCH,
    DISTRICT,
    FORCE_CODE,
    MILL,
    MILL_SQUARE,
    NORTH,
    PURPOSE,
    SOUTH,
    FakeTransport,
    address,
    member,
)

T0 = datetime(2025, 7, 1, 9, 0, tzinfo=UTC)
NORTH_WARD, SOUTH_WARD = AudienceSpec("ward", codes=(NORTH,)), AudienceSpec("ward", codes=(SOUTH,))
MILL_LANE = AudienceSpec("streets", streets=(MILL,))


def _message(engine, caller, spec=NORTH_WARD, subject="Subject", body="Body") -> int:
    return compose(engine, caller, spec, subject, body, purpose=PURPOSE)


def _sent(engine, caller, spec=NORTH_WARD, *, at=T0, transport=None) -> tuple[int, FakeTransport]:
    """Compose and send one message at ``at``; returns its ID and the transport."""
    transport = transport or FakeTransport()
    message_id = _message(engine, caller, spec)
    send(engine, caller, message_id, transport, now=at, purpose=PURPOSE)
    return message_id, transport


def _deliveries(engine, message_id: int) -> dict[str | None, str]:
    with engine.connect() as connection:
        return dict(connection.execute(
            select(deliveries.c.member_id, deliveries.c.status).where(deliveries.c.message_id == message_id)
        ).all())


def _status(engine, message_id: int) -> str:
    with engine.connect() as connection:
        return connection.execute(select(messages.c.status).where(messages.c.id == message_id)).scalar_one()


# --- approval -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "author", "needs"),
    [
        (AudienceSpec("force", codes=(FORCE_CODE,)), "sgt-force", True),
        (AudienceSpec("district", codes=(DISTRICT,)), "pc-both", True),
        (NORTH_WARD, "pc-north", False),
        (MILL_LANE, "pc-north", False),
        (AudienceSpec("area", polygon=MILL_SQUARE), "pc-north", False),
    ],
)
def test_approval_is_required_where_it_should_be(populated, spec, author, needs):
    engine, users = populated
    message_id = _message(engine, users[author], spec)
    transport = FakeTransport()
    if needs:
        assert _status(engine, message_id) == "awaiting_approval"
        with pytest.raises(LPTError, match="awaits a supervisor's approval"):
            send(engine, users[author], message_id, transport, now=T0, purpose=PURPOSE)
        with pytest.raises(PermissionDenied):  # an officer may not approve
            approve(engine, users["pc-both"], message_id, purpose=PURPOSE)
        approve(engine, users["sgt-one"], message_id, purpose=PURPOSE)
        with pytest.raises(LPTError, match="is approved: only a message awaiting approval can be approved"):
            approve(engine, users["sgt-two"], message_id, purpose=PURPOSE)
    assert _status(engine, message_id) == "approved"
    send(engine, users[author], message_id, transport, now=T0, purpose=PURPOSE)
    assert _status(engine, message_id) == "sent" and len(transport.envelopes) > 0
    with pytest.raises(LPTError, match="was sent already"):
        send(engine, users[author], message_id, FakeTransport(), now=T0 + timedelta(days=30), purpose=PURPOSE)


def test_the_author_may_not_approve_their_own_message(populated):
    engine, users = populated
    message_id = _message(engine, users["sgt-one"], AudienceSpec("district", codes=(DISTRICT,)))
    with pytest.raises(PermissionDenied, match="another supervisor must approve or reject it"):
        approve(engine, users["sgt-one"], message_id, purpose=PURPOSE)
    refused = audit_entries(engine, users["admin"], user_id="sgt-one", action="approve_messages", outcome="refused")
    assert len(refused) == 1 and "the author may not decide" in refused.iloc[0]["detail"]
    assert _status(engine, message_id) == "awaiting_approval"
    approve(engine, users["sgt-two"], message_id, purpose=PURPOSE, note="checked the figures")
    with engine.connect() as connection:
        row = connection.execute(select(messages).where(messages.c.id == message_id)).mappings().one()
    assert (row["status"], row["approved_by"], row["decision_reason"]) == ("approved", "sgt-two", "checked the figures")


def test_a_rejected_message_is_never_sent(populated):
    engine, users = populated
    message_id = _message(engine, users["pc-both"], AudienceSpec("district", codes=(DISTRICT,)))
    with pytest.raises(LPTError, match="a rejection's reason is empty"):
        reject(engine, users["sgt-one"], message_id, reason=" ", purpose=PURPOSE)
    reject(engine, users["sgt-one"], message_id, reason="Too long: keep it to the figures", purpose=PURPOSE)
    with pytest.raises(LPTError, match="was rejected"):
        send(engine, users["pc-both"], message_id, FakeTransport(), now=T0, purpose=PURPOSE)
    with pytest.raises(LPTError, match="is rejected: only a message awaiting approval can be approved"):
        approve(engine, users["sgt-two"], message_id, purpose=PURPOSE)
    assert _deliveries(engine, message_id) == {}


@pytest.mark.parametrize(
    ("user", "spec"),
    [
        ("pc-north", SOUTH_WARD),  # another ward
        ("pc-north", AudienceSpec("district", codes=(DISTRICT,))),  # covers only part of it
        ("pc-north", AudienceSpec("streets", streets=(MILL, ("E01000003", "High Street")))),
        ("pc-north", AudienceSpec("force")),
        ("an1", NORTH_WARD),  # analysts do not send messages
        ("scheduler", NORTH_WARD),  # nor do admins (they send survey invitations)
    ],
)
def test_senders_must_cover_the_audience(populated, user, spec):
    engine, users = populated
    before = len(audit_entries(engine, users["admin"], user_id=user, action="send_messages", outcome="refused"))
    with pytest.raises(PermissionDenied):
        _message(engine, users[user], spec)
    after = audit_entries(engine, users["admin"], user_id=user, action="send_messages", outcome="refused")
    assert len(after) == before + 1
    with engine.connect() as connection:
        assert connection.execute(select(messages.c.id)).first() is None


# --- opt-out, caps, bounces -------------------------------------------------------------


def test_opt_out_stops_the_next_send(populated):
    engine, users = populated
    _, first = _sent(engine, users["pc-north"])
    assert address(2) in first.recipients and len(first.recipients) == 30
    rights.opt_out(engine, users["admin"], "M02", purpose="member asked to leave", on=(T0 + timedelta(days=1)).date())
    second_id, second = _sent(engine, users["pc-north"], at=T0 + timedelta(days=8))
    assert address(2) not in second.recipients and len(second.recipients) == 29
    assert "M02" not in _deliveries(engine, second_id)


def test_a_member_who_leaves_while_a_delivery_waits_gets_nothing(populated):
    engine, users = populated
    officer = users["pc-south"]
    message_id = _message(engine, officer, SOUTH_WARD)
    with pytest.raises(ConnectionError):  # the transport went down: everything stays queued
        send(engine, officer, message_id, FakeTransport(crash=True), now=T0, purpose=PURPOSE)
    assert set(_deliveries(engine, message_id).values()) == {"queued"} and _status(engine, message_id) == "sent"
    rights.opt_out(engine, users["admin"], "M31", purpose="member asked to leave", on=T0.date())
    rights.erase_member(engine, users["admin"], "M32", purpose="erasure request")
    with pytest.raises(PermissionDenied):  # resuming every message is the scheduler's job
        deliver_queued(engine, officer, FakeTransport(), purpose=PURPOSE)
    transport = FakeTransport()
    deliver_queued(engine, officer, transport, message_id=message_id, purpose=PURPOSE, now=T0)
    assert transport.recipients == [address(i) for i in range(33, 41)]
    statuses = _deliveries(engine, message_id)
    assert statuses["M31"] == "failed" and statuses[None] == "failed"  # M32 erased: no ID kept
    with engine.connect() as connection:
        left = connection.execute(select(deliveries.c.reason, deliveries.c.address).where(
            deliveries.c.message_id == message_id, deliveries.c.member_id.is_(None))).one()
    assert "left the scheme" in left.reason and left.address is None


def test_members_at_a_cap_are_held_and_not_sent(populated):
    engine, users = populated
    officer = users["pc-north"]
    days = [0, 1, 7.5, 15, 22.5, 29.75]  # caps: 1 in 7 days, 4 in 30 (the last: 4 within 30 days)
    outcomes = []
    for day in days:
        message_id, transport = _sent(engine, officer, MILL_LANE, at=T0 + timedelta(days=day))
        outcomes.append((set(_deliveries(engine, message_id).values()), len(transport.envelopes)))
    assert outcomes == [({"sent"}, 15), ({"held"}, 0), ({"sent"}, 15), ({"sent"}, 15), ({"sent"}, 15), ({"held"}, 0)]
    with engine.connect() as connection:
        reason = connection.execute(select(deliveries.c.reason).where(deliveries.c.status == "held")).scalars().first()
    assert reason == "at a frequency cap (1 in 7 days, 4 in 30 days)"


def test_caps_are_configurable(populated, monkeypatch):
    engine, users = populated
    monkeypatch.setenv("LPT_MESSAGE_CAPS", "2/1")
    statuses = [set(_deliveries(engine, _sent(engine, users["pc-north"], MILL_LANE, at=T0 + timedelta(hours=h))[0]).values())
                for h in (0, 1, 2, 25)]
    assert statuses == [{"sent"}, {"sent"}, {"held"}, {"sent"}]


def _suspended(engine) -> set[str]:
    with engine.connect() as connection:
        return set(connection.execute(select(contact_suspensions.c.member_id)).scalars())


def test_an_address_is_suspended_after_repeated_bounces(populated):
    engine, users = populated
    officer = users["pc-north"]
    # (day, who bounces, suspended afterwards): M03's address works once on day 16, which breaks its run
    plan = [(0, {2, 3}, set()), (8, {2, 3}, set()), (16, {2}, {"M02"}), (32, {3}, {"M02"}), (48, {3}, {"M02"}),
            (64, {3}, {"M02", "M03"})]
    for day, bouncing, suspended in plan:
        message_id, transport = _sent(engine, officer, MILL_LANE, at=T0 + timedelta(days=day),
                                      transport=FakeTransport(bounce={address(i) for i in bouncing}))
        assert _suspended(engine) == suspended, day
        if day > 16:
            assert address(2) not in transport.recipients and "M02" not in _deliveries(engine, message_id)
    export = rights.export_subject(engine, users["admin"], "M02", purpose="subject access request")
    assert [s["reason"] for s in export["contact_suspensions"]] == ["3 bounces in a row"]


def test_the_bounce_limit_is_configurable(populated, monkeypatch):
    engine, users = populated
    monkeypatch.setenv("LPT_BOUNCE_LIMIT", "1")
    _sent(engine, users["pc-north"], MILL_LANE, transport=FakeTransport(bounce={address(4)}, fail={address(5)}))
    assert _suspended(engine) == {"M04"}  # a failure (not a bounce) suspends nothing


# --- preview -------------------------------------------------------------------------


def test_preview_counts_add_up_and_sending_does_what_it_said(populated):
    engine, users = populated
    officer = users["pc-both"]
    _sent(engine, users["pc-north"], AudienceSpec("ward", codes=(NORTH,), group="faith_group"))  # M11-M15 at the cap
    for i in range(36, 41):
        rights.opt_out(engine, users["admin"], member(i), purpose="members asked to leave", on=date(2025, 6, 1))
    with engine.begin() as connection:
        connection.execute(update(members).where(members.c.member_id.in_([member(i) for i in range(31, 36)])).values(email=None))
        connection.execute(insert(contact_suspensions), [
            {"member_id": member(i), "channel": "email", "since": T0, "reason": "3 bounces in a row"} for i in range(26, 31)
        ])
    message_id = _message(engine, officer, AudienceSpec("ward", codes=(NORTH, SOUTH)), "Your area", "What we did")
    shown = preview(engine, officer, message_id, now=T0 + timedelta(days=1))
    assert (shown.matched, shown.opted_out, shown.no_address, shown.suspended, shown.at_cap, shown.will_receive) == (40, 5, 5, 5, 5, 20)
    assert (shown.needs_approval, shown.status, shown.text) == (False, "approved", "Your area\n\nWhat we did")
    transport = FakeTransport()
    report = send(engine, officer, message_id, transport, now=T0 + timedelta(days=1), purpose=PURPOSE)
    assert (report.queued, report.held, report.no_address, report.suspended) == (20, 5, 5, 5)
    assert (report.delivered.sent, report.delivered.bounced, report.delivered.failed) == (20, None, None)  # zeros hidden
    assert transport.recipients == [address(i) for i in (*range(1, 11), *range(16, 26))]


def test_preview_hides_small_counts(populated):
    engine, users = populated
    rights.opt_out(engine, users["admin"], "M11", purpose="member asked to leave", on=date(2025, 6, 1))
    message_id = _message(engine, users["pc-north"], AudienceSpec("streets", streets=(MILL,), group="faith_group"))
    shown = preview(engine, users["pc-north"], message_id, now=T0)
    assert shown.matched == 5  # the total of five members may be shown; how they split (1 and 4) may not
    assert (shown.opted_out, shown.no_address, shown.suspended, shown.at_cap, shown.will_receive) == (None,) * 5


# --- figures in the text ------------------------------------------------------------------


def _done(engine, caller, street: tuple[str, str], rule_id: str, figures: dict, days_ago: int) -> date:
    """Record an action of ``rule_id`` on ``street`` done ``days_ago`` days ago; returns the day."""
    place = {"ward_code": NORTH, "lsoa21_code": street[0], "street_name": street[1]}
    [action_id] = propose(engine, caller, place, [{"rule_id": rule_id, "action": f"{rule_id} on {street[1]}", "who": "officer",
                                                    "reasons": [{"kind": "expected_harm", "figures": figures}]}], purpose=PURPOSE)
    accept(engine, caller, action_id, purpose=PURPOSE)
    day = date.today() - timedelta(days=days_ago)
    complete(engine, caller, action_id, note="Private note: names of people spoken to", done_on=day, purpose=PURPOSE)
    return day


TEMPLATE = ("{area_name}: residents told us {top_concern} is the top concern ({top_concern_pct} of {responses} answers, "
            "{period}); {confident_pct} are confident in local policing.\nWhat we did:\n{done_actions}")


def test_figures_are_filled_in_public_words_and_disclosure_controlled(populated):
    engine, users = populated
    officer = users["pc-north"]
    patrol = _done(engine, officer, MILL, "patrol_top_crime", {"crime_type": "Burglary"}, 10)
    knock = _done(engine, officer, CHURCH, "door_knock_registration", {"coverage_pct": 12.0, "ward_coverage_pct": 25.0}, 20)
    _done(engine, officer, CHURCH, "safeguarding_vulnerability", {}, 5)  # never told publicly
    _done(engine, officer, MILL, "officer_answer_concern", {"topic": "drugs"}, 200)  # older than three months
    ward = _message(engine, officer, NORTH_WARD, "What we did in {area_name}", TEMPLATE)
    patrol_line = f"- {patrol:%B %Y}: patrols and problem-solving against burglary"
    knock_line = f"- {knock:%B %Y}: door-knocking to invite residents to join the scheme"
    expected = ("North: residents told us drugs is the top concern (67% of 30 answers, April 2024 to March 2025); "  # 20 of 30
                f"50% are confident in local policing.\nWhat we did:\n{patrol_line} in Mill Lane\n{knock_line} in Church Road")
    assert preview(engine, officer, ward, now=T0).text == f"What we did in North\n\n{expected}"
    street = _message(engine, officer, MILL_LANE, "News", "{done_actions}")  # only the audience's own street is named
    assert preview(engine, officer, street, now=T0).text == f"News\n\n{patrol_line} in Mill Lane\n{knock_line}"
    drawn = _message(engine, officer, AudienceSpec("area", polygon=MILL_SQUARE), "News", "{done_actions}")
    assert preview(engine, officer, drawn, now=T0).text == f"News\n\n{patrol_line}\n{knock_line}"
    south = _message(engine, users["pc-south"], SOUTH_WARD, "News", "{top_concern}|{top_concern_pct}|{confident_pct}|{responses}|{done_actions}")
    assert preview(engine, users["pc-south"], south, now=T0).text == f"News\n\n{'|'.join([HIDDEN] * 4)}|{NONE_DONE}"  # 3 answers


@pytest.mark.parametrize(
    ("spec", "subject", "body", "message"),
    [
        (NORTH_WARD, "News", "{mood} in {area_name}", r"unknown placeholder \{mood\}: the known ones are \{area_name\}, \{period\}"),
        (NORTH_WARD, "{a} {b}", "x", r"unknown placeholders \{a\}, \{b\}"),
        (NORTH_WARD, "News", "a { b", "braces must pair up"),
        (NORTH_WARD, " ", "x", "subject is empty"),
        (AudienceSpec("ward", codes=(NORTH, SOUTH)), "News", "{top_concern}", "figures describe one area, and this audience spans 2"),
    ],
)
def test_bad_texts_are_refused(populated, spec, subject, body, message):
    engine, users = populated
    with pytest.raises(LPTError, match=message):
        compose(engine, users["pc-both"], spec, subject, body, purpose=PURPOSE)


def test_literal_braces_stay(populated):
    engine, users = populated
    message_id = _message(engine, users["pc-north"], NORTH_WARD, "Meeting", "Bring {{questions}}")
    assert preview(engine, users["pc-north"], message_id, now=T0).text == "Meeting\n\nBring {questions}"


# --- reports, erasure, subject access -------------------------------------------------------


def test_messages_of_lists_the_callers_areas_with_counts(populated):
    engine, users = populated
    north, _ = _sent(engine, users["pc-north"], at=T0, transport=FakeTransport(bounce={address(i) for i in range(1, 6)}))
    south = _message(engine, users["pc-south"], SOUTH_WARD)
    district = _message(engine, users["pc-both"], AudienceSpec("district", codes=(DISTRICT,)))
    listed = {user: messages_of(engine, users[user], purpose=PURPOSE) for user in ("pc-north", "pc-south", "sgt-one", "an1", "ev1")}
    assert listed["pc-north"]["id"].tolist() == [north] and listed["pc-south"]["id"].tolist() == [south]
    assert sorted(listed["sgt-one"]["id"]) == sorted(listed["an1"]["id"]) == [north, south, district]
    row = listed["ev1"].set_index("id").loc[north]
    assert (row["status"], row["sent"], row["bounced"], row["audience"]) == ("sent", 25, 5, f"Members in ward {NORTH}.")
    assert row[["queued", "failed", "held"]].isna().all()  # zeros are hidden like any count below 5
    assert listed["ev1"].set_index("id").loc[district, "status"] == "awaiting_approval"
    with pytest.raises(PermissionDenied):
        messages_of(engine, users["scheduler"], purpose=PURPOSE)


def test_erasure_keeps_counts_without_the_person_and_subject_access_shows_messages(populated):
    engine, users = populated
    message_id, _ = _sent(engine, users["pc-north"], MILL_LANE, transport=FakeTransport(fail={address(3)}))
    export = rights.export_subject(engine, users["admin"], "M03", purpose="subject access request")
    [copy] = export["messages"]
    assert (copy["subject"], copy["status"], copy["address"], copy["reason"]) == ("Subject", "failed", address(3), "421 try later")
    assert copy["queued_at"].startswith("2025-07-01")
    rights.erase_member(engine, users["admin"], "M02", purpose="erasure request")
    with engine.connect() as connection:
        kept = connection.execute(select(deliveries.c.address, deliveries.c.status).where(
            deliveries.c.message_id == message_id, deliveries.c.member_id.is_(None))).all()
    assert [tuple(r) for r in kept] == [(None, "sent")]
    assert len(_deliveries(engine, message_id)) == 15  # the erased member's copy still counts
