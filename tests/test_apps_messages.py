"""The messages app driven as officers and a supervisor would, without a browser, on the messaging
store of tests/messaging_files.py (North: M01-M30, South: M31-M40) with a recording transport."""

from __future__ import annotations

import re

from lpt.apps.messages import MessagesApp
from lpt.replies.inbox import store_reply
from tests.messaging_files import DISTRICT, NORTH, FakeTransport, address


def _choose(app: MessagesApp, level: str, code: str) -> None:
    app.area.value = next(value for _, value in app.area.options if value == (level, code))


def test_an_officer_prepares_and_sends_a_ward_message(populated):
    engine, users = populated
    transport = FakeTransport()
    app = MessagesApp(engine, users["pc-north"], transport)
    assert [value for _, value in app.area.options] == [("ward", NORTH)]  # only their own ward
    app.subject.value = "What we did"
    app.body.value = "Residents told us {top_concern} matters most."
    app.prepare()
    assert "Would receive it now" in app.preview.value and "<td>30</td>" in app.preview.value
    assert "Residents told us drugs matters most." in app.preview.value
    assert app.send_button.description == "Send" and not app.send_button.disabled
    app.send_prepared()
    assert "sent: 30 delivered" in app.status.value.replace("Message 1 sent", "sent")
    assert transport.recipients == sorted(address(i) for i in range(1, 31))
    assert "What we did" in app.sent.value and app.send_button.disabled


def test_a_group_and_topic_narrow_the_audience(populated):
    engine, users = populated
    app = MessagesApp(engine, users["pc-north"], FakeTransport())
    app.group.value = "neighbourhood_watch"  # M01-M10
    app.topic.value = "drugs"  # latest answer names drugs: M02-M20 (M01 answered asb later)
    app.subject.value, app.body.value = "Watch", "Thanks"
    app.prepare()
    assert "<td>9</td>" in app.preview.value  # M02-M10


def test_a_district_message_waits_for_a_supervisor_who_approves_it(populated):
    engine, users = populated
    transport = FakeTransport()
    officer = MessagesApp(engine, users["pc-both"], transport)
    assert ("district", DISTRICT) not in [value for _, value in officer.area.options]  # wards only: not a district user
    supervisor = MessagesApp(engine, users["sgt-one"], transport)
    _choose(supervisor, "district", DISTRICT)
    supervisor.subject.value, supervisor.body.value = "District news", "Hello all"
    supervisor.prepare()
    assert supervisor.send_button.description == "Ask for approval" and "supervisor approves" in supervisor.preview.value
    supervisor.send_prepared()
    assert "waits for a supervisor" in supervisor.status.value and not transport.envelopes
    assert "District news" in supervisor.approvals.children[0].children[0].value
    supervisor.decide(1, True)
    assert "lpt-error" in supervisor.status.value and "another supervisor must approve" in supervisor.status.value
    other = MessagesApp(engine, users["sgt-two"], transport)
    other.decide(1, True)
    assert "approved" in other.status.value
    assert "No message is waiting" in other.approvals.children[0].value


def test_a_rejection_needs_a_reason(populated):
    engine, users = populated
    author = MessagesApp(engine, users["sgt-one"], FakeTransport())
    _choose(author, "district", DISTRICT)
    author.subject.value, author.body.value = "District news", "Hello all"
    author.prepare()
    other = MessagesApp(engine, users["sgt-two"], FakeTransport())
    other.decide(1, False)
    assert "lpt-error" in other.status.value
    other.reason.value = "Too many messages this month"
    other.decide(1, False)
    assert "rejected" in other.status.value
    other.refresh()
    assert "rejected" in other.sent.value


def test_bad_input_is_said_in_words(populated):
    engine, users = populated
    app = MessagesApp(engine, users["pc-north"], FakeTransport())
    app.subject.value, app.body.value = "Hi", "About {nonsense}"
    app.prepare()
    assert "lpt-error" in app.preview.value and "unknown placeholder" in app.preview.value
    assert app.send_button.disabled and app.prepared is None


def test_replies_arrive_in_the_app_and_are_answered(populated):
    engine, users = populated
    transport = FakeTransport()
    app = MessagesApp(engine, users["pc-north"], transport)
    app.subject.value, app.body.value = "What we did", "Patrols on Mill Lane."
    app.prepare()
    app.send_prepared()
    first = transport.envelopes[0]
    token = re.search(r"/reply/(\S+)", first.body).group(1)
    store_reply(engine, token, "Much quieter now, thank you")
    app.refresh()
    assert "Much quieter now" in app.replies.children[0].children[0].value
    assert first.to not in app.replies.children[0].children[0].value  # nothing that names the resident
    assert "Engagement" in app.engagement.value
    reply_id = int(re.search(r"Reply (\d+)", app.replies.children[0].children[0].value).group(1))
    app.answer(reply_id, "Glad to hear it")
    assert "Answer to reply" in app.status.value and transport.envelopes[-1].to == first.to
    assert "Glad to hear it" in app.replies.children[0].children[0].value
