"""What a report shows, computed here so the report notebooks only display it.

Every table and figure of ``notebooks/ward_report.ipynb``,
``notebooks/force_overview.ipynb`` and ``notebooks/setup_report.ipynb`` comes
from one function of this module, so the rules for what a report may show live
in tested code, not in notebook cells.

Public reports (``Audience.PUBLIC``) follow these rules:

* every count of people (members, respondents, answers ``n``, people of a group)
  passes through public disclosure control (suppressed below 10, rounded to 5),
  and a mean, share or change is shown only on a base of at least 10;
* no street-level detail at all: no recommended streets, no street points on
  the map, no street names in "what was done" and no free-text notes (they may
  name people or addresses); the recommended streets are an operational list for
  officers, and a street with its reasons could point at the few households that
  answered there. Crime figures (public police.uk data) are shown as they are;
* no personal data: no names, e-mail addresses, house numbers or user IDs ever
  reach any report (the functions here only read aggregates);
* no door-knocking figures: they are operational, for police use.

The setup report (a door-knocking setup's progress) is internal only: its counts
come through lpt.setups.progress under internal disclosure control, and it names
the streets and the officers who called (staff, not residents), as a
supervisor's progress view does.
"""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
from matplotlib.figure import Figure
from sqlalchemy import Engine

from lpt.access.guard import Area, User
from lpt.disclosure import RULES, Audience, disclose_counts
from lpt.insight.profile import AreaProfile
from lpt.priorities.lifecycle import done_actions
from lpt.priorities.recommend import recommend, ward_scores
from lpt.priorities.score import score_streets
from lpt.setups.model import local_day
from lpt.setups.progress import MEASURES, SetupProgress, ward_setups
from lpt.stats import results
from lpt.store.queries import boundaries, read_table, streets
from lpt.store.schema import insight_lsoa

__all__ = [
    "HIDDEN",
    "confidence_by_ward",
    "confidence_table",
    "crime_change_by_ward",
    "crime_table",
    "crime_trend_figure",
    "done_table",
    "force_code",
    "headline_table",
    "peer_table",
    "priorities_table",
    "public_counts",
    "representation_table",
    "setup_group_table",
    "setup_heading",
    "setup_officer_table",
    "setup_progress_figure",
    "setup_progress_note",
    "setup_progress_table",
    "setup_street_table",
    "setup_totals_table",
    "setup_ward_table",
    "street_table",
    "ward_league",
    "ward_map",
    "ward_names",
    "what_changed",
]

HIDDEN = "not shown (too few)"
"""What a report prints where disclosure control hid a figure: a word, never a number."""

_PURPOSE = "report"
_MEASURE_LABELS = {
    "targeted": "Households targeted",
    "visited": "Households visited",
    "spoken_to": "Households spoken to",
    "registered": "Residents registered on the doorstep",
    "survey_responses": "Doorstep survey responses",
}
_CURVES = {"visited": ("households visited", "tab:blue"), "spoken_to": ("households spoken to", "tab:green"),
           "registered": ("residents registered", "tab:purple")}
_HEADLINE = {
    "households": "Households on the address list",
    "members": "Registered members",
    "coverage_pct": "Households registered (%)",
    "responses": "Survey answers",
    "response_rate_pct": "Response rate (%)",
    "trust_mean": "Trust in local police (mean of 1-5)",
    "confidence_mean": "Confidence in local police (mean of 1-5)",
    "confident_pct": "Confident in local police (%)",
    "concerns": "Concerns raised",
    "crime_records": "Crimes and ASB incidents (police.uk)",
    "crime_harm": "Crime harm (Cambridge Crime Harm Index, days)",
    "imd2025_decile": "Deprivation decile, IMD 2025 (1 = most deprived)",
}


def public_counts(frame: pd.DataFrame, columns: list[str], audience: Audience) -> pd.DataFrame:
    """``frame`` with its people-count ``columns`` through the ``audience``'s disclosure rule (NA where hidden).

    Model results leave lpt.stats.results under the internal rule; a public report applies the
    stricter one on top (on the exact counts the internal rule let through, so no rounding compounds).
    """
    out = frame.copy()
    for column in columns:
        out[column] = disclose_counts(out[column], audience)
    return out


