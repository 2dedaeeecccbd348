"""How far door-knocking has got, for supervisors: per setup, per team, per ward, and the every-door map.

A supervisor follows a setup by where (ward, street), who (officer), whom (the registered residents'
ethnic group and age band, so a setup aimed at a community shows whether it reaches it) and when
(week by week against the plan: the households targeted, visited evenly from the first day to the
last). Recording lives in lpt.setups.visits; this module only counts.

Every count comes from personal data (households' registration, doorstep outcomes, members'
demographics), so every function goes through the guard (``team_progress`` for supervisors,
``area_counts`` otherwise, audited) and every figure through internal disclosure control. A setup's
tables break down the same totals (its registrations per ward, street, officer, ethnic group and age
band), so each measure's tables are disclosed together (lpt.disclosure.disclose_linked): no hidden
cell can be worked out from another table. The weekly running totals show a week only when it adds
at least the threshold to the last week shown (see :func:`_running_totals`), and only when the
measure's total is shown. Team and ward summaries repeat a setup's disclosed figures, or add up
shown ones (a sum with a hidden part is hidden), so they disclose nothing more.

"The day" is a day in Europe/London; the period counted runs from the setup's first day to the day
asked about (``on``), its last day or the day it was archived, whichever comes first, so a report
of an archived setup reads the same whenever it is rendered.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import pandas as pd
from sqlalchemy import Engine, and_, func, select

from lpt.access.guard import Area, User, authorize, record_access
from lpt.disclosure import RULES, TOTAL, Audience, disclose, disclose_linked
from lpt.errors import LPTError
from lpt.setups.model import (
    LONDON,
    SPOKE,
    Setup,
    action_for,
    authorize_setup,
    every_door_id,
    load_setup,
    load_setups,
    local_day,
    refuse,
    utc,
    wards_within,
)
from lpt.setups.selection import area_query, read_in_area, selected_households
from lpt.store.frames import read_query
from lpt.store.schema import households, members, postcode_links, setup_visits, teams, users
from lpt.vocab import AGE_BANDS, ETHNIC_GROUPS

__all__ = [
    "MEASURES",
    "NOT_KNOWN",
    "NOT_REGISTERED",
    "PlanStatus",
    "SetupProgress",
    "TeamProgress",
    "plan_status",
    "progress",
    "team_progress",
    "visited_share_by_ward",
    "ward_setups",
]

#: What a setup's progress counts, per ward, street and setup: households targeted, visited and spoken
#: to, residents registered on the doorstep, doorstep survey responses.
MEASURES = ("targeted", "visited", "spoken_to", "registered", "survey_responses")
#: Group of a registered resident who did not give it (or whose record was erased since).
NOT_KNOWN = "not known"
#: Group of a doorstep survey answered by a resident who did not register (their group is not asked).
NOT_REGISTERED = "not registered"
_GROUPS = {"ethnic_group": ETHNIC_GROUPS, "age_band": AGE_BANDS}
_COUNTS = ("team_progress", "area_counts")
_STREET = ["ward_code", "lsoa21_code", "street"]
_SUMMARY = ["setup_id", "name", "status", "starts_on", "ends_on", *MEASURES, "planned", "plan_status", "plan"]
_OFFICER = ["visits", "spoken_to", "registered", "survey_responses"]
_THRESHOLD = RULES[Audience.INTERNAL].threshold


@dataclass(frozen=True)
class PlanStatus:
    """Households visited against the plan by ``as_of``: the plan visits the ``targeted`` households
    evenly over the setup's days, so by the end of a day it has planned ``targeted`` × the share of the
    days gone (``planned``, ``planned_pct``); a setup without an end date has no plan.

    ``status``: ``ahead``, ``behind``, ``on plan``, ``no end date``, ``not started`` (``as_of`` is before
    its first day) or ``not shown`` (targeted or visited hidden by disclosure control). ``difference``:
    visited − planned; ``visited_pct``: visited per 100 targeted; ``sentence``: the one line for a report.
    """

    as_of: date
    status: str
    targeted: int | None
    visited: int | None
    planned: int | None
    difference: int | None
    visited_pct: float | None
    planned_pct: float | None
    sentence: str


@dataclass(frozen=True)
class SetupProgress:
    """A setup's progress in the caller's wards, to ``plan.as_of``; counts through internal disclosure
    control (<NA> where hidden); the tables of counts end with a ``Total`` row.

    ``by_ward``: ``ward_code`` and :data:`MEASURES`: ``targeted`` (households the setup selects,
    registered ones left out unless it revisits them, registration as of the day before it started),
    ``visited`` and ``spoken_to`` (households called at; where a resident spoke to the officer),
    ``registered`` (residents registered on the doorstep), ``survey_responses`` (doorstep surveys).
    Every ward of the setup's area the caller covers, called at or not.
    ``by_street``: ``ward_code``, ``lsoa21_code``, ``street`` (the street key) and :data:`MEASURES`; every
    street of the area's address register in those wards (listed whatever its counts, so a missing row
    tells nothing), by ward and name; the ``Total`` row has ``ward_code`` Total and no street.
    ``by_officer``: ``officer_id``, ``officer_name``, ``visits`` (calls made), ``spoken_to`` (calls where
    a resident spoke), ``registered``, ``survey_responses``; the officers who called.
    ``by_group``: ``dimension`` (``ethnic_group``, ``age_band``), ``category`` (lpt.vocab's, then
    :data:`NOT_KNOWN` and :data:`NOT_REGISTERED`, then ``Total``), ``registered`` (residents registered on
    the doorstep, by the group they gave; 0 in the "not registered" row, by definition) and
    ``survey_responses`` (doorstep surveys, by the group of the resident registered at that call).
    ``over_time``: one row per week (Monday to Sunday, Europe/London) from the week of the first day:
    ``week_starting`` (the Monday, which may come before the first day), ``up_to`` (the last day counted:
    the Sunday, or ``plan.as_of`` in the last week), running totals to ``up_to`` of ``visited``,
    ``spoken_to`` (households), ``registered`` and ``survey_responses`` (hidden in a week that adds fewer
    than 5 to the last week shown or comes within 5 of the total: :func:`_running_totals`), ``planned``
    (households, :class:`PlanStatus`; <NA> without an end date or with ``targeted`` hidden) and
    ``planned_pct`` (share of the setup's days gone). ``plan``: :class:`PlanStatus`; ``setup``: the setup.
    """

    by_ward: pd.DataFrame
    by_officer: pd.DataFrame
    by_street: pd.DataFrame
    by_group: pd.DataFrame
    over_time: pd.DataFrame
    plan: PlanStatus
    setup: Setup


@dataclass(frozen=True)
class TeamProgress:
    """A team's door-knocking in the caller's wards.

    ``setups``: one row per setup of the team, newest first, active and archived: ``setup_id``, ``name``,
    ``status``, ``starts_on``, ``ends_on``, the setup's totals of :data:`MEASURES` (as its own progress
    shows them), ``planned``, ``plan_status`` and ``plan`` (:class:`PlanStatus` status and sentence).
    ``by_officer``: the team's members and everyone who called for its setups: ``officer_id``,
    ``officer_name``, ``setups`` (how many of them they called for), ``visits``, ``spoken_to``,
    ``registered``, ``survey_responses`` (the sums of their figures in each setup's progress; hidden
    when one of them is), and a ``Total`` row. ``details``: each listed setup's own :class:`SetupProgress` by
    setup ID (worked out anyway for the totals; an app shows one without counting again).
    """

    team_id: str
    setups: pd.DataFrame
    by_officer: pd.DataFrame
    details: dict[int, SetupProgress]


def progress(engine: Engine, caller: User, setup_id: int, *, on: date | datetime | None = None,
             purpose: str) -> SetupProgress:
    """How far a setup (active or archived) has got in the caller's wards by the day of ``on`` (a day, or
    a time-zone-aware moment; default today): :class:`SetupProgress`."""
    setup = load_setup(engine, setup_id)
    action = action_for(caller, _COUNTS)
    wards = authorize_setup(engine, caller, setup, action, purpose=purpose)
    found, calls = _setup_progress(engine, caller, setup, wards, _day(on), purpose)
    record_access(engine, caller.user_id, action, purpose, None, calls, "allowed", f"setup {setup.setup_id} progress")
    return found


def team_progress(engine: Engine, caller: User, team_id: str | None = None, *, on: date | datetime | None = None,
                  purpose: str) -> TeamProgress:
    """Every setup of a team (default: the caller's) with its totals and plan, and its officers across
    them (:class:`TeamProgress`), in the caller's wards; another team's only for force-wide readers."""
    action = action_for(caller, _COUNTS)
    granted = authorize(engine, caller, action, purpose=purpose)
    team = team_id or caller.team_id
    if team is None:
        raise LPTError(f"{caller.user_id} is in no team: name the team whose progress to show")
    if team != caller.team_id and granted.grant.scope != "force":
        refuse(engine, caller, action, purpose, f"team {team}", "only force-wide readers follow another team")
    with engine.connect() as connection:
        if connection.execute(select(teams.c.team_id).where(teams.c.team_id == team)).first() is None:
            raise LPTError(f"no team {team!r}")
    day, rows, officers, details, calls = _day(on), [], [], {}, 0
    for setup in load_setups(engine, team_id=team):
        wards = wards_within(setup.spec.area.wards_of(engine), granted.wards)
        if wards == frozenset():
            continue
        found, counted = _setup_progress(engine, caller, setup, wards, day, purpose)
        rows.append(_summary(setup, found.by_ward.iloc[-1], found.plan))
        officers.append(found.by_officer.assign(setups=1))
        details[setup.setup_id] = found
        calls += counted
    record_access(engine, caller.user_id, action, purpose, None, calls, "allowed", f"team {team} progress")
    return TeamProgress(team, _summaries(rows), _team_officers(engine, team, officers), details)


def ward_setups(engine: Engine, caller: User, ward: str, *, on: date | datetime | None = None,
                purpose: str) -> pd.DataFrame:
    """The setups touching ``ward`` (active and archived, newest first) with that ward's figures as each
    setup's progress for the caller shows them: the columns of :attr:`TeamProgress.setups`, the plan
    being the ward's (its targeted households over the setup's days)."""
    action = action_for(caller, _COUNTS)
    authorize(engine, caller, action, purpose=purpose, area=Area("ward", ward))  # the ward itself, or refused
    allowed = authorize(engine, caller, action, purpose=purpose).wards  # the wards a setup's tables span
    day, rows, calls = _day(on), [], 0
    for setup in load_setups(engine):
        wards = setup.spec.area.wards_of(engine)
        if wards is not None and ward not in wards:
            continue
        found, counted = _setup_progress(engine, caller, setup, wards_within(wards, allowed), day, purpose)
        shown = found.by_ward.set_index("ward_code")
        if ward in shown.index:
            figures = shown.loc[ward]
            rows.append(_summary(setup, figures, plan_status(setup, figures["targeted"], figures["visited"],
                                                             found.plan.as_of)))
            calls += counted
    record_access(engine, caller.user_id, action, purpose, Area("ward", ward), calls, "allowed", f"ward {ward} setups")
    return _summaries(rows)


def plan_status(setup: Setup, targeted: int | None, visited: int | None, as_of: date) -> PlanStatus:
    """``visited`` against the plan for ``targeted`` households by the end of ``as_of`` (both as shown:
    None, or <NA>, where hidden)."""
    spec = setup.spec
    targeted, visited = _count(targeted), _count(visited)
    share = _days_share(setup, as_of)
    planned = None if share is None or targeted is None else math.floor(targeted * share + 0.5)
    planned_pct = None if share is None else round(100 * share, 1)
    visited_pct = None if not targeted or visited is None else round(100 * visited / targeted, 1)
    difference = None if planned is None or visited is None else visited - planned
    if as_of < spec.starts_on:
        status, sentence = "not started", f"Not started: it starts on {spec.starts_on}."
    elif spec.ends_on is None:
        done = "not shown (too few)" if visited is None else visited
        status, sentence = "no end date", f"No plan (the setup has no end date): {done} households visited by {as_of}."
    elif difference is None:
        status, sentence = "not shown", f"Progress against the plan is not shown by {as_of}: too few households to show."
    else:
        status = "ahead" if difference > 0 else "behind" if difference < 0 else "on plan"
        lead = {"ahead": f"Ahead of plan by {difference}", "behind": f"Behind plan by {-difference}", "on plan": "On plan"}
        sentence = (f"{lead[status]}: {visited} of {targeted} households visited by {as_of} ({visited_pct:g}%), "
                    f"{planned} planned ({planned_pct:g}% of the days gone).")
    return PlanStatus(as_of, status, targeted, visited, planned, difference, visited_pct, planned_pct, sentence)


def visited_share_by_ward(engine: Engine, caller: User, *, purpose: str) -> pd.DataFrame:
    """The every-door campaign per ward of the caller's areas, for a map: ``ward_code``, ``households``
    (the address register), ``visited`` (households called at in any setup since the campaign began:
    a knock is a knock; through internal disclosure control, <NA> where hidden) and ``share_pct``
    (visited per 100 households, where shown); a ``Total`` row last."""
    setup_id = every_door_id(engine)
    if setup_id is None:
        raise LPTError("there is no every-door setup yet: an admin starts it (lpt.setups.every_door_setup)")
    setup = load_setup(engine, setup_id)
    action = action_for(caller, _COUNTS)
    wards = authorize_setup(engine, caller, setup, action, purpose=purpose)
    register = select(postcode_links.c.ward_code, func.count().label("households")).join(
        households, households.c.postcode == postcode_links.c.postcode
    ).where(postcode_links.c.ward_code.is_not(None)).group_by(postcode_links.c.ward_code)
    if wards is not None:
        register = register.where(postcode_links.c.ward_code.in_(sorted(wards)))
    counts = read_query(engine, register).set_index("ward_code")["households"].astype("int64")
    calls = _calls(engine, wards, setup_visits.c.visited_at >= _day_start(setup.spec.starts_on))
    visited = disclose(calls.groupby("ward_code")["address_id"].nunique().reindex(counts.index, fill_value=0),
                       Audience.INTERNAL).values
    table = pd.DataFrame({"households": pd.concat([counts, pd.Series({TOTAL: counts.sum()})]), "visited": visited})
    table["share_pct"] = (100 * table["visited"].astype("Float64") / table["households"]).round(1)
    record_access(engine, caller.user_id, action, purpose, None, len(calls), "allowed", "every door: visited share")
    return table.rename_axis("ward_code").reset_index()


# --- one setup ------------------------------------------------------------------


def _setup_progress(engine: Engine, caller: User, setup: Setup, wards: frozenset[str] | None, day: date,
                    purpose: str) -> tuple[SetupProgress, int]:
    """The setup's progress in ``wards`` (the caller is authorized for them) to ``day``, and the number
    of calls counted (for the audit log)."""
    spec = setup.spec
    as_of = _last_day(setup, day)
    targeted = selected_households(engine, caller, spec, wards, spec.starts_on - timedelta(days=1), purpose=purpose)
    if not spec.revisit:
        targeted = targeted[~targeted["registered"]]
    calls = _calls(engine, wards, and_(setup_visits.c.setup_id == setup.setup_id,
                                      setup_visits.c.visited_at < _day_start(as_of + timedelta(days=1))))
    register = read_in_area(engine, spec.area, area_query(spec.area, wards))
    streets = (pd.concat([register[_STREET], calls[_STREET]]).drop_duplicates()
               .sort_values(["ward_code", "street", "lsoa21_code"]).reset_index(drop=True))
    officers = sorted(calls["officer_id"].unique())
    linked = {measure: _disclosed(measure, calls, targeted, streets, officers) for measure in MEASURES}
    by_ward = pd.DataFrame({m: shown["ward"].values for m, shown in linked.items()}).rename_axis("ward_code").reset_index()
    totals = by_ward.iloc[-1]
    found = SetupProgress(
        by_ward=by_ward,
        by_officer=_by_officer(engine, calls, officers, linked),
        by_street=_by_street(streets, linked),
        by_group=_by_group(linked),
        over_time=_over_time(setup, calls, totals, as_of),
        plan=plan_status(setup, totals["targeted"], totals["visited"], as_of),
        setup=setup,
    )
    return found, len(calls)


def _events(measure: str, calls: pd.DataFrame, targeted: pd.DataFrame | None = None) -> tuple[pd.DataFrame, bool]:
    """The rows a measure counts (of ``calls``, or ``targeted`` households), and whether it counts
    households (distinct addresses) rather than rows."""
    if measure == "targeted":
        return targeted, False
    if measure == "visited":
        return calls, True
    if measure == "spoken_to":
        return calls[calls["outcome"].isin(SPOKE)], True
    if measure == "registered":
        return calls[calls["member_id"].notna()], False
    return calls[calls["surveyed"]], False


def _disclosed(measure: str, calls: pd.DataFrame, targeted: pd.DataFrame, streets: pd.DataFrame,
               officers: list[str]) -> dict:
    """One measure per street, ward and (for registrations and surveys, which the officer and group tables
    break down too) officer and group, disclosed together (lpt.disclosure.disclose_linked)."""
    rows, distinct = _events(measure, calls, targeted)
    grouped = rows.groupby(_STREET, dropna=False)
    counts = grouped["address_id"].nunique() if distinct else grouped.size()
    street = pd.Series(counts.reindex(pd.MultiIndex.from_frame(streets), fill_value=0).to_numpy(dtype="int64"))
    breakdowns = {"ward": street.groupby(streets["ward_code"].to_numpy()).sum(), "street": street}
    if measure in ("registered", "survey_responses"):
        breakdowns["officer"] = rows.groupby("officer_id").size().reindex(officers, fill_value=0).astype("int64")
        others = [NOT_KNOWN] if measure == "registered" else [NOT_KNOWN, NOT_REGISTERED]  # no structural zero
        for dimension, categories in _GROUPS.items():
            group = rows[dimension].where(rows["member_id"].notna(), NOT_REGISTERED).fillna(NOT_KNOWN)
            breakdowns[dimension] = group.value_counts().reindex([*categories, *others], fill_value=0).astype("int64")
    return disclose_linked(breakdowns, Audience.INTERNAL, within={"street": ("ward", streets["ward_code"].tolist())})


def _by_street(streets: pd.DataFrame, linked: dict) -> pd.DataFrame:
    keys = pd.concat([streets, pd.DataFrame({"ward_code": [TOTAL], "lsoa21_code": [None], "street": [None]})],
                     ignore_index=True)
    return keys.assign(**{m: shown["street"].values.array for m, shown in linked.items()})


def _by_officer(engine: Engine, calls: pd.DataFrame, officers: list[str], linked: dict) -> pd.DataFrame:
    """Calls and calls where a resident spoke per officer (disclosed as their own tables: no other table
    breaks them down), with the linked registrations and surveys."""
    columns = {
        "visits": disclose(calls.groupby("officer_id").size().reindex(officers, fill_value=0).astype("int64"),
                           Audience.INTERNAL).values,
        "spoken_to": disclose(calls[calls["outcome"].isin(SPOKE)].groupby("officer_id").size()
                              .reindex(officers, fill_value=0).astype("int64"), Audience.INTERNAL).values,
        **{m: linked[m]["officer"].values for m in ("registered", "survey_responses")},
    }
    table = pd.DataFrame({name: values.to_numpy() for name, values in columns.items()},
                         index=[*officers, TOTAL]).rename_axis("officer_id").reset_index()
    table.insert(1, "officer_name", table["officer_id"].map(_officer_names(engine)))
    return table.astype({name: "Int64" for name in _OFFICER})


def _by_group(linked: dict) -> pd.DataFrame:
    parts = []
    for dimension in _GROUPS:
        surveys = linked["survey_responses"][dimension].values
        registered = linked["registered"][dimension].values.reindex(surveys.index, fill_value=0)  # none unregistered
        parts.append(pd.DataFrame({"dimension": dimension, "category": surveys.index,
                                   "registered": registered.to_numpy(), "survey_responses": surveys.to_numpy()}))
    return pd.concat(parts, ignore_index=True).astype({"registered": "Int64", "survey_responses": "Int64"})


def _over_time(setup: Setup, calls: pd.DataFrame, totals: pd.Series, as_of: date) -> pd.DataFrame:
    """Weekly running totals of the calls' measures against the plan (see :class:`SetupProgress`)."""
    start = setup.spec.starts_on
    mondays = pd.date_range(start - timedelta(days=start.weekday()), as_of, freq="W-MON").date if as_of >= start else []
    ends = [min(monday + timedelta(days=6), as_of) for monday in mondays]
    calls = calls.assign(day=pd.to_datetime(calls["visited_at"], utc=True).dt.tz_convert(LONDON).dt.date)
    frame = pd.DataFrame({"week_starting": list(mondays), "up_to": ends})
    for measure in MEASURES[1:]:
        rows, distinct = _events(measure, calls)
        first = rows.groupby("address_id")["day"].min() if distinct else rows["day"]
        running = pd.Series([int((first <= end).sum()) for end in ends], dtype="int64")
        frame[measure] = _running_totals(running, totals[measure])
    plans = [plan_status(setup, totals["targeted"], None, end) for end in ends]
    frame["planned"] = pd.array([plan.planned for plan in plans], dtype="Int64")
    frame["planned_pct"] = pd.array([plan.planned_pct for plan in plans], dtype="Float64")
    return frame


