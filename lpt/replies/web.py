"""The residents' pages: reply, answer the survey, unsubscribe, from the links in a message.

A small tornado application (tornado comes with Jupyter, so this adds nothing to install), run as
its own process beside Voila by ``lpt serve`` (:func:`serve_replies`, or
``python -m lpt.replies.web --port N``). Routes, where ``<token>`` is a link's signed token
(lpt.messaging.links):

* ``GET /reply/<token>``: a form; ``POST``: store the reply (lpt.replies.inbox.store_reply).
* ``GET /survey/<token>``: the four questions (1-5), up to three priorities and a concern;
  ``POST``: store the answer for the invitation's wave.
* ``GET /unsubscribe/<token>``: one button; ``POST`` (the button, or a mail program's RFC 8058
  one-click ``List-Unsubscribe=One-Click``): opted out at once.
* ``GET /``: a plain page saying what this address is for (also what :func:`wait_until_up` asks).

What the pages never do: show anything about the member (no name, address, e-mail, street, not
even the message they answer, which may name a street), tell one bad link from another (every
forged, altered, expired, used or misdirected link gets the same 404 page, :data:`INVALID`),
load anything from elsewhere, or log a token (the access log shows ``/reply/…``).

Protection:

* Forms carry tornado's ``_xsrf`` token (cookie and hidden field, ``xsrf_cookies``); the one
  exception is the RFC 8058 one-click POST, which a mail provider sends without cookies: its
  authority is the signed link alone, as it is for every page here.
* Headers on every answer: ``Content-Security-Policy`` (``default-src 'self'``, the page's own
  stylesheet by hash, no framing, forms post only here), ``X-Frame-Options: DENY``,
  ``Referrer-Policy: no-referrer`` (the token never leaves in a Referer), ``Cache-Control:
  no-store``, ``X-Content-Type-Options: nosniff``; no ``Server`` header.
* Rate limits (:class:`Limits`, in memory, token buckets of lpt.replies.ratelimit), answered with
  a 429 page and ``Retry-After``: **20 requests per minute per client address** (every request,
  any page, bursts up to 20) and **5 submissions (POSTs) per link per 15 minutes** (wrong forms,
  failed cookies and replays included). Behind a proxy, start with ``--xheaders`` so the client
  address is the proxy's ``X-Real-IP``/``X-Forwarded-For`` (never without a proxy: clients
  could then pick their own address).

Store work runs in a small thread pool, so a busy store never stalls other residents' pages.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import html
import logging
import os
import re
import subprocess
import sys
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, ClassVar

import tornado.web
from sqlalchemy import Engine

from lpt import settings
from lpt.access.guard import PermissionDenied
from lpt.messaging.links import INVALID, token_hash
from lpt.replies.inbox import MAX_TEXT, FormError, SurveyAnswer, open_link, store_reply, store_survey, unsubscribe
from lpt.replies.ratelimit import TokenBucket
from lpt.vocab import QUESTIONS, TOPIC_LABELS, TOPICS

__all__ = ["DEFAULT_PORT", "INVALID", "Limits", "main", "make_app", "serve_replies"]

DEFAULT_PORT = 8867
_LOG = logging.getLogger("lpt.replies")
_CSS = (
    "body{font-family:system-ui,sans-serif;margin:0 auto;max-width:36rem;padding:1rem;line-height:1.5;color:#111}"
    "h1{font-size:1.4rem}fieldset{border:1px solid #bbb;margin:0 0 1rem;padding:.5rem .75rem}"
    "legend{font-weight:600}label{display:block;margin:.4rem 0}"
    ".scale label{display:inline-block;margin-right:1rem}"
    "textarea,select{width:100%;box-sizing:border-box;font:inherit;padding:.4rem}textarea{min-height:8rem}"
    "button{font:inherit;font-size:1.1rem;padding:.6rem 1.2rem;margin-top:.5rem}"
    ".error{color:#a00;font-weight:600}"
)
_CSP = (
    "default-src 'self'; "
    f"style-src 'sha256-{base64.b64encode(hashlib.sha256(_CSS.encode()).digest()).decode()}'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
_HEADERS = {
    "Content-Security-Policy": _CSP,
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
}
#: Pages for error statuses (404 is every bad link, and every unknown address).
_ERRORS = {
    400: ("Something is missing", "Please go back and try again."),
    403: ("Please try again", "This page was open too long or your browser did not keep its cookie. "
          "Go back, reload the page and send it again."),
    404: ("Link not valid", INVALID),
    405: ("Link not valid", INVALID),
    429: ("Too many requests", "Please wait a minute and try again."),
}
_TOKEN_PATH = re.compile(r"^/(reply|survey|unsubscribe)/.*")


@dataclass(frozen=True)
class Limits:
    """Rate limits: ``per_address`` requests per ``address_period`` seconds from one client address,
    ``per_link`` submissions per ``link_period`` seconds to one link."""

    per_address: int = 20
    address_period: float = 60
    per_link: int = 5
    link_period: float = 900


def make_app(engine: Engine, *, limits: Limits = Limits(), workers: int = 4) -> tornado.web.Application:
    """The residents' pages over the store ``engine``."""
    shared = {
        "engine": engine,
        "pool": ThreadPoolExecutor(max_workers=workers, thread_name_prefix="lpt-replies"),
        "by_address": TokenBucket(limits.per_address, limits.address_period),
        "by_link": TokenBucket(limits.per_link, limits.link_period),
    }
    secure = settings.reply_url().startswith("https://")
    return tornado.web.Application(
        [
            (r"/", _Home, shared),
            (r"/reply/([^/]*)", _Reply, shared),
            (r"/survey/([^/]*)", _Survey, shared),
            (r"/unsubscribe/([^/]*)", _Unsubscribe, shared),
        ],
        default_handler_class=_NotFound,
        default_handler_args=shared,
        xsrf_cookies=True,
        xsrf_cookie_kwargs={"httponly": True, "samesite": "Lax", "secure": secure},
        log_function=_log,
    )


