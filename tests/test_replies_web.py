"""The residents' pages through the real HTTP endpoint (lpt.replies.web served by tornado on a free port
of 127.0.0.1, spoken to with urllib and a cookie jar): a reply round trip, a survey answer,
unsubscribing by RFC 8058 one-click and through the page, bad links, rate limits, and pages that
show nothing about the member. On SQLite and PostgreSQL (the store of tests/messaging_files.py)."""

from __future__ import annotations

import asyncio
import html
import logging
import os
import re
import signal
import socket
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.cookiejar import CookieJar
from urllib.error import HTTPError
from urllib.parse import urlencode

import pytest
import tornado.httpserver
import tornado.netutil
from sqlalchemy import func, select

from lpt.access.audit import audit_entries
from lpt.access.guard import PermissionDenied
from lpt.insight.refresh import refresh
from lpt.messaging.audience import AudienceSpec
from lpt.messaging.links import INVALID, resident_link
from lpt.messaging.send import compose, send
from lpt.messaging.surveys import current_wave, send_due
from lpt.replies.engagement import answer_reply, replies_of
from lpt.replies.web import Limits, make_app, serve_replies
from lpt.store.schema import community_batches, insight_responses, members, replies, survey_responses
from lpt.vocab import QUESTIONS, TOPIC_LABELS
from tests.messaging_files import MILL, NORTH, PURPOSE, FakeTransport, address

SECRET = "reply pages test secret"
#: The first message goes out ten days ago, so a message sent now is under the caps (1 in 7 days).
EARLIER = datetime.now(UTC) - timedelta(days=10)
MILL_LANE = AudienceSpec("streets", streets=(MILL,))
SUBJECT, BODY = "News for Mill Lane", "What we did on Mill Lane this month."
#: What the pages must never show about member M01 (tests/messaging_files.py, tests/community_files.py).
M01_DATA = ("Name1", "Smith", "m01@example.com", "07700", "Mill Lane", "TE1 1AA", "M01", "A01", SUBJECT, BODY)
SECURITY_HEADERS = {
    "X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer", "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
}
OPEN = Limits(per_address=10_000)  # the other tests' pages are not limited by address


@dataclass(frozen=True)
class Page:
    status: int
    headers: dict[str, str]
    text: str


class Browser:
    """urllib with a cookie jar (tornado's ``_xsrf`` cookie); keeps every page it was shown and the xsrf
    field of the last form."""

    def __init__(self) -> None:
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
        self.pages: list[Page] = []
        self.xsrf: str | None = None

    def open(self, url: str, fields: dict[str, str] | None = None) -> Page:
        data = None if fields is None else urlencode(fields).encode()
        try:
            with self.opener.open(url, data=data, timeout=30) as response:
                page = Page(response.status, dict(response.headers), response.read().decode())
        except HTTPError as error:
            page = Page(error.code, dict(error.headers), error.read().decode())
        self.pages.append(page)
        form = re.search(r'name="_xsrf" value="([^"]+)"', page.text)
        self.xsrf = form.group(1) if form else self.xsrf
        return page

    def submit(self, url: str, fields: dict[str, str]) -> Page:
        """POST ``fields`` with the xsrf field of the last form shown."""
        assert self.xsrf, "no form was shown"
        return self.open(url, {"_xsrf": self.xsrf, **fields})


@contextmanager
def _served(engine, limits: Limits = OPEN) -> Iterator[str]:
    """The pages on a free port of 127.0.0.1, served by a background thread; yields their base URL."""
    ready, box = threading.Event(), {}

    async def serve() -> None:
        sockets = tornado.netutil.bind_sockets(0, "127.0.0.1")
        server = tornado.httpserver.HTTPServer(make_app(engine, limits=limits))
        server.add_sockets(sockets)
        box.update(port=sockets[0].getsockname()[1], loop=asyncio.get_running_loop(), done=asyncio.Event())
        ready.set()
        await box["done"].wait()
        server.stop()
        await server.close_all_connections()

    thread = threading.Thread(target=asyncio.run, args=(serve(),), daemon=True)
    thread.start()
    assert ready.wait(30), "the pages did not start"
    try:
        yield f"http://127.0.0.1:{box['port']}"
    finally:
        box["loop"].call_soon_threadsafe(box["done"].set)
        thread.join(30)


