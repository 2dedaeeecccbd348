"""The messages app: tell residents what the data shows and what police did, and read their replies.

``notebooks/apps/messages.ipynb`` is a few lines, like the officer app: :func:`messages_app` once
the request's signed link says who is asking. Everything goes through lpt.messaging as that
user, so audiences are limited to their areas, force- and district-wide messages wait for a
supervisor, the frequency caps hold, and the app only ever sees counts and texts (never a
resident's name or address).

Tabs:

* **Compose**: the audience (one of the user's wards or districts, or the force; optionally only
  a group or those who named a topic), subject and text with figures such as ``{top_concern}``.
  *Prepare* stores the message with its figures filled in and shows who it would reach after
  opt-outs and caps, and the text as residents will read it; *Send* sends it, or says it waits
  for a supervisor's approval.
* **Approvals**: messages awaiting approval in the user's areas (supervisors approve or reject).
* **Sent**: the user's messages with their delivery counts and engagement.
* **Replies**: residents' replies to the user's (or their team's) messages, answered from here.
"""

from __future__ import annotations

import html
from typing import Any

import ipywidgets as widgets
import pandas as pd
from sqlalchemy import Engine

from lpt.access.guard import User, covered_wards
from lpt.apps.session import app_page
from lpt.apps.widgets import message, status_line, tabbed_page, table_html
from lpt.errors import LPTError
from lpt.messaging.audience import AudienceSpec
from lpt.messaging.figures import FIGURES
from lpt.messaging.send import approve, compose, messages_of, preview, reject, send
from lpt.messaging.transport import Transport, transport_from_settings
from lpt.replies.engagement import answer_reply, engagement, replies_of
from lpt.store.queries import boundaries
from lpt.vocab import GROUPS, TOPIC_LABELS

__all__ = ["MessagesApp", "messages_app"]

_PURPOSE = "messages app"


def messages_app(engine: Engine, query: str) -> widgets.Widget:
    """The app for the user of the link whose query string is ``query``, or a page saying why not."""
    return app_page(engine, query, "messages", "LPT messages", lambda e, user: MessagesApp(e, user).widget)


