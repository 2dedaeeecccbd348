"""How a message leaves LPT: one interface, several transports (SMTP, a file outbox, SMS).

The sending code (lpt.messaging.send) hands each recipient's :class:`Envelope` to a
:class:`Transport` and records the :class:`Outcome` per recipient; it never knows which
transport it is talking to. A transport raises nothing for a recipient's problem: it returns
``bounced`` (the address was refused: counts towards suspending it) or ``failed`` (anything
else, with the reason), so one bad address never stops a send.

Why these transports:

* :class:`SmtpTransport` is the real one: every force already runs (or rents) a mail relay, and
  SMTP is the one protocol they all speak, so LPT needs no mail-provider SDK. One connection per
  ``deliver`` call (a send is one batch, and a long-lived connection would time out between
  sends); each recipient gets its own transaction, so the server's answer to one ``RCPT TO`` is
  that recipient's outcome. A 5xx refusal of the recipient is a bounce; a 4xx (try later), a
  refused message or a lost connection is ``failed``, because retrying may work.
* :class:`OutboxTransport` writes the very same MIME messages to ``.eml`` files instead: the
  default (``LPT_MAIL_TRANSPORT=outbox``), so a demo or a fresh install can never mail a real
  resident, and what would have been sent can be opened in any mail program.
* :class:`SmsTransport` is only the interface an SMS gateway adapter must fill in. No gateway is
  chosen yet, so it reports every message ``failed`` rather than pretending to have sent it.

:func:`transport_from_settings` picks the e-mail transport from the ``LPT_MAIL_*`` settings
(see :mod:`lpt.settings`). Asynchronous bounces (a server that accepted the message and later
mails a delivery-failure notice to the sender address) are not seen here.
"""

from __future__ import annotations

import re
import smtplib
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate, getaddresses, make_msgid
from pathlib import Path
from typing import Literal, Protocol
from urllib.parse import parse_qsl, unquote, urlsplit

from lpt import settings
from lpt.errors import LPTError

__all__ = [
    "Envelope",
    "Outcome",
    "Transport",
    "SmtpTransport",
    "OutboxTransport",
    "SmsTransport",
    "transport_from_settings",
]


@dataclass(frozen=True)
class Envelope:
    """One recipient's copy of a message. ``delivery_id`` identifies it in the store (and in replies)."""

    delivery_id: int
    to: str  # e-mail address or phone number, as the channel needs
    subject: str
    body: str  # plain text
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Outcome:
    """What happened to one envelope: ``sent``, ``bounced`` (address refused) or ``failed`` (with ``reason``)."""

    status: Literal["sent", "bounced", "failed"]
    reason: str | None = None


class Transport(Protocol):
    """Delivers envelopes of one channel (``email`` or ``sms``)."""

    channel: str

    def deliver(self, envelopes: list[Envelope]) -> list[Outcome]:
        """One outcome per envelope, in the same order."""
        ...


# --------------------------------------------------------------------------- building messages

# Headers the builder sets itself; an envelope may not set them again (a second From: or To:
# would be ambiguous, and the Content-* headers belong to the body's encoding).
_OWN_HEADERS = frozenset(
    h.lower()
    for h in (
        "From",
        "To",
        "Subject",
        "Date",
        "Message-ID",
        "MIME-Version",
        "Content-Type",
        "Content-Transfer-Encoding",
    )
)
# RFC 5322 field name: printable ASCII except the colon.
_HEADER_NAME = re.compile(r"[!-9;-~]+")


def _address(value: str) -> str | None:
    """The bare address of ``value`` (``Name <a@b>`` or ``a@b``), or None if it is not one address."""
    if not value or "\r" in value or "\n" in value:
        return None
    found = getaddresses([value])
    if len(found) != 1:
        return None
    addr = found[0][1]
    local, at, domain = addr.rpartition("@")
    if not at or not local or not domain or "@" in local or any(c.isspace() for c in addr):
        return None
    return addr


