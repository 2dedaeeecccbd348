"""Residents' links (lpt.messaging.links): every bad token is refused, each with the one same message.

The bad tokens, one case each (BAD below, plus the purpose mix-ups and the replays):
forged (another secret), tampered (a character changed in the payload, in the timestamp, in the
signature), another delivery under the original signature, expired, issued in the future,
truncated (a character short, the signature cut off), empty, not a token, an officer's app link
signed with the same secret, a well-signed payload of the wrong shape; a token of each purpose
read as each other purpose (6); replayed (a second use, and two uses at once, on SQLite and
PostgreSQL).
"""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta

import pytest
from itsdangerous.encoding import base64_decode, base64_encode
from sqlalchemy import insert, select

from lpt.access.guard import PermissionDenied
from lpt.access.tokens import issue_app_token
from lpt.errors import LPTError
from lpt.messaging import links
from lpt.messaging.links import INVALID, PURPOSES, read_token, resident_envelope, resident_link, use_token, was_used
from lpt.store.schema import deliveries, messages, token_uses

SECRET = "resident link test secret"
DELIVERY = 7


@pytest.fixture(autouse=True)
def _settings(monkeypatch):
    monkeypatch.setenv("LPT_SECRET_KEY", SECRET)
    monkeypatch.setenv("LPT_REPLY_URL", "https://replies.example.police.uk/r/")
    monkeypatch.delenv("LPT_LINK_DAYS", raising=False)


def _token(purpose: str = "reply", delivery: int = DELIVERY, **kwargs) -> str:
    url = resident_link(delivery, purpose, **kwargs)
    assert url.startswith(f"https://replies.example.police.uk/r/{purpose}/")
    return url.rsplit("/", 1)[1]


def _parts(token: str) -> list[str]:
    parts = token.split(".")
    assert len(parts) == 3 and parts[0], "payload.timestamp.signature, uncompressed"
    return parts


def _changed(text: str) -> str:
    """``text`` with its middle character changed (a last base64 character may carry only padding bits)."""
    i = len(text) // 2
    return text[:i] + ("A" if text[i] != "A" else "B") + text[i + 1 :]


def _with(token: str, index: int, part: str) -> str:
    parts = _parts(token)
    parts[index] = part
    return ".".join(parts)


def _forged(monkeypatch) -> str:
    monkeypatch.setenv("LPT_SECRET_KEY", "someone else's secret")
    token = _token()
    monkeypatch.setenv("LPT_SECRET_KEY", SECRET)
    return token


def _other_delivery(_) -> str:
    token = _token()
    payload = json.loads(base64_decode(_parts(token)[0]))
    assert payload["d"] == DELIVERY
    return _with(token, 0, base64_encode(json.dumps({**payload, "d": DELIVERY + 1}, separators=(",", ":"))).decode())


def _wrong_shape(_) -> str:
    return links._serializer("reply", None).dumps({"d": DELIVERY})  # signed right, but no nonce


BAD = {
    "forged with another secret": _forged,
    "tampered payload": lambda _: _with(_token(), 0, _changed(_parts(_token())[0])),
    "tampered timestamp": lambda _: (lambda t: _with(t, 1, _changed(_parts(t)[1])))(_token()),
    "tampered signature": lambda _: (lambda t: _with(t, 2, _changed(_parts(t)[2])))(_token()),
    "another delivery under the original signature": _other_delivery,
    "expired": lambda _: _token(now=datetime.now(UTC) - timedelta(days=61)),
    "issued in the future": lambda _: _token(now=datetime.now(UTC) + timedelta(days=2)),
    "truncated by one character": lambda _: _token()[:-1],
    "truncated to payload and timestamp": lambda _: _token().rsplit(".", 1)[0],
    "empty": lambda _: "",
    "not a token": lambda _: "hello-world.this.is-not-a-token",
    "an officer's app link with the same secret": lambda _: issue_app_token("pc1", "officer", SECRET.encode()),
    "signed payload of the wrong shape": _wrong_shape,
}
MIXED = [(issued, read) for issued in PURPOSES for read in PURPOSES if issued != read]


@pytest.mark.parametrize("case", list(BAD))
def test_a_bad_token_is_refused_with_the_one_message(case, monkeypatch):
    token = BAD[case](monkeypatch)
    with pytest.raises(PermissionDenied) as refused:
        read_token(token, "reply")
    assert str(refused.value) == INVALID


@pytest.mark.parametrize(("issued", "read"), MIXED)
def test_a_token_is_for_its_own_purpose_only(issued, read):
    token = _token(issued)
    assert read_token(token, issued) == DELIVERY
    with pytest.raises(PermissionDenied) as refused:
        read_token(token, read)
    assert str(refused.value) == INVALID


