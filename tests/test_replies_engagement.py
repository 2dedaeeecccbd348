"""Officers' side of replies (lpt.replies.engagement): who sees replies, answering them, erasure and
subject access, and engagement per message and ward counted by hand. On SQLite and PostgreSQL (the
store of tests/messaging_files.py: M01-M30 in North, M31-M40 in South, all with e-mail).

The engagement scenario (T0 = 2025-07-01 09:00 UTC):

* A, pc-north to ward North at T0: 30 copies, M30's address bounces (29 delivered). M01-M06 reply
  (M01 twice, through a second link); M07-M11 unsubscribe at T0+3 days, M13 at T0+30 (the last
  day that counts), M12 at T0+40 (too late to count).
* B, pc-south to ward South at T0+8: 10 copies, all delivered; M31 and M32 reply, M33 unsubscribes at T0+9.
* The 2025Q3 survey invitation at T0+60: the 32 members still in (not M07-M13, M33), 23 in North
  and 9 in South; M01-M05 and M31 answer at T0+61; M14 unsubscribes through it at T0+62.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest
from sqlalchemy import func, select

from lpt.access import rights
from lpt.access.audit import audit_entries
from lpt.access.guard import PermissionDenied
from lpt.errors import LPTError
from lpt.messaging.audience import AudienceSpec
from lpt.messaging.links import resident_link
from lpt.messaging.send import compose, send
from lpt.messaging.surveys import send_due
from lpt.replies.engagement import answer_reply, engagement, replies_of
from lpt.replies.inbox import SurveyAnswer, store_reply, store_survey, unsubscribe
from lpt.store.schema import deliveries, messages, replies
from tests.messaging_files import NORTH, PURPOSE, SOUTH, FakeTransport, address

T0 = datetime(2025, 7, 1, 9, 0, tzinfo=UTC)
NA = pd.NA
ANSWER = SurveyAnswer(trust=4, confidence=4, understands_issues=3, deals_with_concerns=3, priorities=("drugs",))


@pytest.fixture(autouse=True)
def _secret(monkeypatch):
    monkeypatch.setenv("LPT_SECRET_KEY", "engagement test secret")


def _token(transport: FakeTransport, i: int, purpose: str) -> str:
    envelope = next(e for e in transport.envelopes if e.to == address(i))
    return re.search(rf"/{purpose}/(\S+)", envelope.body).group(1)


def _send(engine, author, ward: str, at: datetime, **transport) -> tuple[int, FakeTransport]:
    sent = FakeTransport(**transport)
    message_id = compose(engine, author, AudienceSpec("ward", codes=(ward,)), "Subject", "Body", purpose=PURPOSE)
    send(engine, author, message_id, sent, now=at, purpose=PURPOSE)
    return message_id, sent


def _days(n: int) -> datetime:
    return T0 + timedelta(days=n)


@pytest.fixture
def scenario(populated):
    """The module docstring's messages, replies, answers and opt-outs; (engine, users, message IDs A, B, invitation)."""
    engine, users = populated
    a, sent_a = _send(engine, users["pc-north"], NORTH, T0, bounce={address(30)})
    for i in range(1, 7):
        store_reply(engine, _token(sent_a, i, "reply"), f"Reply from resident {i}", now=_days(1))
    second = resident_link(int(sent_a.envelopes[0].headers["X-LPT-Delivery"]), "reply").rsplit("/", 1)[1]
    store_reply(engine, second, "And one more thing", now=_days(2))  # M01 again: still one copy replied to
    for i, day in [(7, 3), (8, 3), (9, 3), (10, 3), (11, 3), (13, 30), (12, 40)]:
        unsubscribe(engine, _token(sent_a, i, "unsubscribe"), now=_days(day))
    b, sent_b = _send(engine, users["pc-south"], SOUTH, _days(8))
    for i in (31, 32):
        store_reply(engine, _token(sent_b, i, "reply"), "Thanks", now=_days(9))
    unsubscribe(engine, _token(sent_b, 33, "unsubscribe"), now=_days(9))
    invited = FakeTransport()
    invitation = send_due(engine, users["scheduler"], invited, now=_days(60))
    assert invitation.wave == "2025Q3" and len(invited.envelopes) == 32
    for i in (1, 2, 3, 4, 5, 31):
        store_survey(engine, _token(invited, i, "survey"), ANSWER, now=_days(61))
    unsubscribe(engine, _token(invited, 14, "unsubscribe"), now=_days(62))
    return engine, users, (a, b, invitation.message_id)