def _build_message(envelope: Envelope, sender: str) -> EmailMessage:
    """The MIME message of one envelope, the same for every e-mail transport.

    Plain text in UTF-8, quoted-printable (7-bit clean, so any relay passes it unchanged and no
    line is too long). ``Message-ID`` carries the delivery id, so a reply's ``In-Reply-To`` leads
    back to the delivery. Raises ValueError for an envelope that cannot be a message (not one
    e-mail address, a bad header name, a header value with a line break).
    """
    if _address(envelope.to) is None:
        raise ValueError(f"not an e-mail address: {envelope.to!r}")
    sender_addr = _address(sender)
    if sender_addr is None:
        raise ValueError(f"not a sender address: {sender!r}")
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = envelope.to
    msg["Subject"] = envelope.subject
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = make_msgid(idstring=f"lpt-{envelope.delivery_id}", domain=sender_addr.rsplit("@", 1)[1])
    for name, value in envelope.headers.items():
        if not _HEADER_NAME.fullmatch(name):
            raise ValueError(f"not a header name: {name!r}")
        if name.lower() in _OWN_HEADERS:
            raise ValueError(f"header {name} is set by the transport, not by the envelope")
        msg[name] = value  # the email package refuses a value with CR or LF (header injection)
    msg.set_content(envelope.body, charset="utf-8", cte="quoted-printable")
    msg.policy = msg.policy.clone(max_line_length=998)  # a long List-Unsubscribe URL stays one header line (RFC 5322)
    return msg


def _reply(code: int, message: bytes | str) -> str:
    """An SMTP reply as one line of text: ``550 5.1.1 no such user``."""
    text = message.decode("utf-8", "replace") if isinstance(message, bytes) else message
    return f"{code} {' '.join(text.split())}".strip()


# --------------------------------------------------------------------------- SMTP


class SmtpTransport:
    """E-mail through an SMTP server: one connection per :meth:`deliver`, one transaction per envelope.

    ``sender`` is the ``From:`` header (``Name <address>``); its address is also the envelope
    sender (``MAIL FROM``). ``starttls`` upgrades the connection before logging in, verifying the
    server's certificate against the system's trusted authorities (``SSL_CERT_FILE`` adds a
    force's own). ``timeout`` (seconds) applies to each network operation.
    """

    channel = "email"

    def __init__(
        self,
        host: str,
        port: int,
        sender: str,
        *,
        username: str | None = None,
        password: str | None = None,
        starttls: bool = False,
        timeout: float = 30,
    ) -> None:
        sender_addr = _address(sender)
        if sender_addr is None:
            raise ValueError(f"not a sender address: {sender!r}")
        self.host = host
        self.port = port
        self.sender = sender
        self.username = username
        self.password = password
        self.starttls = starttls
        self.timeout = timeout
        self._envelope_from = sender_addr

    def __repr__(self) -> str:  # never shows the password
        user = f"{self.username}@" if self.username else ""
        return f"SmtpTransport(smtp://{user}{self.host}:{self.port}, starttls={self.starttls})"

    def _open(self) -> smtplib.SMTP:
        """A connected, (if asked) encrypted and logged-in session; raises on any failure."""
        smtp = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        try:
            smtp.ehlo_or_helo_if_needed()
            if self.starttls:
                smtp.starttls(context=ssl.create_default_context())
                smtp.ehlo()
            if self.username:
                smtp.login(self.username, self.password or "")
        except BaseException:
            smtp.close()
            raise
        return smtp

    def deliver(self, envelopes: list[Envelope]) -> list[Outcome]:
        """Send each envelope; one outcome per envelope, in order. Never raises."""
        if not envelopes:
            return []
        try:
            smtp = self._open()
        except smtplib.SMTPResponseException as exc:
            reason = f"SMTP server {self.host}:{self.port}: {_reply(exc.smtp_code, exc.smtp_error)}"
            return [Outcome("failed", reason) for _ in envelopes]
        except (OSError, smtplib.SMTPException, ValueError) as exc:
            reason = f"SMTP server {self.host}:{self.port}: {type(exc).__name__}: {exc}"
            return [Outcome("failed", reason) for _ in envelopes]
        outcomes: list[Outcome] = []
        lost: str | None = None  # why the connection is gone, once it is
        try:
            for envelope in envelopes:
                if lost is not None:
                    outcomes.append(Outcome("failed", f"not tried: {lost}"))
                    continue
                outcome, lost = self._send_one(smtp, envelope)
                outcomes.append(outcome)
        finally:
            try:
                smtp.quit()
            except (OSError, smtplib.SMTPException):
                pass
            smtp.close()
        return outcomes

    def _send_one(self, smtp: smtplib.SMTP, envelope: Envelope) -> tuple[Outcome, str | None]:
        """One envelope's outcome, and why the connection is lost if it is."""
        try:
            msg = _build_message(envelope, self.sender)
        except ValueError as exc:
            return Outcome("failed", str(exc)), None
        try:
            smtp.send_message(msg, from_addr=self._envelope_from, to_addrs=[envelope.to])
        except smtplib.SMTPRecipientsRefused as exc:
            code, message = next(iter(exc.recipients.values()), (0, b"recipient refused"))
            reason = _reply(code, message)
            return Outcome("bounced" if 500 <= code < 600 else "failed", reason), None
        except smtplib.SMTPServerDisconnected as exc:
            reason = f"connection lost: {exc}"
            return Outcome("failed", reason), reason
        except smtplib.SMTPResponseException as exc:  # sender refused, data refused, ...
            return Outcome("failed", _reply(exc.smtp_code, exc.smtp_error)), None
        except (smtplib.SMTPException, ValueError) as exc:  # e.g. server lacks SMTPUTF8
            return Outcome("failed", f"{type(exc).__name__}: {exc}"), None
        except OSError as exc:  # timeout or reset: the session's state is unknown
            reason = f"connection lost: {type(exc).__name__}: {exc}"
            return Outcome("failed", reason), reason
        return Outcome("sent"), None


