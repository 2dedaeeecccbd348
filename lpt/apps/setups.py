"""The setups app: supervisors plan door-knocking on a map, watch it progress, and see the every-door map.

``notebooks/apps/setups.ipynb`` is a few lines like the other apps. Three tabs:

* **New setup** (supervisors for their area, admins force-wide): a name, the days, whether registered
  households are revisited, the area (wards, streets, or a shape drawn on the map with ipyleaflet's
  DrawControl) and who to target (lpt.setups.model.Criteria). *Preview* shows how many households the
  list will hold per ward and where (lpt.setups.preview), before *Create setup* stores it.
* **Setups**: the setups of the user's areas, each with its description, progress per ward and officer
  (lpt.setups.visits.progress), and *Archive* for those who manage it (the setup leaves every list;
  nothing is deleted).
* **Every door**: the force-wide campaign, the share of households visited per ward on a map and in a
  table (lpt.setups.visits.visited_share_by_ward); an admin starts the campaign here.

Everything goes through lpt.setups as the user of the link, so the access layer decides what is shown.
The clock is a parameter (``clock``), so tests fix it.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import ipywidgets as widgets
import pandas as pd
from ipyleaflet import DrawControl, GeoJSON, Map
from shapely.geometry import shape
from sqlalchemy import Engine

from lpt.access.guard import User, authorize, covered_wards
from lpt.access.permissions import grant
from lpt.apps.maps import base_map, colour_scale, point_layer, polygon_layer
from lpt.apps.session import app_page
from lpt.apps.widgets import message, status_line, tabbed_page, table_html
from lpt.errors import LPTError
from lpt.reports.content import HIDDEN
from lpt.setups.model import (
    Criteria,
    SetupArea,
    SetupSpec,
    archive_setup,
    create_setup,
    every_door_id,
    every_door_setup,
    local_day,
    setups_of,
)
from lpt.setups.preview import preview_setup
from lpt.setups.progress import progress, visited_share_by_ward
from lpt.setups.selection import household_streets
from lpt.store.queries import boundaries
from lpt.vocab import AGE_BANDS, ETHNIC_GROUPS, GROUPS, QUESTIONS, SEXES

__all__ = ["SetupsApp", "setups_app"]

_PURPOSE = "setups app"
_MANAGE = "manage_setups"
_DRAW_STYLE = {"shapeOptions": {"color": "#0d47a1", "weight": 2, "fillOpacity": 0.1}}


def setups_app(engine: Engine, query: str) -> widgets.Widget:
    """The app for the user of the link whose query string is ``query``, or a page saying why not."""
    return app_page(engine, query, "setups", "LPT setups", lambda e, user: SetupsApp(e, user).widget)


class SetupsApp:
    """The setups app for ``caller``; :attr:`widget` is what Voila shows. Methods are what the controls
    do, so tests drive it without a browser."""

    def __init__(self, engine: Engine, caller: User, *, clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.engine, self.caller, self.clock = engine, caller, clock
        manager = grant(caller.role, _MANAGE)
        self.manages = manager is not None
        self.force_wide = manager is not None and manager.scope == "force"
        self.wards = self._wards()
        self.shapes = boundaries(engine, "ward_boundaries", self.wards or None)
        self.ward_names = dict(zip(self.shapes["code"], self.shapes["name"]))
        self.polygon: str | None = None
        self.layers: dict[str, GeoJSON] = {}
        self.widget = self._build()
        self.list_setups()

    # --- the controls' work -------------------------------------------------------

    def spec(self) -> SetupSpec:
        """The setup the New setup controls describe (LPTError saying what is missing or wrong)."""
        kind = self.area_kind.value
        if kind == "wards" and not self.ward_choice.value:
            raise LPTError("choose at least one ward")
        if kind == "streets" and not self.street_choice.value:
            raise LPTError("choose at least one street")
        if kind == "polygon" and not self.polygon:
            raise LPTError("draw the area on the map first (the polygon or square tool at the map's top left)")
        area = SetupArea(wards=self.ward_choice.value if kind == "wards" else (),
                         streets=self.street_choice.value if kind == "streets" else (),
                         polygon=self.polygon if kind == "polygon" else None)
        question = self.question.value or None
        census = self.census_group.value or None
        criteria = Criteria(
            answer_question=question, answer_at_most=self.answer_at_most.value if question else None,
            group=self.group.value or None, age_bands=self.age_bands.value, sexes=self.sexes.value,
            ethnic_groups=self.ethnic_groups.value, imd_deciles=self.imd_deciles.value,
            census_group=census, census_min_pct=float(self.census_min_pct.value) if census else None,
            recommended_top=self.recommended_top.value or None,
        )
        return SetupSpec(self.name.value, area, self.starts.value, self.ends.value, criteria, self.revisit.value)

    def preview(self) -> None:
        """Show how many households the setup would list, per ward, and their postcodes on the map."""
        try:
            found = preview_setup(self.engine, self.caller, self.spec(), on=self.clock(), purpose=_PURPOSE)
        except LPTError as exc:
            self.preview_box.value = message(str(exc), "error")
            return
        table = found.by_ward.assign(
            ward=found.by_ward["ward_code"].map(lambda code: self.ward_names.get(code, code)),
            households=found.by_ward["households"].map(lambda n: HIDDEN if pd.isna(n) else f"{int(n):,}"),
        )[["ward", "households"]]
        total = "too few to show" if found.total is None else f"{found.total:,}"
        self.preview_box.value = (message(f"The list would hold {total} households.") +
                                  table_html(table, empty="No households match."))
        self._set_layer("preview", point_layer(found.points, ["postcode"], ["#0d47a1"] * len(found.points), radius=4,
                                               name="households to knock"))

    def create(self) -> int | None:
        """Store the setup; its ID (None when something is missing or refused, said in the status)."""
        try:
            spec = self.spec()
            setup_id = create_setup(self.engine, self.caller, spec, purpose=_PURPOSE, now=self.clock())
        except LPTError as exc:
            self.status.value = message(str(exc), "error")
            return None
        self.status.value = message(f"Setup {setup_id} created: {spec.name}. Officers of its area see it in the "
                                    "doorstep app from its first day.", "ok")
        self.list_setups()
        return setup_id

    def drawn(self, _control: Any = None, *, action: str, geo_json: dict) -> None:
        """DrawControl's callback: the last shape drawn or edited is the area; deleting it clears it."""
        if action == "deleted":
            self.polygon = None
        elif (geo_json or {}).get("geometry"):
            self.polygon = shape(geo_json["geometry"]).wkt
            self.area_kind.value = "polygon"
        self.drawn_note.value = message("Area drawn: preview it to see the households inside." if self.polygon else
                                        "Draw the area with the polygon or square tool at the map's top left.")

    def list_setups(self) -> None:
        """Read the setups of the user's areas into the Setups tab."""
        self.listed = setups_of(self.engine, self.caller, include_archived=self.show_archived.value, purpose=_PURPOSE)
        self.setup_choice.options = [(f"{row.name} ({row.status})" if row.status != "active" else row.name,
                                      int(row.setup_id)) for row in self.listed.itertuples()]
        self.setup_choice.value = None
        self.setup_detail.value = message(f"{len(self.listed)} setups. Choose one to see its progress.")

    def show_setup(self, setup_id: int | None) -> None:
        """The chosen setup's description and progress per ward and officer."""
        self.archive_button.layout.display = "none"
        if setup_id is None:
            return
        row = self.listed.set_index("setup_id").loc[setup_id]
        days = f"from {row['starts_on']}" + (f" to {row['ends_on']}" if pd.notna(row["ends_on"]) else "")
        head = (f"<h3 style='margin:6px 0'>{html.escape(row['name'])}</h3><p>{html.escape(row['description'])}; "
                f"{days}; {row['status']}.</p>")
        try:
            found = progress(self.engine, self.caller, setup_id, purpose=_PURPOSE)
        except LPTError as exc:
            self.setup_detail.value = head + message(str(exc), "error")
            return
        by_ward = found.by_ward.assign(ward_code=found.by_ward["ward_code"].map(lambda c: self.ward_names.get(c, c)))
        self.setup_detail.value = (head + "<h4>Progress per ward</h4>" + table_html(by_ward.rename(columns={"ward_code": "ward"}))
                                   + "<h4>Per officer</h4>" + table_html(found.by_officer, empty="No calls yet.")
                                   + "<p class='lpt-note'>Counts below 5 are not shown.</p>")
        self.archive_button.layout.display = None if self.manages and row["status"] == "active" else "none"

    def archive(self) -> None:
        """Archive the chosen setup (after the confirmation box is ticked)."""
        setup_id = self.setup_choice.value
        if setup_id is None:
            return
        if not self.confirm.value:
            self.status.value = message("Tick 'Yes, archive it' first: an archived setup leaves every list.", "error")
            return
        try:
            archive_setup(self.engine, self.caller, setup_id, purpose=_PURPOSE, now=self.clock())
        except LPTError as exc:
            self.status.value = message(str(exc), "error")
            return
        self.confirm.value = False
        self.status.value = message(f"Setup {setup_id} archived: it has left every list; its record is kept. "
                                    "Writing its final report…", "ok")
        self.list_setups()
        self.status.value = message(f"Setup {setup_id} archived: it has left every list. {self._final_report(setup_id)}",
                                    "ok")

    def every_door(self) -> None:
        """The every-door campaign's share of households visited per ward, on the map and in the table."""
        if every_door_id(self.engine) is None:
            self.door_table.value = message("The every-door campaign has not started yet." +
                                            (" Start it with the button below." if self.force_wide else
                                             " An admin starts it."))
            self.start_button.layout.display = None if self.force_wide else "none"
            return
        self.start_button.layout.display = "none"
        try:
            shares = visited_share_by_ward(self.engine, self.caller, purpose=_PURPOSE)
        except LPTError as exc:
            self.door_table.value = message(str(exc), "error")
            return
        wards = shares[shares["ward_code"] != "Total"]
        shapes = boundaries(self.engine, "ward_boundaries", wards["ward_code"]).merge(
            wards, left_on="code", right_on="ward_code")
        shapes["share"] = shapes["share_pct"].map(lambda v: "not shown (too few)" if pd.isna(v) else f"{v:.1f}%")
        layer = polygon_layer(shapes, ["name", "share"], colours=colour_scale(shapes["share_pct"].astype("float64"), "Greens"),
                              outline="#555555", name="share visited")
        layer.on_click(self._clicked_ward)
        self._set_layer("every door", layer, self.door_map)
        shown = shares.assign(ward=shares["ward_code"].map(lambda c: self.ward_names.get(c, c)),
                              share=shares["share_pct"].map(lambda v: "" if pd.isna(v) else f"{v:.1f}%"),
                              households=shares["households"].map("{:,}".format),
                              visited=shares["visited"].map(lambda n: HIDDEN if pd.isna(n) else f"{int(n):,}"))
        self.door_table.value = table_html(shown[["ward", "households", "visited", "share"]])

    def start_every_door(self) -> None:
        """Start the force-wide every-door campaign (admins), from today."""
        try:
            every_door_setup(self.engine, self.caller, purpose=_PURPOSE, now=self.clock())
        except LPTError as exc:
            self.status.value = message(str(exc), "error")
            return
        self.status.value = message("The every-door campaign has started: every household of the force is on it.", "ok")
        self.list_setups()
        self.every_door()

    # --- building the page ----------------------------------------------------------

    def _build(self) -> widgets.Widget:
        self.status = status_line()
        page, tabs = tabbed_page("Door-knocking setups", f"{self.caller.name} ({self.caller.role})", self.status, {
            "New setup": self._new_tab(), "Setups": self._list_tab(), "Every door": self._door_tab()})
        tabs.observe(lambda change: self.every_door() if change["new"] == 2 else None, "selected_index")
        return page

    def _new_tab(self) -> widgets.Widget:
        if not self.manages:
            return widgets.HTML(message("Setups are created by supervisors for their area and by admins; "
                                        "you can follow them in the other tabs."))
        full, wide = widgets.Layout(width="95%"), {"description_width": "initial"}
        self.name = widgets.Text(description="Name", placeholder="e.g. Polish community, Orchard Park",
                                 layout=full, style=wide)
        self.name.add_class("lpt-setup-name")
        today = local_day(self.clock())
        self.starts = widgets.DatePicker(description="Starts", value=today, style=wide)
        self.ends = widgets.DatePicker(description="Ends (optional)", value=None, style=wide)
        self.revisit = widgets.Checkbox(description="Revisit households already registered (and those who declined)",
                                        indent=False, layout=full)
        kinds = [("Wards", "wards"), ("Streets", "streets"), ("Draw on the map", "polygon")]
        self.area_kind = widgets.ToggleButtons(options=kinds + ([("Whole force", "force")] if self.force_wide else []),
                                               value="wards", style={"button_width": "auto"})
        names = sorted(zip(self.shapes["name"], self.shapes["code"]))
        self.ward_choice = widgets.SelectMultiple(options=names, rows=min(8, max(len(names), 2)), layout=full)
        self.street_ward = widgets.Dropdown(options=names, description="Ward", layout=full)
        self.street_choice = widgets.SelectMultiple(options=[], rows=8, layout=full)
        self.street_ward.observe(lambda change: self._list_streets(change["new"]), "value")
        self._list_streets(self.street_ward.value)
        self.drawn_note = widgets.HTML(message("Draw the area with the polygon or square tool at the map's top left."))
        pickers = {"wards": self.ward_choice, "streets": widgets.VBox([self.street_ward, self.street_choice]),
                   "polygon": self.drawn_note, "force": widgets.HTML(message("Every household of the force."))}
        area_box = widgets.Box([pickers[self.area_kind.value]])
        self.area_kind.observe(lambda change: setattr(area_box, "children", [pickers[change["new"]]]), "value")
        self.map = base_map(tuple(self.shapes.total_bounds) if len(self.shapes) else None)
        self.map.layout = widgets.Layout(height="380px", width="100%")
        self.map.add(polygon_layer(self.shapes, ["code", "name"], name="wards"))
        self.draw = DrawControl(polygon=_DRAW_STYLE, rectangle=_DRAW_STYLE, polyline={}, circlemarker={}, circle={},
                                marker={})
        self.draw.on_draw(self.drawn)
        self.map.add(self.draw)
        preview = widgets.Button(description="Preview", layout=widgets.Layout(width="auto"))
        preview.on_click(lambda _: self.preview())
        create = widgets.Button(description="Create setup", button_style="primary", layout=widgets.Layout(width="auto"))
        create.on_click(lambda _: self.create())
        self.preview_box = widgets.HTML(message("Preview counts the households on the list before you create the setup."))
        self.preview_box.add_class("lpt-preview")
        form = widgets.VBox([self.name, widgets.HBox([self.starts, self.ends], layout=widgets.Layout(flex_flow="row wrap")),
                             self.revisit, widgets.HTML("<b>Where</b>"), self.area_kind, area_box,
                             widgets.HTML("<b>Who to target</b> (optional: every household of the area otherwise)"),
                             self._criteria(), widgets.HBox([preview, create]), self.preview_box],
                            layout=widgets.Layout(flex="1 1 340px", min_width="290px"))
        map_column = widgets.VBox([self.map, widgets.HTML(
            "<span class='lpt-note'>Outlines: your wards. Blue dots: postcodes of the households the preview lists. "
            "Never tell a resident that their address is a priority.</span>")],
            layout=widgets.Layout(flex="2 1 420px", min_width="290px", margin="0 6px 0 0"))
        return widgets.Box([map_column, form], layout=widgets.Layout(display="flex", flex_flow="row wrap", width="100%"))

    def _criteria(self) -> widgets.Widget:
        wide = {"description_width": "initial"}
        self.question = widgets.Dropdown(options=[("—", "")] + [(q.replace("_", " "), q) for q in QUESTIONS],
                                         description="Members whose latest answer to", style=wide)
        self.answer_at_most = widgets.BoundedIntText(value=2, min=1, max=4, description="is at most (1-4)", style=wide,
                                                     layout=widgets.Layout(width="170px"))
        self.group = widgets.Dropdown(options=[("—", "")] + [(g.replace("_", " "), g) for g in GROUPS],
                                      description="Members of the group", style=wide)
        self.age_bands = widgets.SelectMultiple(options=AGE_BANDS, description="Members aged", rows=4, style=wide)
        self.sexes = widgets.SelectMultiple(options=SEXES, description="Members' sex", rows=2, style=wide)
        self.ethnic_groups = widgets.SelectMultiple(options=ETHNIC_GROUPS, description="Members' ethnic group", rows=5,
                                                    style=wide)
        self.imd_deciles = widgets.SelectMultiple(options=list(range(1, 11)), rows=4, style=wide,
                                                  description="IMD decile (1 = most deprived)")
        self.census_group = widgets.Dropdown(options=[("—", "")] + [(g, g) for g in ETHNIC_GROUPS], style=wide,
                                             description="Where the census shows the community")
        self.census_min_pct = widgets.BoundedFloatText(value=10, min=0.1, max=100, description="at least (% of residents)",
                                                       style=wide, layout=widgets.Layout(width="230px"))
        self.recommended_top = widgets.BoundedIntText(value=0, min=0, max=100, style=wide,
                                                      description="Top recommended streets per ward (0: any)")
        note = widgets.HTML("<span class='lpt-note'>Criteria on members select registered households: "
                            "tick Revisit for them.</span>")
        return widgets.Accordion(children=[widgets.VBox([
            widgets.HBox([self.question, self.answer_at_most], layout=widgets.Layout(flex_flow="row wrap")), self.group,
            self.age_bands, self.sexes, self.ethnic_groups, note, self.imd_deciles,
            widgets.HBox([self.census_group, self.census_min_pct], layout=widgets.Layout(flex_flow="row wrap")),
            self.recommended_top,
        ])], titles=("Criteria",), selected_index=None)

    def _list_tab(self) -> widgets.Widget:
        self.show_archived = widgets.Checkbox(description="Show archived setups", indent=False)
        self.show_archived.observe(lambda _: self.list_setups(), "value")
        self.setup_choice = widgets.Select(options=[], rows=6, layout=widgets.Layout(width="95%"))
        self.setup_choice.add_class("lpt-setup-list")
        self.setup_choice.observe(lambda change: self.show_setup(change["new"]), "value")
        self.setup_detail = widgets.HTML()
        self.setup_detail.add_class("lpt-setup-detail")
        self.confirm = widgets.Checkbox(description="Yes, archive it", indent=False)
        button = widgets.Button(description="Archive", button_style="warning", layout=widgets.Layout(width="auto"))
        button.on_click(lambda _: self.archive())
        self.archive_button = widgets.HBox([self.confirm, button], layout=widgets.Layout(display="none"))
        return widgets.VBox([self.show_archived, self.setup_choice, self.setup_detail, self.archive_button])

    def _door_tab(self) -> widgets.Widget:
        self.door_map = base_map(tuple(self.shapes.total_bounds) if len(self.shapes) else None)
        self.door_map.layout = widgets.Layout(height="380px", width="100%")
        self.door_table = widgets.HTML()
        self.door_table.add_class("lpt-every-door")
        self.start_button = widgets.Button(description="Start the every-door campaign", button_style="primary",
                                           layout=widgets.Layout(width="auto", display="none"))
        self.start_button.on_click(lambda _: self.start_every_door())
        legend = widgets.HTML("<span class='lpt-note'>Wards shaded by the share of households visited since the "
                              "campaign began (darker: more). Tap a ward for its figure.</span>")
        return widgets.VBox([self.door_map, legend, self.start_button, self.door_table])

    # --- internals --------------------------------------------------------------------

    def _wards(self) -> list[str]:
        """The wards the user may set up work in, or else covers; empty for force-wide roles (every ward)."""
        if not self.manages:
            return sorted(covered_wards(self.engine, self.caller))
        granted = authorize(self.engine, self.caller, _MANAGE, purpose=_PURPOSE)
        return [] if granted.wards is None else sorted(granted.wards)

    def _list_streets(self, ward: str | None) -> None:
        streets = household_streets(self.engine, [ward] if ward else [])
        self.street_choice.options = [(f"{row.street} ({row.households} households)", (row.lsoa21_code, row.street))
                                      for row in streets.itertuples()]

    def _set_layer(self, key: str, layer: GeoJSON, on_map: Map | None = None) -> None:
        """Put ``layer`` on the map (default the New setup map) in place of the previous layer of ``key``."""
        target = on_map or self.map
        old = self.layers.get(key)
        if old is not None and old in target.layers:
            target.remove(old)
        self.layers[key] = layer
        target.add(layer)

    def _final_report(self, setup_id: int) -> str:
        """Write the archived setup's final report (lpt.reports.publish.setup_report); a sentence saying where."""
        from lpt.reports.publish import setup_report  # papermill: imported when a setup is archived, not at start

        try:
            path = setup_report(self.engine.url.render_as_string(hide_password=False), self.caller.user_id, setup_id)
        except LPTError as exc:
            return f"Its final report was not written ({exc}): run 'lpt report setup {setup_id}'."
        return f"Its final report is {path.name} in the reports folder."

    def _clicked_ward(self, **event: Any) -> None:
        properties = (event.get("feature") or {}).get("properties") or {}
        self.status.value = message(f"{properties.get('name')}: {properties.get('share')} of households visited.")