@pytest.fixture
def site(populated, monkeypatch):
    """(engine, users, base URL): the messaging store with its pages served; links point at them."""
    engine, users = populated
    monkeypatch.setenv("LPT_SECRET_KEY", SECRET)
    with _served(engine) as base:
        monkeypatch.setenv("LPT_REPLY_URL", base)
        yield engine, users, base


def _sent(engine, users, spec=MILL_LANE, *, at=EARLIER) -> FakeTransport:
    transport = FakeTransport()
    message_id = compose(engine, users["pc-north"], spec, SUBJECT, BODY, purpose=PURPOSE)
    send(engine, users["pc-north"], message_id, transport, now=at, purpose=PURPOSE)
    return transport


def _envelope(transport: FakeTransport, i: int):
    return next(e for e in transport.envelopes if e.to == address(i))


def _link(transport: FakeTransport, i: int, purpose: str) -> str:
    found = re.search(rf"(http://\S+/{purpose}/\S+)", _envelope(transport, i).body)
    assert found, f"no {purpose} link in the message"
    return found.group(1)


def _opted_out(engine, member_id: str):
    with engine.connect() as connection:
        return connection.execute(select(members.c.opted_out).where(members.c.member_id == member_id)).scalar_one()


def _assert_private(pages: list[Page]) -> None:
    """No page shows member M01's data or the message's text; every page has the security headers."""
    assert pages
    for page in pages:
        shown = html.unescape(page.text)
        assert not [data for data in M01_DATA if data in shown], page.text
        assert "default-src 'self'" in page.headers["Content-Security-Policy"]
        assert {name: page.headers.get(name) for name in SECURITY_HEADERS} == SECURITY_HEADERS
        assert "Server" not in page.headers


# --- replies ----------------------------------------------------------------------------


def test_reply_round_trip(site):
    engine, users, _ = site
    transport = _sent(engine, users)
    browser, link = Browser(), _link(transport, 1, "reply")
    form = browser.open(link)
    assert form.status == 200 and 'name="body"' in form.text and 'name="_xsrf"' in form.text
    thanks = browser.submit(link, {"body": "The street light on the corner is out again."})
    assert thanks.status == 200 and "Your reply has reached the officer" in thanks.text

    seen = replies_of(engine, users["pc-north"], purpose=PURPOSE)
    assert list(seen.columns) == ["id", "message_id", "subject", "received_at", "body", "answered_by", "answer",
                                  "answered_at", "ward_code"]
    assert (seen["body"].tolist(), seen["subject"].tolist(), seen["ward_code"].tolist()) == (
        ["The street light on the corner is out again."], [SUBJECT], [NORTH])
    for supervisor in ("sgt-one", "sgt-two"):  # the author's team's supervisor; one covering the area
        assert replies_of(engine, users[supervisor], purpose=PURPOSE)["id"].tolist() == seen["id"].tolist()
    for officer in ("pc-both", "pc-south"):  # another officer, even of the same ward, sees none
        assert replies_of(engine, users[officer], purpose=PURPOSE).empty
    with pytest.raises(PermissionDenied):
        replies_of(engine, users["an1"], purpose=PURPOSE)

    replay = browser.submit(link, {"body": "The same again."})
    assert (replay.status, INVALID in replay.text, browser.open(link).status) == (404, True, 404)
    with engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(replies)).scalar_one() == 1

    answers = FakeTransport()
    answered = answer_reply(engine, users["sgt-one"], int(seen["id"][0]), "Thank you: reported to the council today.",
                            answers, purpose=PURPOSE)
    assert answered.status == "sent" and [e.to for e in answers.envelopes] == [address(1)]
    answer = answers.envelopes[0]
    assert answer.subject == f"Re: {SUBJECT}" and answer.body.startswith("Thank you: reported to the council today.\n")
    now_seen = replies_of(engine, users["pc-north"], purpose=PURPOSE).iloc[0]
    assert (now_seen["answered_by"], now_seen["answer"]) == ("sgt-one", "Thank you: reported to the council today.")
    assert browser.open(_link(answers, 1, "reply")).status == 200  # the resident may answer the answer
    _assert_private(browser.pages)


# --- surveys ----------------------------------------------------------------------------