def _running_totals(running: pd.Series, total) -> pd.Series:
    """Weekly running totals as shown: none when the measure's total is hidden; otherwise the last week
    (the total itself) and each week that adds at least the threshold to the last week shown and stays
    at least the threshold below the total. The shown weeks then split the total into steps of 5 or
    more, so no week's small number can be worked out by subtraction (nor from the other tables, which
    break down the same, shown, total)."""
    shown = pd.Series(pd.NA, index=running.index, dtype="Int64")
    if pd.isna(total) or running.empty:
        return shown
    last = 0
    for week, value in running.iloc[:-1].items():
        if value - last >= _THRESHOLD and total - value >= _THRESHOLD:
            shown[week], last = value, value
    shown.iloc[-1] = total
    return shown


# --- summaries ------------------------------------------------------------------


def _summary(setup: Setup, figures: pd.Series, plan: PlanStatus) -> dict:
    """A setup's row of a team's or a ward's table (:data:`_SUMMARY`)."""
    spec = setup.spec
    return {"setup_id": setup.setup_id, "name": spec.name, "status": setup.status, "starts_on": spec.starts_on,
            "ends_on": spec.ends_on, **{m: figures[m] for m in MEASURES}, "planned": plan.planned,
            "plan_status": plan.status, "plan": plan.sentence}


