"""The supervisor app: review the team's door-knocking, actions and shared priorities, and sign work off.

Supervisors turn insight into action by following it up. ``notebooks/apps/supervisor.ipynb`` is a few
lines like the other apps; three tabs:

* **Setups**: every setup of the supervisor's team, active and archived, with its totals and where it
  stands against its plan (lpt.setups.progress.team_progress); choosing one shows households visited,
  spoken to and registered week by week against the plan line, and the figures per officer and ward.
* **Actions**: the action record of the supervisor's wards: counts by status per ward and per month
  (lpt.priorities.review.action_summary) and the actions themselves, filtered by status; choosing one
  shows its street, reasons, what became of it and its comment thread; the supervisor comments and
  signs off done actions (lpt.priorities.lifecycle.sign_off: not their own, once).
* **Shared priorities**: the streets the team shared, with who, when, why and the open actions there.

Only users who may review actions (supervisors) open it; everything goes through the access layer as
that user. The clock is a parameter (``clock``), so tests fix the day progress is counted to.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from datetime import UTC, datetime

import ipywidgets as widgets
import pandas as pd
from sqlalchemy import Engine

from lpt.access.guard import User, authorize, covered_wards
from lpt.apps.session import app_page
from lpt.apps.widgets import line_chart_svg, message, status_line, tabbed_page, table_html
from lpt.errors import LPTError
from lpt.priorities.lifecycle import actions_of, sign_off
from lpt.priorities.review import action_summary, comment, comments_of
from lpt.priorities.sharing import team_shares
from lpt.reports.content import HIDDEN
from lpt.setups.progress import SetupProgress, team_progress
from lpt.store.queries import boundaries

__all__ = ["FILTERS", "SupervisorApp", "supervisor_app"]

_PURPOSE = "supervisor app"
FILTERS = {
    "to_sign": "Done, to sign off",
    "open": "Open (proposed or accepted)",
    "dismissed": "Dismissed",
    "signed": "Signed off",
    "all": "All",
}
"""The action list's filters: code → label."""
_WEEKS = 26  # weeks a progress chart shows (a long setup's latest half year)
_HEADINGS = {"starts_on": "starts", "ends_on": "ends", "spoken_to": "spoken to", "plan_status": "against plan",
             "officer_name": "officer", "signed_off": "signed off"}


def supervisor_app(engine: Engine, query: str) -> widgets.Widget:
    """The app for the user of the link whose query string is ``query``, or a page saying why not."""
    return app_page(engine, query, "supervisor", "LPT supervisor app", lambda e, user: SupervisorApp(e, user).widget)


