"""The officer app: where to focus in the officer's wards and why, on a phone or a desk.

``notebooks/apps/officer.ipynb`` is three lines: :func:`warm_up` while Voila preheats the
kernel, then :func:`officer_app` once the request's link says who the officer is. Everything
shown comes through the access layer as that officer (lpt.priorities.streets,
lpt.insight.maps, lpt.reports.content, lpt.access.data), so the app cannot show what the
officer's role and areas do not allow, whatever the browser does.

Three tabs:

* **Streets**: a map of the officer's wards (street points coloured by priority score, the
  recommended ones larger; crime and residents' priorities as layers on demand) beside the
  ranked list of recommended streets. Choosing a street (list or map) shows its reasons,
  figures, crime trend and actions, which the officer accepts, dismisses or marks done
  (lpt.priorities.lifecycle); streets can be collected and shared with the officer's team.
* **Area**: for one ward, public priorities and confidence (weighted, with n), what changed
  since the last quarter, representativeness gaps and similar wards (the ward report's tables).
* **Contacts**: key community contacts, read (and audited) only when asked for and only for
  roles allowed them.

Speed: the area's streets and the action record are loaded once when the app opens; choosing a
street adds one small query (its crime trend) and works out its actions from its reasons; the
force-wide street scores are computed while the kernel is preheated (lpt.store.reuse).
"""

from __future__ import annotations

import html
from typing import Any

import ipywidgets as widgets
import pandas as pd
from ipyleaflet import CircleMarker, GeoJSON
from sqlalchemy import Engine

from lpt.access.data import key_contacts
from lpt.access.guard import Area, PermissionDenied, User
from lpt.apps.maps import base_map, colour_scale, point_layer, polygon_layer, view_of
from lpt.apps.session import app_page
from lpt.apps.widgets import bar_chart_svg, message, status_line, tabbed_page, table_html
from lpt.disclosure import Audience
from lpt.errors import LPTError
from lpt.insight.maps import crime_points, priority_areas, waves_held
from lpt.insight.profile import area_profile
from lpt.priorities.actions import actions_for
from lpt.priorities.lifecycle import accept, actions_of, complete, dismiss, propose
from lpt.priorities.sharing import share_with_team
from lpt.priorities.streets import area_streets, street_trend
from lpt.reports import content
from lpt.store.queries import boundaries
from lpt.vocab import TOPIC_LABELS

__all__ = ["OfficerApp", "officer_app", "warm_up"]

_PURPOSE = "officer app"
_TOP = 10
_SHORT = {"expected_harm": "harm expected", "crime_rise": "crime rising", "public_concern": "residents' concern",
          "confidence_gap": "low confidence", "engagement_gap": "few registered", "vulnerability": "deprivation"}
"""A reason kind in two words, for list entries short enough for a phone."""
_TOPIC_COLOURS = dict(zip(TOPIC_LABELS, ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
                                         "#7f7f7f", "#bcbd22", "#17becf", "#393b79", "#637939"]))


def warm_up(engine: Engine) -> None:
    """In a preheated kernel, before anyone asks: turn on reuse and compute the force-wide street
    scores and census counts, so the officer's request only filters them."""
    from lpt.census import adult_age_counts, ethnic_counts
    from lpt.priorities.score import score_streets
    from lpt.store.reuse import enable_reuse

    enable_reuse()
    score_streets(engine)
    adult_age_counts(engine)
    ethnic_counts(engine)


def officer_app(engine: Engine, query: str) -> widgets.Widget:
    """The app for the user of the link whose query string is ``query``, or a page saying why not."""
    return app_page(engine, query, "officer", "LPT officer app", lambda e, user: OfficerApp(e, user).widget)