def _summaries(rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=_SUMMARY).astype({name: "Int64" for name in (*MEASURES, "planned")})


def _team_officers(engine: Engine, team: str, tables: list[pd.DataFrame]) -> pd.DataFrame:
    """Per officer across the team's setups: sums of the figures each setup shows (hidden if one is)."""
    members_of = read_query(engine, select(users.c.user_id).where(users.c.team_id == team, users.c.active))["user_id"]
    idle = pd.DataFrame({"officer_id": members_of.tolist(), "setups": 0, **dict.fromkeys(_OFFICER, 0)})
    rows = pd.concat([*tables, idle], ignore_index=True).astype({name: "Int64" for name in _OFFICER})
    summed = rows.groupby("officer_id", sort=False)[["setups", *_OFFICER]].sum(min_count=1)
    hidden = rows[_OFFICER].isna().groupby(rows["officer_id"], sort=False).any()
    summed[_OFFICER] = summed[_OFFICER].mask(hidden)
    if TOTAL not in summed.index:  # no setup: nothing done
        summed.loc[TOTAL] = 0
    table = pd.concat([summed.drop(index=TOTAL).sort_index(), summed.loc[[TOTAL]]]).rename_axis("officer_id").reset_index()
    table.insert(1, "officer_name", table["officer_id"].map(_officer_names(engine)))
    return table.astype({"setups": "int64", **{name: "Int64" for name in _OFFICER}})