def test_survey_round_trip(site):
    engine, users, _ = site
    invitations = FakeTransport()
    send_due(engine, users["scheduler"], invitations)
    wave = current_wave()
    assert "/reply/" not in _envelope(invitations, 1).body
    browser, link = Browser(), _link(invitations, 1, "survey")
    form = browser.open(link)
    assert form.status == 200
    assert all(html.escape(question) in form.text for question in QUESTIONS.values())
    assert all(html.escape(label.capitalize()) in form.text for label in TOPIC_LABELS.values())
    answers = {"trust": "5", "confidence": "4", "understands_issues": "3", "deals_with_concerns": "2",
               "priority_1": "burglary", "priority_2": "", "priority_3": "asb", "concern": "Cars parked on the pavement."}

    incomplete = browser.submit(link, {**answers, "deals_with_concerns": ""})
    assert incomplete.status == 400 and "Please answer each of the four questions" in incomplete.text
    assert 'name="trust" value="5" required checked' in incomplete.text  # what was chosen stays chosen
    assert browser.submit(link, answers).status == 200

    with engine.connect() as connection:
        stored = connection.execute(
            select(survey_responses, community_batches.c.kind, community_batches.c.source_path)
            .join(community_batches, community_batches.c.id == survey_responses.c.batch_id)
            .where(survey_responses.c.wave == wave)
        ).mappings().all()
    assert [(r["member_id"], r["trust"], r["confidence"], r["understands_issues"], r["deals_with_concerns"], r["priority_1"],
             r["priority_2"], r["priority_3"], r["concern"], r["kind"], r["source_path"]) for r in stored] == [
        ("M01", 5, 4, 3, 2, "burglary", "asb", None, "Cars parked on the pavement.", "surveys", "web form")]
    refresh(engine)
    with engine.connect() as connection:
        counted = connection.execute(
            select(func.sum(insight_responses.c.responses), func.sum(insight_responses.c.priority_burglary))
            .where(insight_responses.c.wave == wave)
        ).one()
    assert tuple(counted) == (1, 1)
    assert browser.submit(link, answers).status == 404  # once only
    _assert_private(browser.pages)


# --- unsubscribing ----------------------------------------------------------------------