class OfficerApp:
    """The officer app for ``caller``; :attr:`widget` is what Voila shows. Methods are what the
    controls do, so tests drive the app as an officer would, without a browser."""

    def __init__(self, engine: Engine, caller: User, *, top: int = _TOP) -> None:
        self.engine, self.caller, self.top = engine, caller, top
        self.streets = area_streets(engine, caller, purpose=_PURPOSE).set_index("street_id", drop=False)
        self.wards = sorted(self.streets["ward_code"].unique())
        if not self.wards:
            raise LPTError("there are no scored streets in your areas yet: ask an analyst to run lpt refresh")
        self.ward_shapes = boundaries(engine, "ward_boundaries", self.wards)
        self.ward_names = dict(zip(self.ward_shapes["code"], self.ward_shapes["name"]))
        self.actions = self._read_actions()
        self.selection: list[str] = []
        self.chosen: str | None = None
        self.widget = self._build()

    # --- the controls' work -------------------------------------------------------

    def recommended(self, ward: str | None = None) -> pd.DataFrame:
        """The ranked list: the top streets of ``ward`` (None: of every ward), highest score first."""
        shown = self.streets[self.streets["rank_in_ward"] <= self.top]
        if ward is not None:
            shown = shown[shown["ward_code"] == ward]
        return shown.sort_values("score", ascending=False)

    def choose(self, street_id: str) -> None:
        """Show one street's reasons, figures, trend and actions (from the list or the map)."""
        if street_id not in self.streets.index:
            self.status.value = message("That street is not in your areas.", "error")
            return
        self.chosen = street_id
        row = self.streets.loc[street_id]
        trend = street_trend(self.engine, row["lsoa21_code"], row["street_name"]).set_index("month")["records"]
        self.detail.value = self._street_html(row) + bar_chart_svg(trend, "Crimes and ASB per month (police.uk)")
        self.action_box.children = self._action_rows(row)
        self.street_tools.layout.display = None
        self.highlight.location = (float(row["latitude"]), float(row["longitude"]))
        self.highlight.opacity = 1.0
        if self.street_list.value != street_id and street_id in dict(self.street_list.options).values():
            self._quiet = True  # the list follows a choice on the map without choosing twice
            self.street_list.value = street_id
            self._quiet = False

    def act(self, action: dict, verb: str) -> None:
        """Accept, dismiss or complete an action of the chosen street (recording it first if it is
        only recommended); dismissing needs a reason and completing a note, from the note box."""
        row = self.streets.loc[self.chosen]
        try:
            action_id = action.get("id") or self._record(row, action)
            text = self.note.value.strip()
            if verb == "accept":
                accept(self.engine, self.caller, action_id, purpose=_PURPOSE, reason=text or None)
            elif verb == "dismiss":
                dismiss(self.engine, self.caller, action_id, reason=text, purpose=_PURPOSE)
            else:
                complete(self.engine, self.caller, action_id, note=text, purpose=_PURPOSE)
        except LPTError as exc:
            self.status.value = message(str(exc), "error")
            return
        self.note.value = ""
        self.actions = self._read_actions()
        self.choose(self.chosen)
        self.status.value = message(f"Action {verb if verb != 'done' else 'marked done'}: {action['action']}", "ok")

    def add_to_selection(self) -> None:
        """Add the chosen street to the selection to share with the team."""
        if self.chosen and self.chosen not in self.selection:
            self.selection.append(self.chosen)
        self._show_selection()

    def share(self) -> None:
        """Share the selected streets with the officer's team (the supervisor sees them)."""
        if not self.selection:
            self.status.value = message("Choose streets and add them to the selection first.", "error")
            return
        rows = self.streets.loc[self.selection, ["ward_code", "lsoa21_code", "street_name"]].to_dict("records")
        try:
            share_with_team(self.engine, self.caller, rows, note=self.share_note.value.strip() or None, purpose=_PURPOSE)
        except LPTError as exc:
            self.status.value = message(str(exc), "error")
            return
        self.status.value = message(f"Shared {len(rows)} street(s) with your team.", "ok")
        self.selection.clear()
        self.share_note.value = ""
        self._show_selection()

    def show_crime(self, on: bool) -> None:
        """Crime of the latest month as small grey points (public police.uk data), loaded on demand."""
        if on and self.crime_layer is None:
            points = crime_points(self.engine, self.wards, months=1)
            self.crime_layer = point_layer(points, ["crime_type", "month"], ["#616161"] * len(points), radius=3,
                                           name="crime")
        if self.crime_layer is not None:
            self._toggle(self.crime_layer, on)

    def show_priorities(self, on: bool) -> None:
        """Residents' top priority per LSOA over the chosen waves (disclosure-controlled), as shading."""
        if self.priority_layer is not None:
            self._toggle(self.priority_layer, False)
            self.priority_layer = None
        if not on:
            self.priority_legend.value = ""
            return
        first, last = self.waves.value
        held = waves_held(self.engine)
        chosen = held[held.index(first): held.index(last) + 1]
        table = priority_areas(self.engine, self.caller, waves=chosen, purpose=_PURPOSE)
        shapes = boundaries(self.engine, "lsoa21_boundaries", table["lsoa21_code"]).merge(
            table, left_on="code", right_on="lsoa21_code")
        colours = [_TOPIC_COLOURS.get(t, "#bdbdbd") if isinstance(t, str) else "#eeeeee" for t in shapes["top_topic"]]
        self.priority_layer = polygon_layer(shapes, ["code", "sentence"], colours=colours, outline="#555555",
                                            name="residents' priorities")
        self.priority_layer.on_click(self._clicked_area)
        self._toggle(self.priority_layer, True)
        shown = shapes["top_topic"].dropna().unique()
        self.priority_legend.value = " ".join(
            f"<span style='background:{_TOPIC_COLOURS.get(t, '#bdbdbd')};padding:0 6px'>&nbsp;</span> "
            f"{html.escape(TOPIC_LABELS.get(t, t))}" for t in sorted(shown)) + (
            "<br><span class='lpt-note'>Pale: too few answers to show. Waves " f"{first} to {last}.</span>")

    def area_panel(self, ward: str) -> str:
        """The Area tab for one ward, as HTML (the ward report's tables, internal audience)."""
        profile = area_profile(self.engine, self.caller, "ward", ward, purpose=_PURPOSE, audience=Audience.INTERNAL)
        parts = [
            ("Confidence in local police", content.confidence_table(self.engine, self.caller, ward)),
            ("What changed since the last quarter", content.what_changed(self.engine, self.caller, ward)),
            ("Residents' priorities", content.priorities_table(profile)),
            ("Least represented among members", content.representation_table(self.engine, self.caller, ward)),
            ("Similar wards", content.peer_table(self.engine, ward)),
        ]
        return f"<h3>{html.escape(self.ward_names.get(ward, ward))}</h3>" + "".join(
            f"<h4>{title}</h4>{table_html(frame)}" for title, frame in parts)

    def contacts(self, ward: str) -> str:
        """Key community contacts of one ward as HTML, read (and audited) now; a refusal says why."""
        try:
            found = key_contacts(self.engine, self.caller, purpose=f"{_PURPOSE}: key contacts",
                                 area=Area("ward", ward))
        except PermissionDenied as exc:
            return message(f"Key contacts are not available to you: {exc}", "error")
        shown = pd.DataFrame({
            "name": found["first_name"].fillna("") + " " + found["last_name"].fillna(""),
            "groups": found["groups"].str.replace("_", " ").str.replace(",", ", "),
            "phone": found["phone"], "email": found["email"], "street": found["street"],
        })
        return (message(f"{len(shown)} key contacts in {self.ward_names.get(ward, ward)}. This read is recorded "
                        "in the audit log.") + table_html(shown, empty="No key contacts registered here."))

    # --- building the page ----------------------------------------------------------

    def _build(self) -> widgets.Widget:
        names = [self.ward_names.get(w, w) for w in self.wards]
        who = (f"{self.caller.name} ({self.caller.role}) · {len(self.wards)} ward(s): {', '.join(names[:6])}"
               f"{' …' if len(names) > 6 else ''}")
        self.status = status_line()
        page, _ = tabbed_page("Where to focus", who, self.status, {
            "Streets": self._streets_tab(), "Area": self._area_tab(), "Contacts": self._contacts_tab()})
        return page

    def _streets_tab(self) -> widgets.Widget:
        bounds = tuple(self.ward_shapes.total_bounds)
        self.map = base_map(bounds)
        self.map.layout = widgets.Layout(height="420px", width="100%")
        self.map.add(polygon_layer(self.ward_shapes, ["code", "name"], name="wards"))
        numbered = self.streets.assign(n=range(len(self.streets)))  # features carry a number, not the street key
        small = point_layer(numbered, ["n"], colour_scale(numbered["score"]), radius=4, name="streets")
        ranked = numbered.loc[self.recommended().index]
        large = point_layer(ranked, ["n"], colour_scale(ranked["score"], low=0.6), radius=8, name="recommended streets")
        for layer in (small, large):
            layer.on_click(self._clicked_street)
            self.map.add(layer)
        self.highlight = CircleMarker(location=self.map.center, radius=14, color="#0d47a1", weight=3, fill_opacity=0,
                                      opacity=0.0, name="chosen street")
        self.map.add(self.highlight)
        self.crime_layer: GeoJSON | None = None
        self.priority_layer: GeoJSON | None = None
        crime = widgets.ToggleButton(description="Crime (latest month)", layout=widgets.Layout(width="auto"))
        crime.observe(lambda change: self.show_crime(change["new"]), "value")
        held = waves_held(self.engine) or ["(none)"]
        self.waves = widgets.SelectionRangeSlider(options=held, index=(max(0, len(held) - 4), len(held) - 1),
                                                  description="Waves", style={"description_width": "initial"},
                                                  layout=widgets.Layout(width="95%"))
        priorities = widgets.ToggleButton(description="Residents' priorities", layout=widgets.Layout(width="auto"))
        priorities.observe(lambda change: self.show_priorities(change["new"]), "value")
        self.waves.observe(lambda change: self.show_priorities(priorities.value) if priorities.value else None, "value")
        self.priority_legend = widgets.HTML()
        legend = widgets.HTML("<span class='lpt-note'>Dots: streets coloured by priority score (darker: higher); "
                              "large dots: recommended streets. Tap one for why.</span>")
        map_column = widgets.VBox(
            [self.map, legend, widgets.HBox([crime, priorities], layout=widgets.Layout(flex_flow="row wrap")),
             self.waves, self.priority_legend],
            layout=widgets.Layout(flex="2 1 460px", min_width="300px", margin="0 6px 0 0", align_self="flex-start"))
        ward_options = [("All my wards", "")] + [(self.ward_names.get(w, w), w) for w in self.wards]
        self.ward_filter = widgets.Dropdown(options=ward_options, value="", description="Ward",
                                            layout=widgets.Layout(width="95%"))
        self.ward_filter.observe(lambda change: self._filter_list(change["new"] or None), "value")
        self.street_list = widgets.Select(options=self._list_options(None), value=None, rows=10,
                                          layout=widgets.Layout(width="95%"))
        self._quiet = False
        self.street_list.observe(lambda change: self.choose(change["new"]) if change["new"] and not self._quiet else None,
                                 "value")
        self.street_list.add_class("lpt-street-list")
        self.detail = widgets.HTML(message("Choose a street from the list or the map."))
        self.detail.add_class("lpt-detail")
        self.action_box = widgets.VBox()
        self.note = widgets.Text(placeholder="Reason or what was done (needed to dismiss or mark done)",
                                 layout=widgets.Layout(width="95%"))
        add = widgets.Button(description="Add to selection", layout=widgets.Layout(width="auto"))
        add.on_click(lambda _: self.add_to_selection())
        self.street_tools = widgets.VBox([self.note, add], layout=widgets.Layout(display="none"))
        self.selected = widgets.HTML()
        self.share_note = widgets.Text(placeholder="Note for your team (optional)", layout=widgets.Layout(width="95%"))
        share = widgets.Button(description="Share selection with team", button_style="primary",
                               layout=widgets.Layout(width="auto"))
        share.on_click(lambda _: self.share())
        self._show_selection()
        side = widgets.VBox(
            [self.ward_filter, widgets.HTML("<b>Recommended streets</b>"), self.street_list, self.detail,
             self.action_box, self.street_tools, widgets.HTML("<b>Share with your team</b>"), self.selected,
             self.share_note, share],
            layout=widgets.Layout(flex="1 1 320px", min_width="280px"))
        return widgets.Box([map_column, side], layout=widgets.Layout(display="flex", flex_flow="row wrap", width="100%"))

    def _area_tab(self) -> widgets.Widget:
        ward = widgets.Dropdown(options=[(self.ward_names.get(w, w), w) for w in self.wards], description="Ward",
                                layout=widgets.Layout(width="auto"))
        panel = widgets.HTML(message("Choose a ward, then Show."))
        show = widgets.Button(description="Show", layout=widgets.Layout(width="auto"))

        def shown(_: Any) -> None:
            panel.value = message("Working it out…")
            try:
                panel.value = self.area_panel(ward.value)
            except LPTError as exc:
                panel.value = message(str(exc), "error")

        show.on_click(shown)
        return widgets.VBox([widgets.HBox([ward, show], layout=widgets.Layout(flex_flow="row wrap")), panel])

    def _contacts_tab(self) -> widgets.Widget:
        ward = widgets.Dropdown(options=[(self.ward_names.get(w, w), w) for w in self.wards], description="Ward",
                                layout=widgets.Layout(width="auto"))
        panel = widgets.HTML(message("Key contacts (advisory group members, key individuals) are personal data: "
                                     "they are read only when you ask, and each read is recorded."))
        show = widgets.Button(description="Show key contacts", layout=widgets.Layout(width="auto"))
        show.on_click(lambda _: setattr(panel, "value", self.contacts(ward.value)))
        return widgets.VBox([widgets.HBox([ward, show], layout=widgets.Layout(flex_flow="row wrap")), panel])

    # --- internals --------------------------------------------------------------------

    def _list_options(self, ward: str | None) -> list[tuple[str, str]]:
        shown = self.recommended(ward)
        several = len(self.wards) > 1 and ward is None
        return [
            (f"{i}. {row.street_name}" + (f" ({self.ward_names.get(row.ward_code, row.ward_code)})" if several else "")
             + " — " + (", ".join(_SHORT.get(r["kind"], r["kind"]) for r in row.reasons[:2]) or "high overall score"),
             row.street_id)
            for i, row in enumerate(shown.itertuples(index=False), start=1)
        ]

    def _filter_list(self, ward: str | None) -> None:
        self.street_list.options = self._list_options(ward)
        self.street_list.value = None
        shapes = self.ward_shapes if ward is None else self.ward_shapes[self.ward_shapes["code"] == ward]
        self.map.center, self.map.zoom = view_of(tuple(shapes.total_bounds))

    def _clicked_street(self, **event: Any) -> None:
        number = ((event.get("feature") or {}).get("properties") or {}).get("n")
        if isinstance(number, int) and 0 <= number < len(self.streets):
            self.choose(self.streets.index[number])

    def _clicked_area(self, **event: Any) -> None:
        properties = (event.get("feature") or {}).get("properties") or {}
        self.status.value = message(f"LSOA {properties.get('code')}: {properties.get('sentence')}")

    def _toggle(self, layer: GeoJSON, on: bool) -> None:
        if on and layer not in self.map.layers:
            self.map.add(layer)
        elif not on and layer in self.map.layers:
            self.map.remove(layer)

    def _show_selection(self) -> None:
        names = [self.streets.loc[s, "street_name"] for s in self.selection]
        self.selected.value = (message("Selected: " + ", ".join(names)) if names else
                               message("No streets selected yet: choose a street, then Add to selection."))

    def _street_html(self, row: pd.Series) -> str:
        reasons = "".join(f"<li>{html.escape(r['text'][:1].upper() + r['text'][1:])}</li>" for r in row["reasons"])
        reasons = reasons or f"<li>{html.escape(row['headline'])}</li>"
        figures = pd.DataFrame({"figure": [
            "Priority score (0-1)", "Rank in ward", "Expected crimes next month", "Households",
            "Registered members", "Survey respondents", "Top concern", "Deprivation decile (1 = most deprived)",
        ], "value": [
            f"{row['score']:.2f}", int(row["rank_in_ward"]), _number(row["expected_records"], 1),
            _number(row["households"]), _people(row["members"]), _people(row["respondents"]),
            TOPIC_LABELS.get(row["concern_topic"], "") if isinstance(row["concern_topic"], str) else "",
            _number(row["imd2025_decile"]),
        ]})
        place = " (a place, not a street)" if bool(row["is_place"]) else ""
        return (f"<h3 style='margin:6px 0'>{html.escape(row['street_name'])}{place}</h3>"
                f"<div class='lpt-note'>{html.escape(self.ward_names.get(row['ward_code'], row['ward_code']))} · "
                f"LSOA {html.escape(row['lsoa21_code'])}</div><h4>Why here</h4><ul>{reasons}</ul>"
                f"<h4>Figures</h4>{table_html(figures)}")

    def _action_rows(self, row: pd.Series) -> list[widgets.Widget]:
        recorded = self.actions[(self.actions["lsoa21_code"] == row["lsoa21_code"])
                                & (self.actions["street_name"] == row["street_name"])]
        items: list[dict] = []
        for proposed in actions_for(row.to_dict(), row["reasons"]):
            same = recorded[recorded["rule_id"] == proposed["rule_id"]]
            latest = same.iloc[0].to_dict() if len(same) else {}
            items.append({**proposed, "id": latest.get("id"), "status": latest.get("status", "recommended"),
                          "note": latest.get("done_note") or latest.get("status_reason")})
        listed = {i["rule_id"] for i in items}
        for extra in recorded[~recorded["rule_id"].isin(listed)].to_dict("records"):
            items.append({**extra, "note": extra.get("done_note") or extra.get("status_reason")})
        if not items:
            return [widgets.HTML(message("No actions recommended here."))]
        rows: list[widgets.Widget] = [widgets.HTML("<h4>Actions</h4>")]
        for item in items:
            note = f" — {html.escape(str(item['note']))}" if item.get("note") else ""
            label = widgets.HTML(f"<b>{html.escape(item['action'])}</b> <span class='lpt-note'>({html.escape(item['who'])};"
                                 f" {item['status']}{note})</span>")
            buttons = []
            for verb, allowed in (("accept", ("recommended", "proposed")), ("dismiss", ("recommended", "proposed", "accepted")),
                                  ("done", ("accepted",))):
                if item["status"] in allowed:
                    button = widgets.Button(description={"done": "Mark done"}.get(verb, verb.capitalize()),
                                            layout=widgets.Layout(width="auto"))
                    button.on_click(lambda _, item=item, verb=verb: self.act(item, verb))
                    buttons.append(button)
            rows.append(widgets.VBox([label, widgets.HBox(buttons, layout=widgets.Layout(flex_flow="row wrap"))]))
        return rows

    def _record(self, row: pd.Series, action: dict) -> int:
        """Record a recommended action in the action record (idempotent) and return its ID."""
        reasons = [r for r in row["reasons"] if r.get("kind") in action.get("reason_kinds", [])]
        street = {k: row[k] for k in ("ward_code", "lsoa21_code", "street_name")}
        new = propose(self.engine, self.caller, street, [{**action, "reasons": reasons}], purpose=_PURPOSE)
        if new:
            return new[0]
        found = self._read_actions()
        match = found[(found["lsoa21_code"] == row["lsoa21_code"]) & (found["street_name"] == row["street_name"])
                      & (found["rule_id"] == action["rule_id"]) & found["status"].isin(["proposed", "accepted"])]
        return int(match.iloc[0]["id"])

    def _read_actions(self) -> pd.DataFrame:
        return actions_of(self.engine, self.caller, purpose=_PURPOSE)


def _number(value, digits: int = 0) -> str:
    return "" if value is None or pd.isna(value) else f"{float(value):,.{digits}f}"


def _people(value) -> str:
    """A count of people as lpt.priorities.streets.area_streets gives it (disclosure-controlled; <NA>
    where hidden), hidden shown as words, never a small number."""
    return content.HIDDEN if pd.isna(value) else f"{int(value):,}"