# --- internals ------------------------------------------------------------------


def _calls(engine: Engine, wards: frozenset[str] | None, where) -> pd.DataFrame:
    """Setup calls matching ``where`` at households in ``wards``: ``address_id``, the street key
    (``ward_code``, ``lsoa21_code``, ``street``), ``officer_id``, ``outcome``, ``visited_at``, ``surveyed``,
    ``member_id`` (registered at the call) and that member's ``ethnic_group`` and ``age_band``."""
    query = (
        select(setup_visits.c.address_id, postcode_links.c.ward_code, postcode_links.c.lsoa21_code,
               households.c.street, setup_visits.c.officer_id, setup_visits.c.outcome, setup_visits.c.visited_at,
               setup_visits.c.survey.is_not(None).label("surveyed"), setup_visits.c.member_id,
               members.c.ethnic_group, members.c.age_band)
        .join(households, households.c.address_id == setup_visits.c.address_id)
        .join(postcode_links, postcode_links.c.postcode == households.c.postcode)
        .outerjoin(members, members.c.member_id == setup_visits.c.member_id)
        .where(where)
    )
    if wards is not None:
        query = query.where(postcode_links.c.ward_code.in_(sorted(wards)))
    calls = read_query(engine, query)
    return calls.assign(surveyed=calls["surveyed"].astype(bool))