def _rows(table: pd.DataFrame, columns: list[str]) -> list[list]:
    return table[columns].astype(object).where(table[columns].notna(), None).values.tolist()


COUNTED = ["recipients", "delivered", "replies", "survey_answers", "opt_outs_after"]
RATES = ["delivered_pct", "reply_pct", "survey_pct", "opt_out_pct"]


# --- engagement -------------------------------------------------------------------------


def test_engagement_per_message_counted_by_hand(scenario):
    engine, users, (a, b, invitation) = scenario
    table = engagement(engine, users["an1"], by="message", purpose=PURPOSE)
    assert list(table.columns) == ["message_id", "kind", "subject", "sent_at", *COUNTED, *RATES]
    assert _rows(table, ["message_id", "kind", *COUNTED]) == [
        [invitation, "survey_invitation", 32, 32, None, 6, None],
        [b, "feedback", 10, 10, None, None, None],
        [a, "feedback", 30, 29, 6, None, 6],
    ]
    assert _rows(table, RATES) == [[100.0, None, 18.8, None], [100.0, None, None, None], [96.7, 20.7, None, 20.0]]
    assert engagement(engine, users["pc-north"], purpose=PURPOSE)["message_id"].tolist() == [a]
    assert engagement(engine, users["sgt-one"], purpose=PURPOSE)["message_id"].tolist() == [b, a]


def test_engagement_per_ward_counted_by_hand(scenario):
    engine, users, _ = scenario
    table = engagement(engine, users["an1"], by="ward", purpose=PURPOSE)
    assert list(table.columns) == ["ward_code", "kind", "messages", *COUNTED, *RATES]
    assert _rows(table, ["ward_code", "kind", "messages", *COUNTED]) == [
        [NORTH, "feedback", 1, 30, 29, 6, None, 6],
        [NORTH, "survey_invitation", 1, 23, 23, None, 5, None],
        [SOUTH, "feedback", 1, 10, 10, None, None, None],
        [SOUTH, "survey_invitation", 1, 9, 9, None, None, None],
    ]
    officer = engagement(engine, users["pc-north"], by="ward", purpose=PURPOSE)  # their ward only, every message
    assert _rows(officer, ["ward_code", "kind", "recipients", "survey_answers"]) == [
        [NORTH, "feedback", 30, None], [NORTH, "survey_invitation", 23, 5]]
    entries = audit_entries(engine, users["admin"], user_id="pc-north", action="message_reports")
    assert entries["detail"].tolist() == ["engagement by ward"]


def test_engagement_needs_message_reports_and_a_known_grouping(scenario):
    engine, users, _ = scenario
    with pytest.raises(PermissionDenied):
        engagement(engine, users["admin"], purpose=PURPOSE)
    with pytest.raises(LPTError, match="engagement is by message or ward, not 'street'"):
        engagement(engine, users["an1"], by="street", purpose=PURPOSE)


# --- reading and answering replies ----------------------------------------------------------


def _one_reply(engine, users, i: int = 1, at: datetime = T0) -> tuple[int, int]:
    """pc-north's message to North at ``at`` and member i's reply the next day: (message ID, reply ID)."""
    message_id, sent = _send(engine, users["pc-north"], NORTH, at)
    return message_id, store_reply(engine, _token(sent, i, "reply"), f"A reply from resident {i}", now=at + timedelta(days=1))


def test_replies_are_for_the_author_and_their_supervisors(populated):
    engine, users = populated
    message_id, reply_id = _one_reply(engine, users)
    _, later_reply = _one_reply(engine, users, 2, at=_days(10))  # a second message, answered by M02
    assert replies_of(engine, users["pc-north"], purpose=PURPOSE)["id"].tolist() == [later_reply, reply_id]
    assert replies_of(engine, users["pc-north"], message_id=message_id, purpose=PURPOSE)["id"].tolist() == [reply_id]
    assert len(replies_of(engine, users["sgt-force"], purpose=PURPOSE)) == 2  # covers the whole force
    with pytest.raises(PermissionDenied, match="may not read replies to message"):
        replies_of(engine, users["pc-both"], message_id=message_id, purpose=PURPOSE)
    with pytest.raises(LPTError, match="no message 999"):
        replies_of(engine, users["pc-north"], message_id=999, purpose=PURPOSE)
    refused = audit_entries(engine, users["admin"], user_id="pc-both", action="read_replies", outcome="refused")
    read = audit_entries(engine, users["admin"], user_id="pc-north", action="read_replies", outcome="allowed")
    assert len(refused) == 1
    assert read[["records", "detail"]].values.tolist() == [[2, "replies"], [1, f"replies to message {message_id}"]]