def serve_replies(db_url: str, *, port: int = DEFAULT_PORT, xheaders: bool = False) -> subprocess.Popen:
    """Start the residents' pages for the store at ``db_url`` on 127.0.0.1:``port`` in a process group
    of their own (stop it with lpt.apps.serve.stop; lpt.apps.serve.wait_until_up waits for it). The
    store is migrated first; its URL reaches the process through ``LPT_DATABASE_URL``, not the
    command line, so no password shows in the process list."""
    from lpt.store import open_store

    open_store(db_url).dispose()
    command = [sys.executable, "-m", "lpt.replies.web", f"--port={port}", *(["--xheaders"] if xheaders else [])]
    return subprocess.Popen(command, env={**os.environ, "LPT_DATABASE_URL": db_url}, stdin=subprocess.DEVNULL,
                            start_new_session=True)


def main(argv: list[str] | None = None) -> int:
    """``python -m lpt.replies.web [--port N] [--address A] [--xheaders]``: serve until stopped."""
    parser = argparse.ArgumentParser(prog="python -m lpt.replies.web", description="LPT residents' reply pages")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})")
    parser.add_argument("--address", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--xheaders", action="store_true",
                        help="behind a proxy: take the client address from X-Real-IP / X-Forwarded-For")
    args = parser.parse_args(argv)
    from lpt.store import open_store

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    engine = open_store()

    async def serve() -> None:
        make_app(engine).listen(args.port, args.address, xheaders=args.xheaders)
        _LOG.info("residents' pages on http://%s:%d/ (links start %s)", args.address, args.port, settings.reply_url())
        await asyncio.Event().wait()

    asyncio.run(serve())
    return 0


# --- handlers ---------------------------------------------------------------------