def _officer_names(engine: Engine) -> dict[str, str]:
    return dict(read_query(engine, select(users.c.user_id, users.c.name)).itertuples(index=False))


def _day(on: date | datetime | None) -> date:
    """The day asked about: today, the Europe/London day of an aware moment, or the day given."""
    if on is None or isinstance(on, datetime):
        return local_day(utc(on))
    if isinstance(on, date):
        return on
    raise LPTError(f"progress is counted to a day or a time-zone-aware moment, not {on!r}")


def _day_start(day: date) -> datetime:
    """Midnight starting ``day`` in Europe/London, in UTC."""
    return utc(datetime.combine(day, time(0), tzinfo=LONDON))


def _last_day(setup: Setup, day: date) -> date:
    """The last day counted: ``day``, the setup's last day or the day it was archived, the earliest."""
    ends = [day, setup.spec.ends_on, None if setup.archived_at is None else local_day(setup.archived_at)]
    return min(end for end in ends if end is not None)


def _days_share(setup: Setup, day: date) -> float | None:
    """The share of the setup's days gone by the end of ``day`` (None without an end date)."""
    spec = setup.spec
    if spec.ends_on is None:
        return None
    days = (spec.ends_on - spec.starts_on).days + 1
    return min(max((day - spec.starts_on).days + 1, 0), days) / days


def _count(value) -> int | None:
    return None if value is None or pd.isna(value) else int(value)