# --------------------------------------------------------------------------- outbox


class OutboxTransport:
    """E-mail written, not sent: one ``<delivery_id>.eml`` file per envelope in ``folder``.

    The files are the messages :class:`SmtpTransport` would send, byte for byte apart from the
    line endings. Every envelope is ``sent``, unless its message cannot be built or its file
    cannot be written (then ``failed`` with the reason). A file for the same delivery id is
    replaced (a retried delivery is the same message).
    """

    channel = "email"

    def __init__(self, folder: str | Path, sender: str = "LPT <no-reply@lpt.invalid>") -> None:
        if _address(sender) is None:
            raise ValueError(f"not a sender address: {sender!r}")
        self.folder = Path(folder)
        self.sender = sender

    def __repr__(self) -> str:
        return f"OutboxTransport({str(self.folder)!r})"

    def path(self, delivery_id: int) -> Path:
        """The file of one delivery."""
        return self.folder / f"{int(delivery_id)}.eml"

    def deliver(self, envelopes: list[Envelope]) -> list[Outcome]:
        """Write each envelope's message; one outcome per envelope, in order. Never raises."""
        outcomes: list[Outcome] = []
        for envelope in envelopes:
            try:
                data = _build_message(envelope, self.sender).as_bytes()
                self.folder.mkdir(parents=True, exist_ok=True)
                target = self.path(envelope.delivery_id)
                partial = target.with_suffix(".eml.partial")
                partial.write_bytes(data)
                partial.replace(target)  # a reader never sees half a message
            except (ValueError, OSError) as exc:
                outcomes.append(Outcome("failed", f"{type(exc).__name__}: {exc}"))
                continue
            outcomes.append(Outcome("sent"))
        return outcomes


# --------------------------------------------------------------------------- SMS