def test_one_click_unsubscribe(site):
    engine, users, _ = site
    transport = _sent(engine, users, AudienceSpec("ward", codes=(NORTH,)))
    header = _envelope(transport, 2).headers
    assert header["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = header["List-Unsubscribe"].strip("<>")
    assert link == _link(transport, 2, "unsubscribe")
    mail_program = Browser()  # no cookies, no form: RFC 8058
    done = mail_program.open(link, {"List-Unsubscribe": "One-Click"})
    assert done.status == 200 and "You are unsubscribed" in done.text
    assert _opted_out(engine, "M02") == datetime.now(UTC).date()
    own = audit_entries(engine, users["admin"], user_id="resident", action="opt_out")
    assert own[["detail", "purpose"]].values.tolist() == [["member M02", "the resident's own request (unsubscribe link)"]]
    assert mail_program.open(link, {"List-Unsubscribe": "One-Click"}).status == 404

    later = _sent(engine, users, AudienceSpec("ward", codes=(NORTH,)), at=datetime.now(UTC))
    assert address(2) not in later.recipients and address(1) in later.recipients


def test_unsubscribe_through_the_page(site):
    engine, users, _ = site
    link = _link(_sent(engine, users), 1, "unsubscribe")
    assert Browser().open(link, {"confirm": "1"}).status == 403  # a form post without the page's xsrf cookie
    assert _opted_out(engine, "M01") is None
    browser = Browser()
    page = browser.open(link)
    assert page.status == 200 and "Stop all messages</button>" in page.text
    assert _opted_out(engine, "M01") is None  # opening the page changes nothing
    assert browser.submit(link, {}).status == 200
    assert _opted_out(engine, "M01") == datetime.now(UTC).date()
    _assert_private(browser.pages)


# --- bad links, limits, privacy ------------------------------------------------------


def test_every_bad_link_gets_the_same_page(site, monkeypatch):
    engine, users, base = site
    transport = _sent(engine, users)
    used, sound = _link(transport, 1, "reply"), _link(transport, 2, "reply")
    browser = Browser()
    browser.open(used)
    browser.submit(used, {"body": "Thanks."})
    delivery = int(_envelope(transport, 2).headers["X-LPT-Delivery"])
    monkeypatch.setenv("LPT_SECRET_KEY", "someone else's secret")
    forged = resident_link(delivery, "reply")
    monkeypatch.setenv("LPT_SECRET_KEY", SECRET)
    token = sound.rsplit("/", 1)[1]
    bad = {
        "forged": forged,
        "tampered": sound[:-20] + ("A" if sound[-20] != "A" else "B") + sound[-19:],
        "expired": resident_link(delivery, "reply", now=datetime.now(UTC) - timedelta(days=61)),
        "used": used,
        "survey page": f"{base}/survey/{token}",
        "unsubscribe page": f"{base}/unsubscribe/{token}",
        "empty": f"{base}/reply/",
        "truncated": sound[:-5],
        "no such page": f"{base}/members",
    }
    shown = {name: browser.open(url) for name, url in bad.items()}
    assert {name: page.status for name, page in shown.items()} == dict.fromkeys(bad, 404)
    assert len({page.text for page in shown.values()}) == 1 and INVALID in shown["forged"].text
    browser.open(sound)  # a form, for its xsrf field
    posted = {name: browser.submit(url, {"body": "Hello"}).status for name, url in bad.items()}
    assert posted == dict.fromkeys(bad, 404)
    assert len(replies_of(engine, users["pc-north"], purpose=PURPOSE)) == 1
    _assert_private(browser.pages)


def test_rate_limits(populated, monkeypatch):
    engine, users = populated
    monkeypatch.setenv("LPT_SECRET_KEY", SECRET)
    assert Limits() == Limits(per_address=20, address_period=60, per_link=5, link_period=900)
    with _served(engine, Limits(per_address=5)) as base:
        browser = Browser()
        assert [browser.open(f"{base}/").status for _ in range(6)] == [200] * 5 + [429]
        refused = browser.pages[-1]
        assert "Too many requests" in refused.text and int(refused.headers["Retry-After"]) >= 1
        _assert_private(browser.pages)
    with _served(engine, Limits(per_link=2)) as base:
        monkeypatch.setenv("LPT_REPLY_URL", base)
        transport = _sent(engine, users)
        browser, link = Browser(), _link(transport, 3, "reply")
        browser.open(link)
        assert [browser.submit(link, {"body": " "}).status for _ in range(2)] == [400, 400]
        assert browser.submit(link, {"body": "A real reply"}).status == 429  # the link's submissions are used up
        other = _link(transport, 4, "reply")
        browser.open(other)
        assert browser.submit(other, {"body": "Another resident's reply"}).status == 200
    assert replies_of(engine, users["pc-north"], purpose=PURPOSE)["body"].tolist() == ["Another resident's reply"]


def test_the_access_log_shows_no_token(site, caplog, monkeypatch):
    engine, users, _ = site
    # Jupyter's traitlets apps run in this test process (reports) call logging.config.dictConfig, which
    # disables loggers made before it; the reply endpoint runs in a process of its own, where none does.
    monkeypatch.setattr(logging.getLogger("lpt.replies"), "disabled", False)
    link = _link(_sent(engine, users), 1, "reply")
    with caplog.at_level(logging.INFO, logger="lpt.replies"):
        assert Browser().open(link).status == 200
        deadline = time.monotonic() + 5  # the server thread logs a request after the client has its answer
        while not any(r.name == "lpt.replies" for r in caplog.records) and time.monotonic() < deadline:
            time.sleep(0.05)
    logged = [record.getMessage() for record in caplog.records if record.name == "lpt.replies"]
    assert any("GET /reply/…" in line for line in logged)
    assert not any(link.rsplit("/", 1)[1] in line for line in logged)


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
def test_serve_replies_runs_the_pages_in_their_own_process(store_url, monkeypatch):
    monkeypatch.setenv("LPT_SECRET_KEY", SECRET)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = serve_replies(store_url, port=port)
    try:
        browser, deadline = Browser(), time.monotonic() + 60
        while not browser.pages and time.monotonic() < deadline and process.poll() is None:
            try:
                browser.open(f"http://127.0.0.1:{port}/")
            except OSError:
                time.sleep(0.2)
        home = browser.pages[0]
        assert home.status == 200 and "Messages from your local police" in home.text
        assert browser.open(f"http://127.0.0.1:{port}/reply/not-a-token").status == 404
        _assert_private(browser.pages)
    finally:
        os.killpg(process.pid, signal.SIGTERM)  # its own process group (start_new_session)
        process.wait(15)