def _enough(n, audience: Audience) -> bool:
    return pd.notna(n) and int(n) >= RULES[audience].threshold


def _shown(frame: pd.DataFrame) -> pd.DataFrame:
    """For display: hidden values as a word, so no suppressed number can appear."""
    return frame.astype(object).where(frame.notna(), HIDDEN)


def ward_names(engine: Engine) -> pd.Series:
    """Ward name per ward code (the ward boundaries' names)."""
    wards = boundaries(engine, "ward_boundaries")
    return pd.Series(wards["name"].to_numpy(), index=wards["code"].to_numpy())


def force_code(engine: Engine) -> str:
    """The police force area of the store's LSOAs (the most common one), for force-level profiles."""
    codes = read_table(engine, insight_lsoa, ["pfa_code"])["pfa_code"].dropna()
    return str(codes.mode().iloc[0])


def headline_table(profile: AreaProfile) -> pd.DataFrame:
    """Headline figures of a profile: ``figure`` and ``value`` (hidden ones as :data:`HIDDEN`)."""
    rows = [(label, profile.summary.get(key)) for key, label in _HEADLINE.items()]
    table = pd.DataFrame({"value": pd.Series([v for _, v in rows], index=[k for k, _ in rows], dtype=object)})
    return _shown(table.rename_axis("figure"))


def what_changed(engine: Engine, caller: User, ward: str, audience: Audience = Audience.INTERNAL) -> pd.DataFrame:
    """The latest quarter's change in confidence (tested, FDR-corrected) and in crime, as sentences.

    Columns: ``measure``, ``wave``, ``previous_wave``, ``n`` (answers, after disclosure control;
    NA for crime), ``significant``, ``sentence``. A public report says "too few answers" where
    either quarter's base is under the public threshold.
    """
    confidence = results.confidence_changes(engine, caller, purpose=_PURPOSE, area=Area("ward", ward))
    confidence = confidence[confidence["area_code"] == ward].tail(1)
    if audience is Audience.PUBLIC:
        small = ~confidence["n"].map(lambda n: _enough(n, audience)) | ~confidence["previous_n"].map(lambda n: _enough(n, audience))
        confidence = public_counts(confidence, ["n"], audience)
        confidence.loc[small, "sentence"] = "Too few answers to compare with the previous quarter in a public report."
    crime = results.crime_changes(engine)
    crime = crime[crime["area_code"] == ward].tail(1).assign(n=pd.NA)
    rows = pd.concat([confidence.assign(measure="Confidence in local police"), crime.assign(measure="Crime and ASB")])
    return rows[["measure", "wave", "previous_wave", "n", "significant", "sentence"]].reset_index(drop=True)


def confidence_table(engine: Engine, caller: User, ward: str, audience: Audience = Audience.INTERNAL) -> pd.DataFrame:
    """Share confident in the ward, raw and weighted to the census, with its 95% interval and ``n``.

    Public: ``n`` through public disclosure control and no estimate on fewer than 10 answers.
    """
    table = results.weighted_confidence(engine, caller, purpose=_PURPOSE, area=Area("ward", ward))
    table = table[table["area_code"] == ward]
    if audience is Audience.PUBLIC:
        small = ~table["n"].map(lambda n: _enough(n, audience))
        table = public_counts(table, ["n"], audience)
        table.loc[small, ["unweighted", "weighted", "ci_low", "ci_high"]] = float("nan")
    shares = ["unweighted", "weighted", "ci_low", "ci_high"]
    table = table.assign(**{c: (100 * table[c]).round(1) for c in shares})
    table = table.rename(columns={c: f"{c}_pct" for c in shares})
    return _shown(table.drop(columns=["area_code"]).reset_index(drop=True))


def priorities_table(profile: AreaProfile) -> pd.DataFrame:
    """Residents' priorities: respondents naming each topic and their share (already disclosure-controlled)."""
    return _shown(profile.priorities)


def crime_table(profile: AreaProfile) -> pd.DataFrame:
    """Crime and ASB per type this period and the period before, with harm (public police.uk data)."""
    return profile.crime.round(1)