class SmsTransport:
    """The SMS channel's interface: what a gateway adapter must do. This base sends nothing.

    An adapter for a real gateway (an HTTP API of an SMS provider, or an operator's SMPP link)
    subclasses this and overrides :meth:`deliver`, keeping these rules:

    * ``Envelope.to`` is a phone number in E.164 form (``+447700900123``: a plus, the country
      code, the number, no spaces). Anything else is ``failed`` ("not an E.164 number") without
      being sent; the adapter never guesses a country code.
    * ``Envelope.body`` is the whole text; ``subject`` and ``headers`` are not sent. A message
      travels in segments of 160 GSM-7 characters (153 each when there are several) or, if any
      character is outside GSM-7, 70 UCS-2 characters (67 each): the adapter sends the text as one
      concatenated message and never cuts it silently. The sending code keeps texts short; each
      segment is charged.
    * A number the gateway reports as invalid, unallocated or permanently unreachable is
      ``bounced`` (it counts towards suspending the number); throttling, a gateway error or a
      timeout is ``failed`` with the gateway's reason.
    * One outcome per envelope, in order, and never an exception for one number's problem; if the
      gateway cannot be reached at all, every envelope is ``failed`` with the reason.
    * ``sent`` means the gateway accepted the message; delivery receipts arrive later, outside
      this interface. Replies such as STOP (opt-out) likewise come in through the gateway's
      inbound hook, not here.
    * Credentials come from settings (:mod:`lpt.settings`), never from code, and are never logged.
    """

    channel = "sms"

    def deliver(self, envelopes: list[Envelope]) -> list[Outcome]:
        """No gateway is configured: every envelope is ``failed``, none is sent."""
        return [Outcome("failed", "no SMS gateway configured") for _ in envelopes]


# --------------------------------------------------------------------------- settings

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def _smtp_from_url(url: str, sender: str) -> SmtpTransport:
    """``smtp://user:password@host:port?starttls=1&timeout=30`` as a transport.

    The URL holds a password, so no error message repeats it.
    """
    var = "LPT_SMTP_URL"
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as exc:
        raise LPTError(f"{var} is not a valid smtp:// URL ({exc})") from None
    if parts.scheme.lower() != "smtp":
        raise LPTError(f"{var} must start with smtp:// (got {parts.scheme or 'no'} scheme)")
    if not parts.hostname:
        raise LPTError(f"{var} names no host (expected smtp://user:password@host:587?starttls=1)")
    if parts.path not in ("", "/"):
        raise LPTError(f"{var} must not have a path after the host")
    starttls = False
    timeout: float = 30
    try:
        params = parse_qsl(parts.query, keep_blank_values=True, strict_parsing=bool(parts.query))
    except ValueError:
        raise LPTError(f"{var} has a malformed query (expected ?starttls=1&timeout=30)") from None
    for key, value in params:
        if key == "starttls":
            if value.lower() in _TRUE:
                starttls = True
            elif value.lower() in _FALSE:
                starttls = False
            else:
                raise LPTError(f"{var}: starttls must be 1 or 0, not {value!r}")
        elif key == "timeout":
            try:
                timeout = float(value)
            except ValueError:
                timeout = 0
            if not timeout > 0 or timeout == float("inf"):
                raise LPTError(f"{var}: timeout must be a positive number of seconds, not {value!r}")
        else:
            raise LPTError(f"{var}: unknown option {key!r} (known: starttls, timeout)")
    username = unquote(parts.username) if parts.username else None
    password = unquote(parts.password) if parts.password is not None else None
    if password is not None and not username:
        raise LPTError(f"{var} has a password but no user name")
    return SmtpTransport(
        parts.hostname,
        port if port is not None else 25,
        sender,
        username=username,
        password=password,
        starttls=starttls,
        timeout=timeout,
    )


def transport_from_settings() -> Transport:
    """The e-mail transport the settings ask for (``LPT_MAIL_TRANSPORT``, default ``outbox``).

    Raises :class:`~lpt.errors.LPTError` naming the setting that is missing or wrong.
    """
    sender = settings.mail_from()
    if _address(sender) is None:
        raise LPTError(f"LPT_MAIL_FROM is not one e-mail address (expected 'Name <address@domain>'): {sender!r}")
    kind = settings.mail_transport()
    if kind == "outbox":
        return OutboxTransport(settings.outbox_dir(), sender)
    if kind == "smtp":
        url = settings.smtp_url()
        if not url:
            raise LPTError("LPT_SMTP_URL must be set when LPT_MAIL_TRANSPORT=smtp")
        return _smtp_from_url(url, sender)
    raise LPTError(f"LPT_MAIL_TRANSPORT must be 'outbox' or 'smtp', not {kind!r}")
