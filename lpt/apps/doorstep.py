"""The doorstep app: the doors of a setup in walking order, and a call recorded in a few taps on a phone.

``notebooks/apps/doorstep.ipynb`` is a few lines like the other apps. Everything goes through
lpt.setups as the officer of the link: the doors of their wards only, the hiding rules ("not in"
until 18:00 Europe/London, registered and declined doors unless the setup revisits them), a call
recorded with its outcome, an optional doorstep survey and, with the resident's consent, their
registration. The reminder never to tell a resident their address is a priority stays on screen.

The clock is a parameter (``clock``), so tests fix it; the app itself uses the real one.
"""

from __future__ import annotations

import base64
import html
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import ipywidgets as widgets
import pandas as pd
from ipyleaflet import GeoJSON
from sqlalchemy import Engine

from lpt.access.guard import User
from lpt.apps.maps import base_map, point_layer, view_of
from lpt.apps.session import app_page
from lpt.apps.widgets import STYLE, message
from lpt.errors import LPTError
from lpt.setups.model import local_day
from lpt.setups.selection import priority_addresses
from lpt.setups.visits import recent_visits, record_visit
from lpt.setups.walklist import REMINDER, walk_list, walk_list_html, walk_list_pdf
from lpt.vocab import QUESTIONS, TOPIC_LABELS

__all__ = ["OUTCOME_LABELS", "DoorstepApp", "doorstep_app"]

_PURPOSE = "doorstep app"
OUTCOME_LABELS = {
    "spoke_registered": "Spoke: registered",
    "spoke_not_registered": "Spoke: not registered",
    "declined": "Declined",
    "not_in": "Not in",
    "no_access": "No access",
}
"""Outcome codes (lpt.setups.model.OUTCOMES) as the officer reads them."""
_COLOURS = {"spoke_registered": "#1b5e20", "spoke_not_registered": "#43a047", "declined": "#b71c1c",
            "not_in": "#f9a825", "no_access": "#6d4c41"}


def doorstep_app(engine: Engine, query: str) -> widgets.Widget:
    """The app for the user of the link whose query string is ``query``, or a page saying why not."""
    return app_page(engine, query, "doorstep", "LPT doorstep", lambda e, user: DoorstepApp(e, user).widget)