def test_the_case_count():
    assert len(BAD) + len(MIXED) + len(REPLAYS) == 13 + 6 + 2 == 21


@pytest.mark.parametrize("purpose", PURPOSES)
def test_a_sound_token_gives_its_delivery(purpose):
    assert read_token(_token(purpose, delivery=12345), purpose) == 12345
    assert read_token(_token(purpose, now=datetime.now(UTC) - timedelta(days=59)), purpose) == DELIVERY


def test_links_last_as_long_as_configured(monkeypatch):
    two_days_old = _token(now=datetime.now(UTC) - timedelta(days=2))
    assert read_token(two_days_old, "reply") == DELIVERY
    monkeypatch.setenv("LPT_LINK_DAYS", "1")
    with pytest.raises(PermissionDenied, match="not valid or has expired"):
        read_token(two_days_old, "reply")
    monkeypatch.setenv("LPT_LINK_DAYS", "soon")
    with pytest.raises(LPTError, match="LPT_LINK_DAYS='soon': a whole number of days"):
        read_token(two_days_old, "reply")


def test_each_link_is_a_different_token():
    assert len({_token() for _ in range(20)}) == 20


def test_issuing_needs_a_known_purpose_and_a_delivery_id():
    with pytest.raises(LPTError, match="one of reply, survey, unsubscribe, not 'vote'"):
        resident_link(DELIVERY, "vote")
    with pytest.raises(LPTError, match="positive integer ID"):
        resident_link(0, "reply")


def test_an_envelope_carries_the_recipients_links_and_one_click_unsubscribe():
    envelope = resident_envelope(DELIVERY, "m01@example.com", "Subject", "Body text", "feedback")
    reply, stop = (line.rsplit(": ", 1)[1] for line in envelope.body.splitlines() if "https://" in line)
    assert envelope.body.startswith("Body text\n\n--\n")
    assert read_token(reply.rsplit("/", 1)[1], "reply") == read_token(stop.rsplit("/", 1)[1], "unsubscribe") == DELIVERY
    assert envelope.headers == {
        "X-LPT-Delivery": str(DELIVERY), "List-Unsubscribe": f"<{stop}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }
    invitation = resident_envelope(DELIVERY, "m01@example.com", "Survey", "Body", "survey_invitation")
    assert "/survey/" in invitation.body and "/reply/" not in invitation.body


# --- single use (the store's primary key) ----------------------------------------------


def _delivery(engine) -> int:
    now = datetime.now(UTC)
    with engine.begin() as connection:
        message = connection.execute(insert(messages).values(
            kind="feedback", author="pc1", audience='{"level": "force"}', level="force", subject="S", body="B",
            status="sent", created_at=now, sent_at=now,
        ).returning(messages.c.id)).scalar_one()
        return connection.execute(insert(deliveries).values(
            message_id=message, member_id="M01", channel="email", address="m01@example.com", status="sent", queued_at=now,
        ).returning(deliveries.c.id)).scalar_one()


def _replayed_later(engine, token, delivery) -> list[bool]:
    outcomes = []
    for _ in range(2):
        try:
            with engine.begin() as connection:
                use_token(connection, token, "reply", delivery, datetime.now(UTC))
            outcomes.append(True)
        except PermissionDenied as refused:
            assert str(refused) == INVALID
            outcomes.append(False)
    return outcomes


def _replayed_at_once(engine, token, delivery) -> list[bool]:
    start, outcomes = threading.Barrier(2), []

    def use() -> None:
        start.wait()
        try:
            with engine.begin() as connection:
                use_token(connection, token, "reply", delivery, datetime.now(UTC))
            outcomes.append(True)
        except PermissionDenied:
            outcomes.append(False)

    threads = [threading.Thread(target=use) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    return outcomes


REPLAYS = {"a second use": _replayed_later, "two uses at once": _replayed_at_once}


@pytest.mark.parametrize("case", list(REPLAYS))
def test_a_replayed_token_is_refused(store, case):
    delivery = _delivery(store)
    token = _token(delivery=delivery)
    with store.connect() as connection:
        assert not was_used(connection, token)
    assert sorted(REPLAYS[case](store, token, delivery)) == [False, True]
    with store.connect() as connection:
        assert was_used(connection, token)
        kept = connection.execute(select(token_uses)).mappings().one()
    assert kept["token_sha256"] == links.token_hash(token) != token and (kept["purpose"], kept["delivery_id"]) == ("reply", delivery)
