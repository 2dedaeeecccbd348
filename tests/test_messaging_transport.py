"""The message transports against a real SMTP server (aiosmtpd on 127.0.0.1), the outbox, SMS and settings.

Every SMTP test talks to a server this file starts on a free local port, so what is checked is what
a mail server actually received, not what smtplib was asked to do.
"""

from __future__ import annotations

import email
import email.policy
import os
import shutil
import socket
import ssl
import subprocess
from email.utils import parsedate_to_datetime
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from lpt.errors import LPTError
from lpt.messaging.transport import (
    Envelope,
    OutboxTransport,
    Outcome,
    SmsTransport,
    SmtpTransport,
    transport_from_settings,
)

SENDER = "Polizei Münster LPT <lpt@polizei.example>"
MAIL_VARS = ("LPT_MAIL_TRANSPORT", "LPT_SMTP_URL", "LPT_MAIL_FROM", "LPT_OUTBOX_DIR")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Recorder:
    """An aiosmtpd handler that keeps what it receives and answers as told.

    ``rcpt_replies`` and ``data_replies`` map a recipient address to the reply the server gives
    to its ``RCPT TO`` or to the message's ``DATA``; everything else is accepted.
    """

    def __init__(self) -> None:
        self.received: list[dict] = []
        self.rcpt_replies: dict[str, str] = {}
        self.data_replies: dict[str, str] = {}

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.rcpt_replies:
            return self.rcpt_replies[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        for rcpt in envelope.rcpt_tos:
            if rcpt in self.data_replies:
                return self.data_replies[rcpt]
        self.received.append(
            {
                "mail_from": envelope.mail_from,
                "rcpt_tos": list(envelope.rcpt_tos),
                # as received, with the wire's CRLF line ends made \n to compare with Python text
                "content": (envelope.original_content or envelope.content).replace(b"\r\n", b"\n"),
                "login": session.auth_data.login if session.authenticated else None,
                "tls": session.ssl is not None,
            }
        )
        return "250 Message accepted for delivery"


def start_server(handler: Recorder, **smtp_options) -> Controller:
    controller = Controller(handler, hostname="127.0.0.1", port=free_port(), **smtp_options)
    controller.start()
    return controller


@pytest.fixture
def server():
    """A plain SMTP server on 127.0.0.1: yields (handler, port)."""
    handler = Recorder()
    controller = start_server(handler)
    yield handler, controller.port
    controller.stop()


@pytest.fixture
def clean_env(monkeypatch, tmp_path):
    for var in MAIL_VARS:
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("LPT_DATA_DIR", str(tmp_path / "data"))
    return monkeypatch


def parse(raw: bytes) -> email.message.EmailMessage:
    return email.message_from_bytes(raw, policy=email.policy.default)


def envelopes() -> list[Envelope]:
    return [
        Envelope(
            1,
            "anna@example.org",
            "Straßenbeleuchtung: Ihre Meinung zählt",
            "Guten Tag,\nwie sicher fühlen Sie sich in der Königstraße? — Ihr Team 🚓\n",
            {"Reply-To": "replies+1@polizei.example", "X-LPT-Delivery": "1"},
        ),
        Envelope(
            2,
            "bjørn@example.org",
            "Speeding on Ørsted Road",
            "Hello Bjørn,\ncafé owners report speeding after 22:00.\n",
            {"List-Unsubscribe": "<https://lpt.example/u/2>"},
        ),
        Envelope(3, "chloe@example.net", "Plain ASCII", "Just text.\n"),
    ]


# --------------------------------------------------------------------------- SMTP


def test_smtp_delivers_each_envelope_as_a_utf8_mime_message(server):
    handler, port = server
    sent = envelopes()
    outcomes = SmtpTransport("127.0.0.1", port, SENDER).deliver(sent)

    assert outcomes == [Outcome("sent")] * 3
    assert len(handler.received) == 3
    for envelope, got in zip(sent, handler.received):
        assert got["mail_from"] == "lpt@polizei.example"
        assert got["rcpt_tos"] == [envelope.to]
        msg = parse(got["content"])
        assert msg["From"] == SENDER
        assert msg["To"] == envelope.to
        assert msg["Subject"] == envelope.subject
        assert msg.get_content_type() == "text/plain"
        assert msg.get_content_charset() == "utf-8"
        assert msg.get_content() == envelope.body
        assert parsedate_to_datetime(msg["Date"]).tzinfo is not None
        assert msg["Message-ID"].startswith("<") and f"lpt-{envelope.delivery_id}@polizei.example>" in msg["Message-ID"]
        for name, value in envelope.headers.items():
            assert msg[name] == value
    message_ids = {parse(got["content"])["Message-ID"] for got in handler.received}
    assert len(message_ids) == 3


def test_smtp_body_travels_7bit_clean(server):
    handler, port = server
    SmtpTransport("127.0.0.1", port, SENDER).deliver(envelopes()[:1])
    raw = handler.received[0]["content"]
    assert raw.isascii()  # quoted-printable and encoded words: any relay passes it unchanged
    assert parse(raw)["Content-Transfer-Encoding"] == "quoted-printable"


def test_refused_recipient_bounces_and_the_others_are_sent(server):
    handler, port = server
    handler.rcpt_replies["bjørn@example.org"] = "550 5.1.1 No such user here"
    outcomes = SmtpTransport("127.0.0.1", port, SENDER).deliver(envelopes())

    assert outcomes[0] == Outcome("sent")
    assert outcomes[1].status == "bounced"
    assert outcomes[1].reason.startswith("550") and "No such user" in outcomes[1].reason
    assert outcomes[2] == Outcome("sent")
    assert [got["rcpt_tos"] for got in handler.received] == [["anna@example.org"], ["chloe@example.net"]]


def test_temporary_refusal_is_failed_not_bounced(server):
    handler, port = server
    handler.rcpt_replies["anna@example.org"] = "451 4.7.1 Greylisted, try again later"
    outcomes = SmtpTransport("127.0.0.1", port, SENDER).deliver(envelopes())

    assert outcomes[0].status == "failed"
    assert outcomes[0].reason.startswith("451") and "Greylisted" in outcomes[0].reason
    assert outcomes[1:] == [Outcome("sent")] * 2
    assert len(handler.received) == 2


def test_message_refused_after_data_is_failed_not_bounced(server):
    handler, port = server
    handler.data_replies["chloe@example.net"] = "554 5.7.1 Message rejected as spam"
    outcomes = SmtpTransport("127.0.0.1", port, SENDER).deliver(envelopes())

    assert outcomes[:2] == [Outcome("sent")] * 2
    assert outcomes[2].status == "failed" and outcomes[2].reason.startswith("554")


def test_server_closing_mid_call_fails_the_rest_without_raising(server):
    handler, port = server
    handler.rcpt_replies["bjørn@example.org"] = "421 4.3.2 Service shutting down"  # smtplib closes on 421
    outcomes = SmtpTransport("127.0.0.1", port, SENDER).deliver(envelopes())

    assert outcomes[0] == Outcome("sent")
    assert outcomes[1].status == "failed" and outcomes[1].reason.startswith("421")
    assert outcomes[2].status == "failed" and "connection" in outcomes[2].reason
    assert len(handler.received) == 1


def test_no_server_fails_every_envelope_without_raising():
    port = free_port()  # nothing listens there
    outcomes = SmtpTransport("127.0.0.1", port, SENDER, timeout=5).deliver(envelopes())

    assert [o.status for o in outcomes] == ["failed"] * 3
    assert all(f"127.0.0.1:{port}" in o.reason and "Refused" in o.reason for o in outcomes)


def test_an_envelope_that_cannot_be_a_message_fails_alone(server):
    handler, port = server
    bad = [
        Envelope(10, "anna@example.org", "Hi", "x\n", {"X-Note": "a\r\nBcc: everyone@example.org"}),
        Envelope(11, "anna@example.org", "Hi", "x\n", {"From": "someone@else.example"}),
        Envelope(12, "not an address", "Hi", "x\n"),
        Envelope(13, "a@example.org, b@example.org", "Hi", "x\n"),
        Envelope(14, "anna@example.org", "Hi", "x\n", {"Bad Name": "v"}),
    ]
    outcomes = SmtpTransport("127.0.0.1", port, SENDER).deliver([*bad, envelopes()[2]])

    assert [o.status for o in outcomes] == ["failed"] * 5 + ["sent"]
    assert "line" in outcomes[0].reason.lower()
    assert "From" in outcomes[1].reason
    assert "not an e-mail address" in outcomes[2].reason and "not an e-mail address" in outcomes[3].reason
    assert "header name" in outcomes[4].reason
    assert [got["rcpt_tos"] for got in handler.received] == [["chloe@example.net"]]


def test_nothing_to_deliver_does_not_connect(monkeypatch):
    def no_connection(*args, **kwargs):
        raise AssertionError("connected with nothing to send")

    monkeypatch.setattr("smtplib.SMTP", no_connection)
    assert SmtpTransport("127.0.0.1", 25, SENDER).deliver([]) == []


def test_a_bad_sender_is_refused_when_the_transport_is_made():
    with pytest.raises(ValueError, match="sender"):
        SmtpTransport("127.0.0.1", 25, "no address here")


# --------------------------------------------------------------------------- STARTTLS and login


@pytest.fixture(scope="module")
def certificate(tmp_path_factory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1, made with the openssl command."""
    openssl = shutil.which("openssl")
    if openssl is None:
        message = "the openssl command is missing: the STARTTLS tests are skipped"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


@pytest.fixture
def tls_server(certificate):
    """A server that requires STARTTLS and a login (lpt / s3cret:pass): yields (handler, port)."""
    cert, key = certificate
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and auth_data == (b"lpt", b"s3cret:pass")
        return AuthResult(success=ok, handled=False, auth_data=auth_data)

    handler = Recorder()
    controller = start_server(
        handler, tls_context=context, require_starttls=True, authenticator=authenticator, auth_required=True
    )
    yield handler, controller.port
    controller.stop()


def test_starttls_and_login(tls_server, certificate, monkeypatch):
    handler, port = tls_server
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))  # trust the test certificate
    transport = SmtpTransport("127.0.0.1", port, SENDER, username="lpt", password="s3cret:pass", starttls=True)
    outcomes = transport.deliver(envelopes())

    assert outcomes == [Outcome("sent")] * 3
    assert [got["login"] for got in handler.received] == [b"lpt"] * 3
    assert all(got["tls"] for got in handler.received)


def test_starttls_verifies_the_server_certificate(tls_server, monkeypatch):
    _, port = tls_server
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    transport = SmtpTransport("127.0.0.1", port, SENDER, username="lpt", password="s3cret:pass", starttls=True)
    outcomes = transport.deliver(envelopes())

    assert [o.status for o in outcomes] == ["failed"] * 3
    assert "CERTIFICATE_VERIFY_FAILED" in outcomes[0].reason


def test_wrong_password_fails_every_envelope(tls_server, certificate, monkeypatch):
    handler, port = tls_server
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))
    transport = SmtpTransport("127.0.0.1", port, SENDER, username="lpt", password="wrong", starttls=True)
    outcomes = transport.deliver(envelopes())

    assert [o.status for o in outcomes] == ["failed"] * 3
    assert outcomes[0].reason.endswith("535 5.7.8 Authentication credentials invalid")
    assert "wrong" not in outcomes[0].reason
    assert handler.received == []


def test_starttls_asked_of_a_server_without_it_fails(server):
    _, port = server
    outcomes = SmtpTransport("127.0.0.1", port, SENDER, starttls=True).deliver(envelopes())

    assert [o.status for o in outcomes] == ["failed"] * 3
    assert "STARTTLS" in outcomes[0].reason


# --------------------------------------------------------------------------- outbox


def test_outbox_writes_one_parseable_eml_per_envelope(tmp_path):
    folder = tmp_path / "outbox" / "new"
    sent = envelopes()
    outcomes = OutboxTransport(folder).deliver(sent)

    assert outcomes == [Outcome("sent")] * 3
    assert sorted(p.name for p in folder.iterdir()) == ["1.eml", "2.eml", "3.eml"]
    for envelope in sent:
        msg = parse((folder / f"{envelope.delivery_id}.eml").read_bytes())
        assert msg["From"] == "LPT <no-reply@lpt.invalid>"
        assert msg["To"] == envelope.to
        assert msg["Subject"] == envelope.subject
        assert msg.get_content() == envelope.body
        assert f"lpt-{envelope.delivery_id}@lpt.invalid>" in msg["Message-ID"]
        for name, value in envelope.headers.items():
            assert msg[name] == value


def test_outbox_replaces_a_retried_delivery_and_fails_a_bad_envelope(tmp_path):
    outbox = OutboxTransport(tmp_path, SENDER)
    outbox.deliver([Envelope(7, "anna@example.org", "first", "one\n")])
    outcomes = outbox.deliver([Envelope(7, "anna@example.org", "second", "two\n"), Envelope(8, "nobody", "x", "y\n")])

    assert outcomes[0] == Outcome("sent")
    assert outcomes[1].status == "failed" and "not an e-mail address" in outcomes[1].reason
    assert sorted(p.name for p in tmp_path.iterdir()) == ["7.eml"]
    msg = parse((tmp_path / "7.eml").read_bytes())
    assert (msg["Subject"], msg.get_content(), msg["From"]) == ("second", "two\n", SENDER)


def test_outbox_that_cannot_be_written_fails_instead_of_raising(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    outcomes = OutboxTransport(blocker / "outbox").deliver(envelopes()[:2])

    assert [o.status for o in outcomes] == ["failed"] * 2


def test_outbox_and_smtp_build_the_same_message(server, tmp_path):
    handler, port = server
    envelope = envelopes()[0]
    SmtpTransport("127.0.0.1", port, SENDER).deliver([envelope])
    OutboxTransport(tmp_path, SENDER).deliver([envelope])
    over_smtp = parse(handler.received[0]["content"])
    in_file = parse((tmp_path / "1.eml").read_bytes())

    def shape(msg):
        return [(k, v) for k, v in msg.items() if k not in ("Date", "Message-ID")], msg.get_content()

    assert shape(over_smtp) == shape(in_file)


# --------------------------------------------------------------------------- SMS


def test_sms_sends_nothing_and_says_so():
    sms = SmsTransport()
    outcomes = sms.deliver([Envelope(1, "+447700900123", "", "Hello"), Envelope(2, "+447700900456", "", "Hi")])

    assert sms.channel == "sms"
    assert outcomes == [Outcome("failed", "no SMS gateway configured")] * 2
    assert sms.deliver([]) == []


# --------------------------------------------------------------------------- settings


def test_default_settings_give_the_outbox_in_the_data_folder(clean_env, tmp_path):
    transport = transport_from_settings()

    assert isinstance(transport, OutboxTransport)
    assert transport.folder == tmp_path / "data" / "outbox"
    assert transport.sender == "LPT <no-reply@lpt.invalid>"
    assert transport.channel == "email"


def test_outbox_settings(clean_env, tmp_path):
    clean_env.setenv("LPT_MAIL_TRANSPORT", "outbox")
    clean_env.setenv("LPT_OUTBOX_DIR", str(tmp_path / "mail"))
    clean_env.setenv("LPT_MAIL_FROM", SENDER)
    transport = transport_from_settings()

    assert isinstance(transport, OutboxTransport)
    assert (transport.folder, transport.sender) == (tmp_path / "mail", SENDER)
    transport.deliver(envelopes()[:1])
    assert parse((tmp_path / "mail" / "1.eml").read_bytes())["From"] == SENDER


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "smtp://lpt%40force.example:p%40ss%3Aw%2Frd@mail.force.example:587?starttls=1",
            ("mail.force.example", 587, "lpt@force.example", "p@ss:w/rd", True, 30),
        ),
        ("smtp://relay.internal", ("relay.internal", 25, None, None, False, 30)),
        ("smtp://u:@relay:2525?starttls=0&timeout=7.5", ("relay", 2525, "u", "", False, 7.5)),
        ("SMTP://relay/?starttls=true", ("relay", 25, None, None, True, 30)),
    ],
)
def test_smtp_settings(clean_env, url, expected):
    clean_env.setenv("LPT_MAIL_TRANSPORT", "SMTP")
    clean_env.setenv("LPT_SMTP_URL", url)
    transport = transport_from_settings()

    assert isinstance(transport, SmtpTransport)
    got = (transport.host, transport.port, transport.username, transport.password, transport.starttls)
    assert (*got, transport.timeout) == expected
    assert transport.sender == "LPT <no-reply@lpt.invalid>"
    if transport.password:
        assert transport.password not in repr(transport)


def test_smtp_settings_deliver_to_the_server(clean_env, server):
    handler, port = server
    clean_env.setenv("LPT_MAIL_TRANSPORT", "smtp")
    clean_env.setenv("LPT_SMTP_URL", f"smtp://127.0.0.1:{port}")
    clean_env.setenv("LPT_MAIL_FROM", SENDER)

    assert transport_from_settings().deliver(envelopes()) == [Outcome("sent")] * 3
    assert parse(handler.received[0]["content"])["From"] == SENDER


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"LPT_MAIL_TRANSPORT": "sendgrid"}, "LPT_MAIL_TRANSPORT"),
        ({"LPT_MAIL_TRANSPORT": "smtp"}, "LPT_SMTP_URL"),
        ({"LPT_MAIL_TRANSPORT": "smtp", "LPT_SMTP_URL": "http://u:topsecret@host"}, "LPT_SMTP_URL"),
        ({"LPT_MAIL_TRANSPORT": "smtp", "LPT_SMTP_URL": "smtps://u:topsecret@host:465"}, "LPT_SMTP_URL"),
        ({"LPT_MAIL_TRANSPORT": "smtp", "LPT_SMTP_URL": "smtp://u:topsecret@"}, "LPT_SMTP_URL"),
        ({"LPT_MAIL_TRANSPORT": "smtp", "LPT_SMTP_URL": "smtp://u:topsecret@host:99999"}, "LPT_SMTP_URL"),
        ({"LPT_MAIL_TRANSPORT": "smtp", "LPT_SMTP_URL": "smtp://u:topsecret@host:port"}, "LPT_SMTP_URL"),
        ({"LPT_MAIL_TRANSPORT": "smtp", "LPT_SMTP_URL": "smtp://host/path"}, "LPT_SMTP_URL"),
        ({"LPT_MAIL_TRANSPORT": "smtp", "LPT_SMTP_URL": "smtp://host?tls=1"}, "LPT_SMTP_URL"),
        ({"LPT_MAIL_TRANSPORT": "smtp", "LPT_SMTP_URL": "smtp://host?starttls=maybe"}, "LPT_SMTP_URL"),
        ({"LPT_MAIL_TRANSPORT": "smtp", "LPT_SMTP_URL": "smtp://host?timeout=-1"}, "LPT_SMTP_URL"),
        ({"LPT_MAIL_TRANSPORT": "smtp", "LPT_SMTP_URL": "smtp://host?timeout=soon"}, "LPT_SMTP_URL"),
        ({"LPT_MAIL_TRANSPORT": "smtp", "LPT_SMTP_URL": "smtp://:topsecret@host"}, "LPT_SMTP_URL"),
        ({"LPT_MAIL_FROM": "no address"}, "LPT_MAIL_FROM"),
        ({"LPT_MAIL_FROM": "a@example.org, b@example.org"}, "LPT_MAIL_FROM"),
    ],
)
def test_bad_settings_name_the_variable(clean_env, env, variable):
    for name, value in env.items():
        clean_env.setenv(name, value)
    with pytest.raises(LPTError, match=variable) as raised:
        transport_from_settings()
    assert "topsecret" not in str(raised.value)


def test_a_long_list_unsubscribe_header_arrives_whole(tmp_path):
    """RFC 8058 one-click needs the header's URL intact: a header over 78 characters must not be
    encoded or folded into pieces mail providers cannot read."""
    url = "https://lpt.example.police.uk/unsubscribe/" + "a1B2c3D4e5" * 12
    envelope = Envelope(7, "resident@example.com", "Ünïcode subject", "Body line\n",
                        headers={"List-Unsubscribe": f"<{url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"})
    assert OutboxTransport(tmp_path).deliver([envelope]) == [Outcome("sent")]
    letter = email.message_from_bytes((tmp_path / "7.eml").read_bytes(), policy=email.policy.default)
    assert letter["List-Unsubscribe"] == f"<{url}>" and letter["Subject"] == "Ünïcode subject"
    raw = (tmp_path / "7.eml").read_bytes()
    assert f"List-Unsubscribe: <{url}>".encode() in raw.splitlines()  # as sent: one line, not encoded
    assert all(len(line) <= 998 for line in raw.splitlines())
