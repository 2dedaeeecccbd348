"""Who is using an app: the signed token of the user's personal link, checked in the app's kernel.

Officers open an app from a link (``lpt users link USER --app officer``); Voila passes the link's
query string to the preheated kernel, which verifies the token (lpt.access.tokens) and acts as
that user from then on: every read still goes through the access layer with that user.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import parse_qs, urlencode

import ipywidgets as widgets
from sqlalchemy import Engine

from lpt import settings
from lpt.access.guard import PermissionDenied, User
from lpt.access.tokens import issue_app_token, verify_app_token
from lpt.access.users import get_user
from lpt.errors import LPTError

__all__ = ["APPS", "app_caller", "app_link", "app_page", "query_string"]

APPS = ("officer", "messages", "doorstep", "setups", "supervisor")
"""The apps ``lpt serve`` serves (``notebooks/apps/<name>.ipynb``) and links can be issued for."""


def query_string() -> str:
    """The query string of the request that opened this app. In a preheated Voila kernel this waits
    for the request (voila.utils.get_query_string); elsewhere it is the ``QUERY_STRING`` Voila sets."""
    from voila.utils import get_query_string

    return get_query_string() or ""


def app_caller(engine: Engine, app: str, query: str) -> User:
    """The active LPT user whose valid link for ``app`` carries ``query``; PermissionDenied otherwise
    (no token, tampered, expired, another app's link, an unknown or disabled user)."""
    token = parse_qs(query.lstrip("?")).get("token", [""])[0]
    if not token:
        raise PermissionDenied("open this app from your personal link: it carries your access token")
    user = get_user(engine, verify_app_token(token, app, settings.secret_key()))
    if not user.active:
        raise PermissionDenied("the account of this app link is disabled")
    return user


def app_link(user_id: str, app: str = "officer") -> str:
    """The personal link that opens ``app`` as ``user_id`` (valid for one shift; see lpt.access.tokens)."""
    if app not in APPS:
        raise LPTError(f"unknown app {app!r}: one of {', '.join(APPS)}")
    token = issue_app_token(user_id, app, settings.secret_key())
    return f"{settings.app_url()}/voila/render/{app}.ipynb?{urlencode({'token': token})}"


def app_page(engine: Engine, query: str, app: str, title: str, build: Callable[[Engine, User], widgets.Widget]) -> widgets.Widget:
    """What Voila shows for ``app``: ``build(engine, user)`` for the user of the link whose query string is
    ``query``, or a page titled ``title`` saying in words why not (a bad link, no data yet...)."""
    from lpt.apps.widgets import STYLE, message

    try:
        return build(engine, app_caller(engine, app, query))
    except LPTError as exc:
        page = widgets.HTML(f"<h2>{title}</h2>{message(str(exc), 'error')}")
        page.add_class("lpt-refused")
        return widgets.VBox([STYLE, page], layout=widgets.Layout(padding="8px")).add_class("lpt-app")