class SupervisorApp:
    """The supervisor app for ``caller``; :attr:`widget` is what Voila shows. Methods are what the controls
    do, so tests drive it without a browser."""

    def __init__(self, engine: Engine, caller: User, *, clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        authorize(engine, caller, "review_actions", purpose=_PURPOSE)  # supervisors only: a refusal page otherwise
        self.engine, self.caller, self.clock = engine, caller, clock
        shapes = boundaries(engine, "ward_boundaries", sorted(covered_wards(engine, caller)))
        self.ward_names = dict(zip(shapes["code"], shapes["name"]))
        self.actions = pd.DataFrame()
        self.progress: dict[int, SetupProgress] = {}
        self.widget = self._build()
        self.show_setups()
        self.show_actions()
        self.show_shares()

    # --- the controls' work -------------------------------------------------------

    def show_setups(self) -> None:
        """The team's setups with their totals and plan status, and its officers across them."""
        if self.caller.team_id is None:
            self.setups_table.value = message("You are in no team: ask an admin to add you to yours.")
            return
        team = team_progress(self.engine, self.caller, on=self.clock(), purpose=_PURPOSE)
        self.progress = team.details  # each setup's progress, shown when chosen without counting again
        listed = team.setups
        self.setup_choice.options = [(f"{row.name} ({row.status})", int(row.setup_id)) for row in listed.itertuples()]
        self.setup_choice.value = None
        self.show_setup(None)
        shown = listed.assign(**{m: _counts(listed[m]) for m in ("targeted", "visited", "spoken_to", "registered")},
                              ends_on=listed["ends_on"].map(lambda day: "" if pd.isna(day) else str(day)))
        self.setups_table.value = table_html(
            shown[["name", "status", "starts_on", "ends_on", "targeted", "visited", "spoken_to", "registered",
                   "plan_status"]].rename(columns=_HEADINGS), empty="Your team has no setups yet: create one in the setups app.")
        officers = team.by_officer.assign(**{c: _counts(team.by_officer[c]) for c in ("visits", "spoken_to", "registered")})
        self.officers_table.value = "<h4>Officers across the team's setups</h4>" + table_html(
            officers[["officer_name", "setups", "visits", "spoken_to", "registered"]].rename(columns=_HEADINGS),
            empty="No calls yet.")

    def show_setup(self, setup_id: int | None) -> None:
        """One setup's progress against its plan, week by week, and per officer and ward."""
        if setup_id is None:
            self.setup_detail.value = message("Choose a setup to see its progress against plan.")
            return
        found = self.progress[setup_id]
        weeks = found.over_time.set_index("week_starting")[["visited", "spoken_to", "registered", "planned"]]
        weeks = weeks.rename(columns={"spoken_to": "spoken to", "planned": "plan"}).astype("Float64")
        title = "Households week by week (running totals" + (f", last {_WEEKS} weeks)" if len(weeks) > _WEEKS else ")")
        chart = line_chart_svg(weeks.tail(_WEEKS), title, dashed=("plan",))
        by_ward = found.by_ward.assign(ward=found.by_ward["ward_code"].map(lambda c: self.ward_names.get(c, c)))
        by_ward = by_ward.assign(**{m: _counts(by_ward[m]) for m in ("targeted", "visited", "spoken_to", "registered")})
        officers = found.by_officer.assign(**{c: _counts(found.by_officer[c]) for c in ("visits", "spoken_to", "registered")})
        self.setup_detail.value = (
            f"<h3 style='margin:6px 0'>{html.escape(found.setup.spec.name)}</h3>"
            f"<p>{html.escape(found.setup.spec.describe())}</p>{message(found.plan.sentence)}{chart}"
            "<h4>Per ward</h4>" + table_html(by_ward[["ward", "targeted", "visited", "spoken_to", "registered"]]
                                             .rename(columns=_HEADINGS))
            + "<h4>Per officer</h4>" + table_html(officers[["officer_name", "visits", "spoken_to", "registered"]]
                                                 .rename(columns=_HEADINGS), empty="No calls yet."))

    def show_actions(self) -> None:
        """The action record: counts per ward and month, and the actions of the chosen filter."""
        summary = action_summary(self.engine, self.caller, purpose=_PURPOSE)
        by_ward = summary.by_ward.assign(ward=summary.by_ward["ward_code"].map(lambda c: self.ward_names.get(c, c)))
        months = summary.by_month.groupby("month")[["created", "done", "signed_off"]].sum()
        chart = line_chart_svg(months.rename(columns=_HEADINGS), "Actions per month") if len(months) else ""
        self.summary.value = table_html(
            by_ward[["ward", "proposed", "accepted", "dismissed", "done", "signed_off"]].rename(columns=_HEADINGS),
            empty="No actions recorded yet.") + chart
        self.actions = actions_of(self.engine, self.caller, purpose=_PURPOSE).set_index("id", drop=False)
        self.filter_actions(self.action_filter.value)

    def filter_actions(self, which: str) -> None:
        """List the actions of one filter (:data:`FILTERS`)."""
        chosen = self.actions
        signed = chosen["signed_off_by"].notna()
        chosen = {"to_sign": chosen[(chosen["status"] == "done") & ~signed],
                  "open": chosen[chosen["status"].isin(["proposed", "accepted"])],
                  "dismissed": chosen[chosen["status"] == "dismissed"], "signed": chosen[signed],
                  "all": chosen}[which]
        self.action_list.options = [(self._action_label(row), int(row.id)) for row in chosen.itertuples()]
        self.action_list.value = None
        self.action_detail.value = message(f"{len(chosen)} action(s). Choose one to see it and its comments."
                                           if len(chosen) else "No actions here.")
        self.review_box.layout.display = "none"

    def show_action(self, action_id: int | None) -> None:
        """One action: its street, reasons, what became of it, its comments; sign-off when it is due."""
        if action_id is None:
            self.review_box.layout.display = "none"
            return
        row = self.actions.loc[action_id]
        thread = comments_of(self.engine, self.caller, [action_id], purpose=_PURPOSE)
        self.action_detail.value = _action_html(row, self.ward_names) + _thread_html(thread)
        self.review_box.layout.display = None
        due = row["status"] == "done" and pd.isna(row["signed_off_by"])
        self.sign_box.layout.display = None if due else "none"

    def add_comment(self) -> None:
        """Add the comment box's text to the chosen action's thread."""
        self._review(lambda action_id: comment(self.engine, self.caller, action_id, self.comment_text.value,
                                               purpose=_PURPOSE), self.comment_text, "Comment added to action {}.")

    def sign_off_chosen(self) -> None:
        """Sign off the chosen done action (with the note, if any)."""
        self._review(lambda action_id: sign_off(self.engine, self.caller, action_id,
                                                note=self.sign_note.value.strip() or None, purpose=_PURPOSE),
                     self.sign_note, "Action {} signed off.")

    def show_shares(self) -> None:
        """The streets the team shared as priorities."""
        if self.caller.team_id is None:
            self.shares.value = message("You are in no team: nothing is shared with you.")
            return
        shared = team_shares(self.engine, self.caller, purpose=_PURPOSE)
        shown = shared.assign(ward=shared["ward_code"].map(lambda c: self.ward_names.get(c, c)),
                              shared_at=pd.to_datetime(shared["shared_at"], utc=True).dt.strftime("%Y-%m-%d %H:%M"))
        self.shares.value = table_html(
            shown[["street_name", "ward", "shared_by_name", "shared_at", "note", "open_actions"]].rename(columns={
                "street_name": "street", "shared_by_name": "shared by", "shared_at": "when",
                "open_actions": "open actions"}), empty="Nothing shared yet: officers share streets from the officer app.")

    # --- building the page ----------------------------------------------------------

    def _build(self) -> widgets.Widget:
        team = f", team {self.caller.team_id}" if self.caller.team_id else ""
        self.status = status_line()
        page, _ = tabbed_page("Supervision", f"{self.caller.name} ({self.caller.role}{team})", self.status, {
            "Setups": self._setups_tab(), "Actions": self._actions_tab(), "Shared priorities": self._shares_tab()})
        return page

    def _setups_tab(self) -> widgets.Widget:
        self.setups_table = widgets.HTML()
        self.setups_table.add_class("lpt-team-setups")
        self.setup_choice = widgets.Select(options=[], rows=5, layout=widgets.Layout(width="95%"))
        self.setup_choice.observe(lambda change: self.show_setup(change["new"]), "value")
        self.setup_detail = widgets.HTML(message("Choose a setup to see its progress against plan."))
        self.setup_detail.add_class("lpt-setup-progress")
        self.officers_table = widgets.HTML()
        refresh = widgets.Button(description="Refresh", layout=widgets.Layout(width="auto"))
        refresh.on_click(lambda _: self.show_setups())
        return widgets.VBox([refresh, self.setups_table, widgets.HTML("<b>Progress of one setup</b>"), self.setup_choice,
                             self.setup_detail, self.officers_table])

    def _actions_tab(self) -> widgets.Widget:
        full = widgets.Layout(width="95%")
        self.summary = widgets.HTML()
        self.summary.add_class("lpt-action-summary")
        self.action_filter = widgets.Dropdown(options=[(label, code) for code, label in FILTERS.items()],
                                              value="to_sign", description="Show", layout=full)
        self.action_filter.observe(lambda change: self.filter_actions(change["new"]), "value")
        self.action_list = widgets.Select(options=[], rows=8, layout=full)
        self.action_list.add_class("lpt-action-list")
        self.action_list.observe(lambda change: self.show_action(change["new"]), "value")
        self.action_detail = widgets.HTML()
        self.action_detail.add_class("lpt-action-detail")
        self.comment_text = widgets.Textarea(placeholder="A comment for the officers (kept on the action's record)",
                                             layout=widgets.Layout(width="95%", height="70px"))
        add = widgets.Button(description="Add comment", layout=widgets.Layout(width="auto"))
        add.on_click(lambda _: self.add_comment())
        self.sign_note = widgets.Text(placeholder="Sign-off note (optional)", layout=full)
        sign = widgets.Button(description="Sign off", button_style="success", layout=widgets.Layout(width="auto"))
        sign.on_click(lambda _: self.sign_off_chosen())
        self.sign_box = widgets.VBox([widgets.HTML("<b>Sign off</b>: you confirm it was done as the note says."),
                                      self.sign_note, sign])
        self.review_box = widgets.VBox([self.comment_text, add, self.sign_box], layout=widgets.Layout(display="none"))
        left = widgets.VBox([widgets.HTML("<h4>Actions by status</h4>"), self.summary],
                            layout=widgets.Layout(flex="1 1 380px", min_width="290px", margin="0 6px 0 0"))
        right = widgets.VBox([self.action_filter, self.action_list, self.action_detail, self.review_box],
                             layout=widgets.Layout(flex="1 1 380px", min_width="290px"))
        return widgets.Box([left, right], layout=widgets.Layout(display="flex", flex_flow="row wrap", width="100%"))

    def _shares_tab(self) -> widgets.Widget:
        self.shares = widgets.HTML()
        self.shares.add_class("lpt-shares")
        return widgets.VBox([self.shares])

    # --- internals --------------------------------------------------------------------

    def _action_label(self, row) -> str:
        signed = ", signed off" if isinstance(row.signed_off_by, str) else ""
        comments = f", {int(row.comments)} comment(s)" if row.comments else ""
        return f"{row.street_name} — {row.action[:70]} ({row.status}{signed}{comments})"

    def _review(self, do: Callable[[int], object], box: widgets.Widget, done: str) -> None:
        """Do a review step on the chosen action; then clear its ``box``, show the action again and say ``done``
        (or say in words why it was refused)."""
        action_id = self.action_list.value
        if action_id is None:
            return
        try:
            do(action_id)
        except LPTError as exc:
            self.status.value = message(str(exc), "error")
            return
        box.value = ""
        self._reload(action_id)
        self.status.value = message(done.format(action_id), "ok")

    def _reload(self, action_id: int) -> None:
        """Read the action record again and show ``action_id`` again (under the same filter, if still there)."""
        self.show_actions()
        listed = dict(self.action_list.options).values()
        if action_id not in listed:
            self.action_filter.value = "all"
        self.action_list.value = action_id


def _counts(values: pd.Series) -> pd.Series:
    """Counts as a supervisor reads them: thousands separated, hidden ones in words."""
    return values.map(lambda n: HIDDEN if pd.isna(n) else f"{int(n):,}")


def _action_html(row: pd.Series, ward_names: dict[str, str]) -> str:
    reasons = "".join(f"<li>{html.escape(str(r.get('text', r.get('kind', ''))))}</li>" for r in row["reasons"])
    facts = [("Who should act", row["who"]), ("Status", row["status"]), ("Why dismissed", row["status_reason"]),
             ("What was done", row["done_note"]), ("Done on", row["done_on"]), ("Last changed by", row["updated_by"]),
             ("Signed off by", row["signed_off_by"]), ("Sign-off note", row["sign_off_note"])]
    shown = pd.DataFrame([(k, str(v)) for k, v in facts if v is not None and pd.notna(v) and str(v).strip()],
                         columns=["", "value"])
    ward = ward_names.get(row["ward_code"], row["ward_code"])
    return (f"<h3 style='margin:6px 0'>{html.escape(row['street_name'])}</h3><div class='lpt-note'>{html.escape(ward)} · "
            f"action {int(row['id'])}</div><p><b>{html.escape(row['action'])}</b></p>"
            + (f"<h4>Why</h4><ul>{reasons}</ul>" if reasons else "") + table_html(shown))


def _thread_html(thread: pd.DataFrame) -> str:
    if thread.empty:
        return "<h4>Comments</h4>" + message("No comments yet.")
    items = "".join(
        f"<li><b>{html.escape(str(c.user_name or c.user_id))}</b>, {pd.Timestamp(c.at).strftime('%Y-%m-%d %H:%M')}: "
        f"{html.escape(c.text)}</li>" for c in thread.itertuples())
    return f"<h4>Comments</h4><ul class='lpt-comments'>{items}</ul>"