class MessagesApp:
    """The messages app for ``caller``; :attr:`widget` is what Voila shows. Methods are what the
    controls do, so tests drive it without a browser."""

    def __init__(self, engine: Engine, caller: User, transport: Transport | None = None) -> None:
        self.engine, self.caller = engine, caller
        self.transport = transport or transport_from_settings()
        self.prepared: int | None = None
        self.widget = self._build()

    # --- the controls' work -------------------------------------------------------

    def spec(self) -> AudienceSpec:
        """The audience the Compose controls describe."""
        level, code = self.area.value
        filters = {"group": self.group.value or None, "topic": self.topic.value or None}
        return AudienceSpec(level, codes=(code,) if code else (), **filters)

    def prepare(self) -> None:
        """Store the message (figures filled in) and show its audience and text."""
        try:
            self.prepared = compose(self.engine, self.caller, self.spec(), self.subject.value, self.body.value,
                                    purpose=_PURPOSE)
            shown = preview(self.engine, self.caller, self.prepared, purpose=_PURPOSE)
        except LPTError as exc:
            self.prepared = None
            self.preview.value = message(str(exc), "error")
            self.send_button.disabled = True
            return
        counts = pd.DataFrame({"residents": [
            "Would receive it now", "Opted out (never sent)", "At a frequency cap (held back)", "No e-mail address",
            "Address suspended after bounces", "In the audience",
        ], "number": [_count(shown.will_receive), _count(shown.opted_out), _count(shown.at_cap),
                      _count(shown.no_address), _count(shown.suspended), _count(shown.matched)]})
        waits = shown.status == "awaiting_approval"
        self.preview.value = (
            f"<h4>Who it reaches</h4>{table_html(counts)}"
            + (message("A force- or district-wide message goes only after a supervisor approves it.") if waits else "")
            + f"<h4>What residents will read</h4><pre class='lpt-letter'>{html.escape(shown.text)}</pre>")
        self.send_button.description = "Ask for approval" if waits else "Send"
        self.send_button.disabled = False

    def send_prepared(self) -> None:
        """Send the prepared message, or leave it with the supervisors when it needs approval."""
        if self.prepared is None:
            return
        message_id, self.prepared = self.prepared, None
        self.send_button.disabled = True
        try:
            report = send(self.engine, self.caller, message_id, self.transport, purpose=_PURPOSE)
        except LPTError as exc:
            waits = "approval" in str(exc)
            self.status.value = (message(f"Message {message_id} waits for a supervisor's approval.", "ok") if waits
                                 else message(str(exc), "error"))
            self.refresh()
            return
        self.status.value = message(
            f"Message {message_id} sent: {_count(report.delivered.sent)} delivered, {_count(report.held)} held back "
            f"by the frequency caps.", "ok")
        self.refresh()

    def decide(self, message_id: int, approved: bool) -> None:
        """Approve or reject (with the reason in the box) a message awaiting approval."""
        try:
            if approved:
                approve(self.engine, self.caller, message_id, purpose=_PURPOSE)
            else:
                reject(self.engine, self.caller, message_id, reason=self.reason.value, purpose=_PURPOSE)
        except LPTError as exc:
            self.status.value = message(str(exc), "error")
            return
        self.status.value = message(f"Message {message_id} {'approved' if approved else 'rejected'}.", "ok")
        self.reason.value = ""
        self.refresh()

    def refresh(self) -> None:
        """Read the messages (and their counts) again."""
        listed = messages_of(self.engine, self.caller, purpose=_PURPOSE)
        waiting = listed[listed["status"] == "awaiting_approval"]
        self.approvals.children = [self._approval_row(row) for row in waiting.itertuples()] or [
            widgets.HTML(message("No message is waiting for approval in your areas."))]
        columns = ["id", "subject", "audience", "status", "author", "sent_at", "sent", "held", "bounced", "failed"]
        self.sent.value = table_html(listed[columns], empty="No messages yet.")
        shown = engagement(self.engine, self.caller, by="message", purpose=_PURPOSE)
        self.engagement.value = "<h4>Engagement</h4>" + table_html(shown, empty="Nothing sent yet.")
        found = replies_of(self.engine, self.caller, purpose=_PURPOSE)
        self.replies.children = [self._reply_row(row) for row in found.itertuples()] or [
            widgets.HTML(message("No replies yet."))]

    def answer(self, reply_id: int, text: str) -> None:
        """Answer a resident's reply (sent to them by e-mail; LPT never shows their address)."""
        try:
            answer_reply(self.engine, self.caller, reply_id, text, self.transport, purpose=_PURPOSE)
        except LPTError as exc:
            self.status.value = message(str(exc), "error")
            return
        self.status.value = message(f"Answer to reply {reply_id} sent.", "ok")
        self.refresh()

    # --- building the page ----------------------------------------------------------

    def _build(self) -> widgets.Widget:
        self.status = status_line()
        self.approvals = widgets.VBox()
        self.reason = widgets.Text(placeholder="Reason (needed to reject)", layout=widgets.Layout(width="95%"))
        self.sent = widgets.HTML()
        self.sent.add_class("lpt-sent")
        self.engagement = widgets.HTML()
        self.replies = widgets.VBox()
        self.replies.add_class("lpt-replies")
        buttons = []
        for _ in range(2):
            refresh = widgets.Button(description="Refresh", layout=widgets.Layout(width="auto"))
            refresh.on_click(lambda _: self.refresh())
            buttons.append(refresh)
        page, _ = tabbed_page("Messages to residents", f"{self.caller.name} ({self.caller.role})", self.status, {
            "Compose": self._compose_tab(), "Approvals": widgets.VBox([self.reason, self.approvals]),
            "Sent": widgets.VBox([buttons[0], self.sent, self.engagement]),
            "Replies": widgets.VBox([buttons[1], self.replies])})
        self.refresh()
        return page

    def _compose_tab(self) -> widgets.Widget:
        full = widgets.Layout(width="95%")
        self.area = widgets.Dropdown(options=self._areas(), description="Audience", layout=full)
        self.group = widgets.Dropdown(options=[("Everyone there", "")] + [(g.replace("_", " "), g) for g in GROUPS],
                                      description="Only", layout=full)
        self.topic = widgets.Dropdown(options=[("Any priority", "")] + [(label, t) for t, label in TOPIC_LABELS.items()],
                                      description="Who named", layout=full)
        self.subject = widgets.Text(placeholder="Subject", layout=full)
        self.subject.add_class("lpt-subject")
        self.body = widgets.Textarea(placeholder="What the data shows and what police did …",
                                     layout=widgets.Layout(width="95%", height="140px"))
        self.body.add_class("lpt-body")
        figures = ", ".join("{" + f + "}" for f in FIGURES)
        hint = widgets.HTML(message(f"Figures you may use (filled in with public, disclosure-controlled numbers): {figures}"))
        prepare = widgets.Button(description="Prepare", button_style="info", layout=widgets.Layout(width="auto"))
        prepare.on_click(lambda _: self.prepare())
        self.send_button = widgets.Button(description="Send", button_style="primary", disabled=True,
                                          layout=widgets.Layout(width="auto"))
        self.send_button.on_click(lambda _: self.send_prepared())
        self.preview = widgets.HTML()
        self.preview.add_class("lpt-preview")
        return widgets.VBox([self.area, self.group, self.topic, self.subject, self.body, hint,
                             widgets.HBox([prepare, self.send_button], layout=widgets.Layout(flex_flow="row wrap")),
                             self.preview])

    def _areas(self) -> list[tuple[str, tuple[str, str]]]:
        """The audiences the user may address: each ward they cover, each district they cover, the force."""
        options: list[tuple[str, tuple[str, str]]] = []
        districts = [code for level, code in self.caller.areas if level == "district"]
        wards = sorted(covered_wards(self.engine, self.caller))
        names = boundaries(self.engine, "ward_boundaries", wards)
        named = dict(zip(names["code"], names["name"]))
        options += [(f"Ward: {named.get(w, w)}", ("ward", w)) for w in wards]
        options += [(f"District: {d}", ("district", d)) for d in districts]
        options += [("The whole force", ("force", code)) for level, code in self.caller.areas if level == "force"]
        return options

    def _reply_row(self, row: Any) -> widgets.Widget:
        text = widgets.HTML(_reply_text(row))
        box = widgets.Textarea(placeholder="Your answer (sent to the resident by e-mail)",
                               layout=widgets.Layout(width="95%", height="60px"))
        send_answer = widgets.Button(description="Answer", layout=widgets.Layout(width="auto"))
        send_answer.on_click(lambda _, i=int(row.id): self.answer(i, box.value))
        return widgets.VBox([text, box, send_answer])

    def _approval_row(self, row: Any) -> widgets.Widget:
        text = widgets.HTML(f"<b>{row.id}. {html.escape(str(row.subject))}</b> <span class='lpt-note'>"
                            f"({html.escape(str(row.audience))}; by {html.escape(str(row.author))})</span>")
        yes = widgets.Button(description="Approve", button_style="success", layout=widgets.Layout(width="auto"))
        no = widgets.Button(description="Reject", layout=widgets.Layout(width="auto"))
        yes.on_click(lambda _, i=int(row.id): self.decide(i, True))
        no.on_click(lambda _, i=int(row.id): self.decide(i, False))
        return widgets.VBox([text, widgets.HBox([yes, no])])


def _reply_text(row: Any) -> str:
    answered = (f"<div class='lpt-note'>Answered by {html.escape(str(row.answered_by))}: "
                f"{html.escape(str(row.answer))}</div>") if isinstance(row.answer, str) and row.answer else ""
    return (f"<b>Reply {row.id}</b> to message {row.message_id} ({html.escape(str(row.subject))}), "
            f"{html.escape(str(row.received_at))[:16]}:<blockquote>{html.escape(str(row.body))}</blockquote>{answered}")


def _count(value: int | None) -> str:
    """A count as staff may see it (None: hidden by disclosure control, below 5)."""
    return "fewer than 5" if value is None else f"{value:,}"