def crime_trend_figure(profile: AreaProfile) -> Figure:
    """Monthly records and harm of the area, on two axes."""
    figure = Figure(figsize=(8, 3.5))
    ax = figure.subplots()
    trend = profile.crime_trend
    ax.plot(trend["month"], trend["records"], marker="o", color="tab:blue", label="records")
    ax.set_ylabel("crimes and ASB incidents")
    right = ax.twinx()
    right.plot(trend["month"], trend["harm"], marker="s", color="tab:red", label="harm")
    right.set_ylabel("harm (days)")
    ax.set_title(f"Crime and ASB in {profile.name}: records and harm by month")
    ax.tick_params(axis="x", rotation=45)
    figure.legend(loc="upper left")
    figure.tight_layout()
    return figure


def street_table(engine: Engine, caller: User, ward: str, top: int = 5) -> pd.DataFrame:
    """The ward's recommended streets (internal reports only): ``rank``, ``street``, ``lsoa21_code``,
    ``reasons`` and ``actions`` in words, plus the point columns the map uses."""
    found = recommend(engine, caller, ward=ward, top=top, purpose=_PURPOSE)
    table = found.streets
    return pd.DataFrame({
        "rank": table["rank_in_ward"],
        "street": table["street_name"],
        "lsoa21_code": table["lsoa21_code"],
        "reasons": ["; ".join(r["text"] for r in reasons) or "high overall score" for reasons in table["reasons"]],
        "actions": ["; ".join(f"{a['action']} ({a['who']})" for a in acts) for acts in table["actions"]],
    })


def done_table(engine: Engine, caller: User, ward: str, audience: Audience = Audience.INTERNAL) -> pd.DataFrame:
    """What was done about earlier recommendations in the ward. Internal: street, action, date, note.
    Public: only the action and the month it was done (no street, no free-text note)."""
    done = done_actions(engine, caller, area=Area("ward", ward), purpose=_PURPOSE)
    if audience is Audience.PUBLIC:
        month = pd.to_datetime(done["done_on"]).dt.strftime("%Y-%m")
        return pd.DataFrame({"action": done["action"], "done_in": month})
    return done[["street_name", "action", "done_on", "done_note"]].rename(columns={"street_name": "street"})


def ward_map(engine: Engine, ward: str, recommended: pd.DataFrame | None = None) -> Figure:
    """Static map of the ward: its LSOAs shaded by IMD 2025 decile, its boundary and, when given
    (internal reports), the recommended streets' points numbered by rank. No tiles: it draws
    from the stored boundaries only (British National Grid, so distances look right)."""
    lsoa = read_table(engine, insight_lsoa, ["lsoa21_code", "ward_code", "imd2025_decile"])
    lsoa = lsoa[lsoa["ward_code"] == ward]
    shapes = boundaries(engine, "lsoa21_boundaries").merge(lsoa, left_on="code", right_on="lsoa21_code").to_crs(27700)
    outline = boundaries(engine, "ward_boundaries")
    outline = outline[outline["code"] == ward].to_crs(27700)
    figure = Figure(figsize=(7, 7))
    ax = figure.subplots()
    shapes.plot(ax=ax, column="imd2025_decile", cmap="RdYlGn", vmin=1, vmax=10, legend=True, edgecolor="white",
                legend_kwds={"label": "IMD 2025 decile (1 = most deprived)", "shrink": 0.6}, missing_kwds={"color": "lightgrey"})
    outline.boundary.plot(ax=ax, color="black", linewidth=1.5)
    if recommended is not None and len(recommended):
        import geopandas as gpd

        points = streets(engine, [ward]).merge(
            recommended.rename(columns={"street": "street_name"})[["rank", "street_name", "lsoa21_code"]],
            on=["lsoa21_code", "street_name"],
        )
        located = gpd.GeoDataFrame(points, geometry=gpd.points_from_xy(points["longitude"], points["latitude"]), crs=4326).to_crs(27700)
        located.plot(ax=ax, color="navy", markersize=40, zorder=3)
        for point, rank in zip(located.geometry, located["rank"]):
            ax.annotate(str(rank), (point.x, point.y), xytext=(4, 4), textcoords="offset points", fontsize=9, weight="bold")
    name = outline["name"].iloc[0] if len(outline) else ward
    ax.set_title(f"{name}: LSOAs by deprivation" + (" and streets to focus on" if recommended is not None else ""))
    ax.set_axis_off()
    figure.tight_layout()
    return figure