def test_an_answer_skips_the_caps_but_counts_towards_them(populated):
    engine, users = populated
    _, reply_id = _one_reply(engine, users)  # M01 got a message at T0: at the cap of 1 in 7 days
    answers = FakeTransport()
    answered = answer_reply(engine, users["pc-north"], reply_id, "We will look into it.", answers, purpose=PURPOSE,
                            now=_days(2))
    assert answered.status == "sent" and answers.recipients == [address(1)]
    with engine.connect() as connection:
        kind = connection.execute(select(messages.c.kind).where(messages.c.id == answered.message_id)).scalar_one()
    assert kind == "reply_answer"
    _, later = _send(engine, users["pc-north"], NORTH, _days(8) + timedelta(hours=1))  # A is 8 days old, the answer 6
    assert address(1) not in later.recipients and address(2) in later.recipients
    with pytest.raises(LPTError, match=f"reply {reply_id} was answered already"):
        answer_reply(engine, users["sgt-one"], reply_id, "Again", FakeTransport(), purpose=PURPOSE, now=_days(3))
    with pytest.raises(PermissionDenied, match="may not answer replies to message"):
        answer_reply(engine, users["pc-both"], reply_id, "Me too", FakeTransport(), purpose=PURPOSE)


def test_no_answer_goes_to_a_member_who_opted_out(populated):
    engine, users = populated
    _, reply_id = _one_reply(engine, users)
    rights.opt_out(engine, users["admin"], "M01", purpose="member asked to leave", on=_days(2).date())
    transport = FakeTransport()
    with pytest.raises(LPTError, match="has opted out: no message goes to them, answers included"):
        answer_reply(engine, users["pc-north"], reply_id, "Thanks", transport, purpose=PURPOSE, now=_days(3))
    with engine.connect() as connection:
        answered = connection.execute(select(replies.c.answered_at).where(replies.c.id == reply_id)).scalar_one()
        kinds = connection.execute(select(func.count()).where(messages.c.kind == "reply_answer")).scalar_one()
    assert (answered, kinds, transport.envelopes) == (None, 0, [])
    with pytest.raises(LPTError, match="an answer is empty"):
        answer_reply(engine, users["pc-north"], reply_id, "  ", transport, purpose=PURPOSE)


def test_erasure_blanks_replies_and_subject_access_lists_them(populated):
    engine, users = populated
    message_id, reply_id = _one_reply(engine, users)
    answered = answer_reply(engine, users["pc-north"], reply_id, "Thank you, Name1.", FakeTransport(), purpose=PURPOSE,
                            now=_days(2))
    export = rights.export_subject(engine, users["admin"], "M01", purpose="subject access request")
    assert [(r["subject"], r["reply"], r["answer"]) for r in export["replies"]] == [
        ("Subject", "A reply from resident 1", "Thank you, Name1.")]
    rights.erase_member(engine, users["admin"], "M01", purpose="erasure request")
    left = replies_of(engine, users["pc-north"], purpose=PURPOSE)
    assert _rows(left, ["id", "message_id", "body", "answer", "ward_code"]) == [[reply_id, message_id, "[erased]", "[erased]", None]]
    with engine.connect() as connection:
        body = connection.execute(select(messages.c.body).where(messages.c.id == answered.message_id)).scalar_one()
        member = connection.execute(select(replies.c.member_id).where(replies.c.id == reply_id)).scalar_one()
        copies = connection.execute(select(func.count()).where(deliveries.c.member_id == "M01")).scalar_one()
    assert (body, member, copies) == ("[erased]", None, 0)
    with pytest.raises(LPTError, match="erased: there is no one to answer"):
        answer_reply(engine, users["pc-north"], reply_id, "Hello?", FakeTransport(), purpose=PURPOSE)