class DoorstepApp:
    """The doorstep app for ``caller``; :attr:`widget` is what Voila shows. Methods are what the
    controls do, so tests drive it without a browser."""

    def __init__(self, engine: Engine, caller: User, *, clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        from lpt.setups.model import setups_of

        self.engine, self.caller, self.clock = engine, caller, clock
        listed = setups_of(engine, caller, purpose=_PURPOSE)
        today = local_day(clock())
        self.setups = listed[(listed["status"] == "active") & (listed["starts_on"] <= today)
                             & (listed["ends_on"].isna() | (listed["ends_on"] >= today))]
        if self.setups.empty:
            raise LPTError("no door-knocking setup is open in your areas today: ask your supervisor")
        self.doors = pd.DataFrame()
        self.widget = self._build()
        self.load()

    # --- the controls' work -------------------------------------------------------

    def load(self) -> None:
        """Read the setup's doors (and colleagues' calls of the last 30 minutes) as of now."""
        now = self.clock()
        found = priority_addresses(self.engine, self.caller, self.setup.value, on=now, show_hidden=self.show_hidden.value,
                                   purpose=_PURPOSE)
        shown = walk_list(found[~found["hidden"]])
        self.doors = pd.concat([shown, found[found["hidden"]]], ignore_index=True) if self.show_hidden.value else shown
        self.door_list.options = [(self._label(row), row["address_id"]) for _, row in self.doors.iterrows()]
        self.door_list.value = None
        self.count.value = message(f"{len(shown)} doors to knock" + (
            f", {int(found['hidden'].sum())} hidden" if self.show_hidden.value else ""))
        recent = recent_visits(self.engine, self.caller, self.setup.value, on=now, purpose=_PURPOSE)
        self._show_points(shown, recent)

    def record(self) -> None:
        """Record a call at the chosen door with the chosen outcome (and survey and consent when given)."""
        address = self.door_list.value
        if not address:
            self.status.value = message("Choose a door first.", "error")
            return
        outcome = self.outcome.value
        consent = {k: w.value.strip() for k, w in self.consent_fields.items() if w.value.strip()} or None
        survey = {q: w.value for q, w in self.survey_fields.items() if w.value} or None
        if self.priority.value:
            survey = {**(survey or {}), "priorities": [self.priority.value]}
        try:
            record_visit(self.engine, self.caller, self.setup.value, address, outcome, at=self.clock(),
                         survey=survey if outcome.startswith("spoke") else None,
                         consent=consent if outcome == "spoke_registered" else None, purpose=_PURPOSE)
        except LPTError as exc:
            self.status.value = message(str(exc), "error")
            return
        door = self.doors.loc[self.doors["address_id"] == address].iloc[0]
        self.status.value = message(f"Recorded: {OUTCOME_LABELS[outcome]} at {_address(door)}.", "ok")
        for text in self.consent_fields.values():
            text.value = ""
        for answer in self.survey_fields.values():
            answer.value = None
        self.priority.value = ""
        self.load()

    def walk_list_link(self) -> None:
        """A PDF of the walk list to download and print (for streets with poor signal)."""
        name = self.setups.loc[self.setups["setup_id"] == self.setup.value, "name"].iloc[0]
        shown = self.doors[~self.doors["hidden"]] if "hidden" in self.doors else self.doors
        try:
            with tempfile.TemporaryDirectory() as folder:
                pdf = walk_list_pdf(walk_list_html(name, shown), Path(folder) / "walk-list.pdf").read_bytes()
        except LPTError as exc:
            self.pdf_link.value = message(str(exc), "error")
            return
        data = base64.b64encode(pdf).decode()
        self.pdf_link.value = (f"<a download='walk-list.pdf' href='data:application/pdf;base64,{data}'>"
                               f"Download the walk list (PDF, {len(shown)} doors)</a>")

    # --- building the page ----------------------------------------------------------

    def _build(self) -> widgets.Widget:
        full = widgets.Layout(width="95%")
        header = widgets.HTML(f"<h2 style='margin:4px 0'>Doorstep</h2><p class='lpt-error'>{html.escape(REMINDER)}</p>")
        header.add_class("lpt-reminder")
        self.setup = widgets.Dropdown(options=[(row.name, int(row.setup_id)) for row in self.setups.itertuples()],
                                      description="Setup", layout=full)
        self.setup.observe(lambda _: self.load(), "value")
        self.show_hidden = widgets.Checkbox(description="Show hidden doors (registered, declined, not in)", indent=False)
        self.show_hidden.observe(lambda _: self.load(), "value")
        self.count = widgets.HTML()
        self.door_list = widgets.Select(options=[], rows=8, layout=full)
        self.door_list.add_class("lpt-doors")
        self.map = base_map(None)
        self.map.layout = widgets.Layout(height="260px", width="100%")
        self.layer: GeoJSON | None = None
        self.outcome = widgets.ToggleButtons(options=[(label, code) for code, label in OUTCOME_LABELS.items()],
                                             value="not_in", style={"button_width": "auto"})
        self.outcome.add_class("lpt-outcome")
        self.consent_fields = {f: widgets.Text(placeholder=f.replace("_", " ").capitalize(), layout=full)
                               for f in ("first_name", "last_name", "email", "phone")}
        consent = widgets.VBox([widgets.HTML("<b>Consent to register</b> (Spoke: registered)"),
                                *self.consent_fields.values()])
        self.survey_fields = {q: widgets.Dropdown(options=[("—", None)] + [(str(i), i) for i in range(1, 6)],
                                                  description=q.replace("_", " "), style={"description_width": "initial"})
                              for q in QUESTIONS}
        self.priority = widgets.Dropdown(options=[("—", "")] + [(label, t) for t, label in TOPIC_LABELS.items()],
                                         description="top priority", style={"description_width": "initial"})
        survey = widgets.Accordion(children=[widgets.VBox([*self.survey_fields.values(), self.priority])])
        survey.set_title(0, "Doorstep survey (optional, 1 = strongly disagree, 5 = strongly agree)")
        survey.selected_index = None
        record = widgets.Button(description="Record visit", button_style="primary", layout=widgets.Layout(width="auto"))
        record.on_click(lambda _: self.record())
        self.status = widgets.HTML()
        self.status.add_class("lpt-status")
        pdf = widgets.Button(description="Walk list (PDF)", layout=widgets.Layout(width="auto"))
        pdf.on_click(lambda _: self.walk_list_link())
        self.pdf_link = widgets.HTML()
        root = widgets.VBox([STYLE, header, self.setup, self.show_hidden, self.count, self.door_list, self.outcome,
                             consent, survey, record, self.status, self.map,
                             widgets.HTML("<span class='lpt-note'>Dots: doors to knock (grey) and colleagues' calls of the "
                                          "last 30 minutes (coloured by outcome).</span>"), pdf, self.pdf_link],
                            layout=widgets.Layout(padding="4px", width="100%", max_width="720px"))
        root.add_class("lpt-app")
        root.add_class("lpt-ready")
        return root

    def _show_points(self, doors: pd.DataFrame, recent: pd.DataFrame) -> None:
        points = pd.concat([
            doors[["longitude", "latitude"]].assign(kind="door", colour="#9e9e9e"),
            recent[["longitude", "latitude", "outcome"]].assign(kind=recent["outcome"].map(OUTCOME_LABELS),
                                                                colour=recent["outcome"].map(_COLOURS)),
        ], ignore_index=True).dropna(subset=["longitude", "latitude"])
        if self.layer is not None and self.layer in self.map.layers:
            self.map.remove(self.layer)
        self.layer = point_layer(points, ["kind"], points["colour"].tolist(), radius=5, name="doors")
        self.map.add(self.layer)
        if len(points):
            self.map.center, self.map.zoom = view_of((points["longitude"].min(), points["latitude"].min(),
                                                      points["longitude"].max(), points["latitude"].max()), width_px=360)

    @staticmethod
    def _label(row: pd.Series) -> str:
        hidden = f" — hidden: {row['hidden_reason']}" if row.get("hidden") else ""
        last = OUTCOME_LABELS.get(row.get("last_outcome"), "") if isinstance(row.get("last_outcome"), str) else ""
        return f"{_address(row)} ({row['postcode']})" + (f" — last: {last}" if last and not hidden else "") + hidden


def _address(row: pd.Series) -> str:
    number = row.get("house_number") if isinstance(row.get("house_number"), str) and row.get("house_number") else ""
    name = row.get("house_name") if isinstance(row.get("house_name"), str) and row.get("house_name") else ""
    return " ".join(part for part in (name, number, str(row["street"])) if part)