def representation_table(engine: Engine, caller: User, ward: str, audience: Audience = Audience.INTERNAL) -> pd.DataFrame:
    """The least represented groups among the ward's members against the census, with people counts
    through the audience's disclosure rule (a public report drops rows whose count it hides)."""
    table = results.representation_of(engine, caller, purpose=_PURPOSE, area=Area("ward", ward))
    table = table[table["ward_code"] == ward]
    table = public_counts(table, ["people", "stated"], audience)
    if audience is Audience.PUBLIC:
        table = table[table["people"].notna() & table["stated"].notna()]
    columns = ["dimension", "category", "people", "stated", "people_share", "census_share", "index", "sentence"]
    out = table[columns].reset_index(drop=True)
    out[["people_share", "census_share", "index"]] = out[["people_share", "census_share", "index"]].astype(float).round(2)
    return _shown(out)


def peer_table(engine: Engine, ward: str, k: int = 5) -> pd.DataFrame:
    """The ward's ``k`` most similar wards by deprivation, population mix and crime, named."""
    peers = results.peer_wards(engine, k=k)
    peers = peers[peers["ward_code"] == ward]
    names = ward_names(engine)
    return pd.DataFrame({
        "rank": peers["rank"].to_numpy(),
        "ward": peers["peer_code"].map(names).fillna(peers["peer_code"]).to_numpy(),
        "code": peers["peer_code"].to_numpy(),
        "distance": peers["distance"].round(2).to_numpy(),
    })


def ward_league(engine: Engine, top: int = 10) -> pd.DataFrame:
    """Wards ranked by the mean priority score of their top streets (lpt.priorities.recommend.ward_scores), named."""
    table = ward_scores(score_streets(engine), top=top)
    table.insert(1, "ward", table["ward_code"].map(ward_names(engine)))
    table["mean_top_score"] = table["mean_top_score"].round(3)
    return table


def confidence_by_ward(engine: Engine, caller: User) -> pd.DataFrame:
    """Share confident per ward, weighted to the census, with ``n`` (internal disclosure control)."""
    table = results.weighted_confidence(engine, caller, purpose=_PURPOSE)
    table.insert(1, "ward", table["area_code"].map(ward_names(engine)))
    shares = ["unweighted", "weighted", "ci_low", "ci_high"]
    table = table.assign(**{c: (100 * table[c]).round(1) for c in shares}).rename(columns={c: f"{c}_pct" for c in shares})
    return _shown(table.sort_values("weighted_pct", na_position="last").reset_index(drop=True))


def crime_change_by_ward(engine: Engine) -> pd.DataFrame:
    """Each ward's latest quarter of crime against the previous one (Poisson test, FDR), with a sentence."""
    table = results.crime_changes(engine)
    latest = table[table["wave"] == table["wave"].max()].copy()
    latest.insert(1, "ward", latest["area_code"].map(ward_names(engine)))
    columns = ["area_code", "ward", "wave", "previous_wave", "records", "previous_records", "p_adjusted", "significant", "sentence"]
    return latest[columns].sort_values("records", ascending=False).reset_index(drop=True)


# --- door-knocking setups -------------------------------------------------------


def setup_progress_table(engine: Engine, caller: User, ward: str, audience: Audience = Audience.INTERNAL) -> pd.DataFrame:
    """The door-knocking setups touching the ward (active and archived) with the ward's figures and plan as
    their progress shows them (lpt.setups.progress.ward_setups, to today): ``setup_id``, ``name``,
    ``status``, ``days``, the counts of lpt.setups.progress.MEASURES, ``planned`` (households by now) and
    ``plan`` (the sentence). Public reports: none (an empty frame; :func:`setup_progress_note` says why)."""
    columns = ["setup_id", "name", "status", "days", *MEASURES, "planned", "plan"]
    if audience is Audience.PUBLIC:
        return pd.DataFrame(columns=columns)
    table = ward_setups(engine, caller, ward, purpose=_PURPOSE)
    days = [_days(start, end) for start, end in zip(table["starts_on"], table["ends_on"])]
    planned = table["planned"].astype(object).where(table["plan_status"] != "no end date", "no end date")
    return _shown(table.assign(days=days, planned=planned)[columns])