class _Page(tornado.web.RequestHandler):
    """Security headers, rate limits and plain pages shared by every route."""

    def initialize(self, engine: Engine, pool: ThreadPoolExecutor, by_address: TokenBucket, by_link: TokenBucket) -> None:
        self.engine, self.pool, self.by_address, self.by_link = engine, pool, by_address, by_link
        self._counted = False
        self._wait = 0.0

    def set_default_headers(self) -> None:
        self.clear_header("Server")
        for name, value in _HEADERS.items():
            self.set_header(name, value)

    def prepare(self) -> None:
        self._limit()

    def check_xsrf_cookie(self) -> None:
        """Tornado checks POSTs here, before :meth:`prepare`: count the request first, so refused
        forms are limited too; a mail program's one-click unsubscribe carries no cookie."""
        self._limit()
        if not self._one_click():
            super().check_xsrf_cookie()

    def _one_click(self) -> bool:
        return False

    def _limit(self) -> None:
        """Count the request against its address (and a POST against its link); 429 when one is used up."""
        if self._counted:
            return
        self._counted = True
        wait = self.by_address.take(self.request.remote_ip or "-")
        if not wait and self.request.method == "POST" and self.path_args:
            wait = self.by_link.take(token_hash(self.path_args[0]))
        if wait:
            self._wait = wait
            raise tornado.web.HTTPError(429)

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        title, text = _ERRORS.get(status_code, ("Something went wrong", "Please try again later."))
        if status_code == 429:
            self.set_header("Retry-After", str(max(1, round(self._wait))))
        self.finish(_html(title, f"<p>{html.escape(text)}</p>"))

    def show(self, title: str, body: str, status: int = 200) -> None:
        self.set_status(status)
        self.finish(_html(title, body))

    async def store(self, work: Callable[..., Any], *args: Any) -> Any:
        """Run store work in the pool; a bad link is the one 404 page."""
        try:
            return await asyncio.get_running_loop().run_in_executor(self.pool, lambda: work(self.engine, *args))
        except PermissionDenied:
            raise tornado.web.HTTPError(404) from None


class _Home(_Page):
    def get(self) -> None:
        self.show("Messages from your local police",
                  "<p>The links in our messages open here: to reply, to answer a survey or to stop the messages.</p>")


class _NotFound(_Page):
    def prepare(self) -> None:
        super().prepare()
        raise tornado.web.HTTPError(404)


class _Link(_Page):
    """A link's page: GET checks the link and shows the form, POST checks it again and stores what the
    resident sent (a form the resident must mend is shown again with their values, the link unused)."""

    purpose: ClassVar[str]
    title: ClassVar[str]
    done: ClassVar[tuple[str, str]]  # the page after a submission: title, body

    async def get(self, token: str) -> None:
        await self.store(open_link, token, self.purpose)
        self.form()

    async def post(self, token: str) -> None:
        await self.store(open_link, token, self.purpose)
        try:
            await self.store(self.submit, token, self._fields())
        except FormError as problem:
            self.form(error=str(problem), values=self._fields(), status=400)
            return
        self.show(*self.done)

    def _fields(self) -> dict[str, str]:
        return {name: self.get_body_argument(name, "") for name in self.request.body_arguments}

    def form(self, *, error: str | None = None, values: Mapping[str, str] | None = None, status: int = 200) -> None:
        problem = f'<p class="error" role="alert">{html.escape(error)}</p>' if error else ""
        self.show(self.title, problem + f'<form method="post">{self.xsrf_form_html()}{self.fields(values or {})}</form>', status)

    def fields(self, values: Mapping[str, str]) -> str:
        """The form's fields (inside the form, after the xsrf field), filled with ``values``."""
        raise NotImplementedError

    @staticmethod
    def submit(engine: Engine, token: str, form: Mapping[str, str]) -> None:
        """Store a submitted ``form``; FormError for the resident to mend it."""
        raise NotImplementedError