def setup_progress_note(audience: Audience) -> str:
    """What the ward report says where :func:`setup_progress_table` is empty."""
    if audience is Audience.PUBLIC:
        return "Door-knocking figures are for police use and are not published."
    return "No door-knocking setup covers this ward."


def setup_heading(found: SetupProgress) -> str:
    """The setup report's opening lines (Markdown): name, area and criteria, days, status, the plan."""
    setup, plan = found.setup, found.plan
    status = setup.status + (f" on {local_day(setup.archived_at)}" if setup.archived_at else "")
    return (f"**{setup.spec.name}** (setup {setup.setup_id}, {setup.kind.replace('_', ' ')}): "
            f"{setup.spec.describe()}. {_days(setup.spec.starts_on, setup.spec.ends_on)}; {status}. "
            f"Figures to {plan.as_of}, disclosure-controlled: \"{HIDDEN}\" marks a hidden figure.\n\n"
            f"{plan.sentence}")


def setup_totals_table(found: SetupProgress) -> pd.DataFrame:
    """The setup's totals (``figure``, ``value``) and the households planned by the last day counted."""
    totals = found.by_ward.iloc[-1]
    rows = {label: totals[measure] for measure, label in _MEASURE_LABELS.items()}
    rows[f"Households planned by {found.plan.as_of}"] = found.plan.planned if found.setup.spec.ends_on else "no end date"
    return _shown(pd.DataFrame({"value": pd.Series(rows, dtype=object)}).rename_axis("figure"))


def setup_progress_figure(found: SetupProgress) -> Figure:
    """Running totals of households visited and spoken to and residents registered at the end of each
    week, against the plan: a straight line from none before the first day to every targeted household
    on the last (none without an end date, or with the targeted households hidden). Weeks whose figures
    are hidden are left out of the lines."""
    figure = Figure(figsize=(8, 3.5))
    ax = figure.subplots()
    weeks = found.over_time
    for column, (label, colour) in _CURVES.items():
        shown = weeks[weeks[column].notna()]
        ax.plot(shown["up_to"], shown[column].astype(float), marker="o", color=colour, label=label)
    spec, targeted = found.setup.spec, found.plan.targeted
    if spec.ends_on is not None and targeted is not None:
        ax.plot([spec.starts_on - timedelta(days=1), spec.ends_on], [0, targeted], linestyle="--", color="grey",
                label="plan: targeted households visited")
    ax.set_title(f"{spec.name}: progress by week against the plan")
    ax.set_ylabel("running total")
    ax.legend(loc="best", fontsize="small")
    figure.autofmt_xdate()
    figure.tight_layout()
    return figure


def setup_ward_table(engine: Engine, found: SetupProgress) -> pd.DataFrame:
    """The setup's figures per ward, named, with the ``Total`` row."""
    table = found.by_ward
    named = table.assign(ward=table["ward_code"].map(ward_names(engine)).fillna(table["ward_code"]))
    return _shown(named[["ward", "ward_code", *MEASURES]])


def setup_street_table(found: SetupProgress, top: int = 30) -> pd.DataFrame:
    """The ``top`` streets by households targeted (hidden counts last), with their figures."""
    streets = found.by_street.iloc[:-1].sort_values(["targeted", "street"], ascending=[False, True], na_position="last")
    return _shown(streets.head(top)[["street", "lsoa21_code", "ward_code", *MEASURES]].reset_index(drop=True))


def setup_officer_table(found: SetupProgress) -> pd.DataFrame:
    """Calls, calls where a resident spoke, registrations and surveys per officer who called (named)."""
    table = found.by_officer
    named = table.assign(officer=table["officer_name"].fillna(table["officer_id"]))
    return _shown(named[["officer", "visits", "spoken_to", "registered", "survey_responses"]])


def setup_group_table(found: SetupProgress) -> pd.DataFrame:
    """Residents registered on the doorstep and doorstep surveys by ethnic group and by age band."""
    return _shown(found.by_group)


def _days(starts_on, ends_on) -> str:
    return f"{starts_on} to {ends_on}" if ends_on is not None and pd.notna(ends_on) else f"from {starts_on}, no end date"