class _Reply(_Link):
    purpose, title = "reply", "Reply to our message"
    done = ("Thank you", "<p>Your reply has reached the officer who sent the message.</p>")

    def fields(self, values: Mapping[str, str]) -> str:
        return (
            "<p>Write to the officer who sent you the message. Please do not include details of a crime in "
            "progress: in an emergency call 999, otherwise 101.</p>"
            f'<label for="body">Your reply</label><textarea id="body" name="body" maxlength="{MAX_TEXT}" required>'
            f'{html.escape(values.get("body", ""))}</textarea><button type="submit">Send my reply</button>'
        )

    @staticmethod
    def submit(engine: Engine, token: str, form: Mapping[str, str]) -> None:
        store_reply(engine, token, form.get("body", ""))


class _Survey(_Link):
    purpose, title = "survey", "Your say on policing where you live"
    done = ("Thank you", "<p>Your answers are in. They help decide where officers focus.</p>")

    def fields(self, values: Mapping[str, str]) -> str:
        parts = [_scale(question, text, values.get(question, "")) for question, text in QUESTIONS.items()]
        parts.append(
            "<fieldset><legend>What should police focus on where you live? Choose up to three, most important first.</legend>"
            + "".join(_choice(f"priority_{i}", label, values.get(f"priority_{i}", ""))
                      for i, label in ((1, "First"), (2, "Second"), (3, "Third")))
            + "</fieldset>"
        )
        parts.append(
            f'<label for="concern">Anything else that worries you where you live? (optional)</label>'
            f'<textarea id="concern" name="concern" maxlength="{MAX_TEXT}">{html.escape(values.get("concern", ""))}</textarea>'
            '<button type="submit">Send my answers</button>'
        )
        return "".join(parts)

    @staticmethod
    def submit(engine: Engine, token: str, form: Mapping[str, str]) -> None:
        store_survey(engine, token, SurveyAnswer.from_form(form))


class _Unsubscribe(_Link):
    purpose, title = "unsubscribe", "Stop messages from your local police"
    done = ("You are unsubscribed", "<p>You will get no more messages from us. Thank you for having taken part.</p>")

    def _one_click(self) -> bool:
        """RFC 8058: a mail program's unsubscribe button posts ``List-Unsubscribe=One-Click``."""
        return self.get_body_argument("List-Unsubscribe", None) == "One-Click"

    def fields(self, values: Mapping[str, str]) -> str:
        return ("<p>You will get no more messages or surveys from us, starting now.</p>"
                '<button type="submit">Stop all messages</button>')

    @staticmethod
    def submit(engine: Engine, token: str, form: Mapping[str, str]) -> None:
        unsubscribe(engine, token)


# --- page parts -------------------------------------------------------------------


def _html(title: str, body: str) -> str:
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title><style>{_CSS}</style></head>"
        f"<body><main><h1>{html.escape(title)}</h1>{body}</main></body></html>"
    )


def _scale(name: str, question: str, chosen: str) -> str:
    """One 1-5 question as radio buttons."""
    buttons = "".join(
        f'<label><input type="radio" name="{name}" value="{n}" required{" checked" if chosen == str(n) else ""}> {n}</label>'
        for n in range(1, 6)
    )
    return (f'<fieldset class="scale"><legend>{html.escape(question)}</legend>{buttons}'
            "<p>1: not at all, 5: completely</p></fieldset>")


def _choice(name: str, label: str, chosen: str) -> str:
    """One priority as a drop-down of the survey's topics."""
    options = "".join(
        f'<option value="{topic}"{" selected" if chosen == topic else ""}>{html.escape(TOPIC_LABELS[topic].capitalize())}</option>'
        for topic in TOPICS
    )
    return f'<label>{label} <select name="{name}"><option value="">(none)</option>{options}</select></label>'


def _log(handler: tornado.web.RequestHandler) -> None:
    """The access log without tokens (a logged token would be a working link) or client addresses."""
    path = _TOKEN_PATH.sub(r"/\1/…", handler.request.path)
    status = handler.get_status()
    level = logging.INFO if status < 400 else logging.WARNING if status < 500 else logging.ERROR
    _LOG.log(level, "%d %s %s %.0fms", status, handler.request.method, path, 1000 * handler.request.request_time())


if __name__ == "__main__":
    sys.exit(main())
