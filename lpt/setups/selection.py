"""Which doors a setup sends officers to, and which are hidden for now.

:func:`priority_addresses` is a read of personal data (addresses, registration status, calls), so it
goes through the guard (action ``address_status``, audited) and filters by the wards allowed in SQL,
like lpt.access.data. Its rules:

* the households of the setup's area (wards, streets or a drawn polygon) that meet its criteria:
  criteria on members and survey answers hold for one of the household's registered members;
  deprivation and census criteria for its LSOA; "recommended streets" are the top N streets per ward
  of the officer's recommended streets (lpt.priorities.streets.area_streets);
* unless the setup revisits them, households with a registered member are hidden ("registered"), and
  so are those whose last call was declined ("declined");
* a call nobody answered ("not in") hides the door from everyone's list until 18:00 Europe/London that
  day, or, if it was after 18:00 there, until the end of that day (:func:`hidden_until`: one small pure
  function so the rule is tested directly, across the clock changes).

The last call at a door is the latest of any setup's calls (a door nobody answered is empty for every
list), at or before ``on``: the caller's clock is always passed in, never read inside the rules.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta

import pandas as pd
from sqlalchemy import Engine, Select, and_, exists, false, func, or_, select, tuple_

from lpt.access.guard import User, record_access
from lpt.census import ethnic_counts, shares
from lpt.errors import LPTError
from lpt.priorities.streets import area_streets
from lpt.setups.model import LONDON, Criteria, SetupArea, SetupSpec, authorize_setup, load_setup, local_day, utc
from lpt.store.frames import read_query
from lpt.store.schema import (
    households,
    members,
    postcode_links,
    ref_deprivation,
    ref_postcodes,
    setup_visits,
    survey_responses,
)

__all__ = [
    "ADDRESS_COLUMNS",
    "DECLINED",
    "NOT_IN",
    "NOT_IN_TONIGHT",
    "REGISTERED",
    "area_query",
    "hidden_until",
    "household_streets",
    "priority_addresses",
    "read_in_area",
    "selected_households",
]

#: Reasons in ``hidden_reason``: not in before 18:00, not in after 18:00, registered, declined.
NOT_IN, NOT_IN_TONIGHT, REGISTERED, DECLINED = "not in until 18:00", "not in until tomorrow", "registered", "declined"
#: Columns of :func:`priority_addresses` (meanings in its docstring).
ADDRESS_COLUMNS = [
    "address_id", "house_number", "house_name", "street", "postcode", "lsoa21_code", "ward_code", "longitude",
    "latitude", "registered", "last_outcome", "last_visited_at", "hidden", "hidden_reason", "hidden_until",
]
#: The hour of the day (Europe/London) until which a "not in" hides a door.
_EVENING = time(18, 0)
_CHUNK = 5000  # addresses per query for their last calls


def hidden_until(visited_at_utc: datetime, outcome: str) -> datetime | None:
    """Until when (UTC) a call hides its door: a "not in" before 18:00 Europe/London until 18:00 that
    day; one at or after 18:00 until midnight ending that day; any other outcome not at all (None)."""
    if outcome != "not_in":
        return None
    local = utc(visited_at_utc).astimezone(LONDON)
    if local.time() < _EVENING:
        ends = datetime.combine(local.date(), _EVENING, tzinfo=LONDON)
    else:
        ends = datetime.combine(local.date() + timedelta(days=1), time(0, 0), tzinfo=LONDON)
    return ends.astimezone(UTC)


def priority_addresses(
    engine: Engine, caller: User, setup_id: int, *, on: datetime, show_hidden: bool = False, purpose: str
) -> pd.DataFrame:
    """The doors of an active setup in the caller's wards, as the rules above say at the moment ``on``.

    Columns (:data:`ADDRESS_COLUMNS`): ``address_id``, ``house_number``, ``house_name``, ``street``,
    ``postcode``, ``lsoa21_code``, ``ward_code``; ``longitude``, ``latitude`` (the postcode's point;
    NaN if unknown); ``registered`` (a registered member lives there on ``on``'s day); ``last_outcome``
    and ``last_visited_at`` (UTC) of the last call in any setup (None / NaT if none); ``hidden``,
    ``hidden_reason`` (:data:`NOT_IN`, :data:`NOT_IN_TONIGHT`, :data:`REGISTERED`, :data:`DECLINED`;
    None when shown) and ``hidden_until`` (UTC, for a "not in"). Without ``show_hidden`` only the
    shown doors. Ordered by ward, street and address; lpt.setups.walklist orders them for walking.
    No names: who lives there is never on the list.
    """
    on = utc(on)
    setup = load_setup(engine, setup_id)
    if not setup.active:
        raise LPTError(f"setup {setup_id} is archived: it has no list")
    wards = authorize_setup(engine, caller, setup, "address_status", purpose=purpose)
    selected = selected_households(engine, caller, setup.spec, wards, local_day(on), purpose=purpose)
    frame = _hidden(_with_last_calls(engine, selected, on), setup.spec.revisit, on)
    record_access(engine, caller.user_id, "address_status", purpose, None, len(frame), "allowed",
                  f"setup {setup_id} priority addresses")
    return (frame if show_hidden else frame[~frame["hidden"]]).reset_index(drop=True)


def selected_households(
    engine: Engine, caller: User, spec: SetupSpec, wards: frozenset[str] | None, registered_on: date, *, purpose: str
) -> pd.DataFrame:
    """The households of the setup's area in ``wards`` meeting its criteria, with ``registered`` as of
    ``registered_on``; internal (the caller is already authorized for ``wards``), used by the list, the
    preview and the progress counts. Columns: :data:`ADDRESS_COLUMNS` up to ``registered``."""
    registered = exists().where(members.c.address_id == households.c.address_id, _registered(registered_on))
    query = area_query(spec.area, wards).add_columns(registered.label("registered"))
    query = query.where(*_criteria(engine, caller, spec.criteria, registered_on, purpose))
    frame = read_in_area(engine, spec.area, query)
    return frame.assign(registered=frame["registered"].astype(bool))


def area_query(area: SetupArea, wards: frozenset[str] | None) -> Select:
    """Households of ``area`` in ``wards`` (None: all) with their place and postcode point; a polygon is
    narrowed to its bounding box here and to the polygon itself by :func:`read_in_area`."""
    query = (
        select(
            households.c.address_id, households.c.house_number, households.c.house_name, households.c.street,
            households.c.postcode, postcode_links.c.lsoa21_code, postcode_links.c.ward_code,
            ref_postcodes.c.longitude, ref_postcodes.c.latitude,
        )
        .join(postcode_links, postcode_links.c.postcode == households.c.postcode)
        .outerjoin(ref_postcodes, ref_postcodes.c.postcode == households.c.postcode)
        .where(postcode_links.c.ward_code.is_not(None))
        .order_by(postcode_links.c.ward_code, households.c.street, households.c.address_id)
    )
    if wards is not None:
        query = query.where(postcode_links.c.ward_code.in_(sorted(wards)))
    if area.wards:
        query = query.where(postcode_links.c.ward_code.in_(area.wards))
    elif area.streets:
        query = query.where(tuple_(postcode_links.c.lsoa21_code, households.c.street).in_(list(area.streets)))
    elif area.polygon:
        west, south, east, north = area.shape().bounds
        query = query.where(ref_postcodes.c.longitude.between(west, east), ref_postcodes.c.latitude.between(south, north))
    return query


def household_streets(engine: Engine, wards: Iterable[str]) -> pd.DataFrame:
    """The streets of the address register in ``wards``, to choose a setup's streets from: ``ward_code``,
    ``lsoa21_code``, ``street`` and ``households`` (addresses counted, nobody named), by ward and street."""
    ward = postcode_links.c.ward_code
    query = (
        select(ward, postcode_links.c.lsoa21_code, households.c.street, func.count().label("households"))
        .join(postcode_links, postcode_links.c.postcode == households.c.postcode)
        .where(ward.in_(sorted(wards)))
        .group_by(ward, postcode_links.c.lsoa21_code, households.c.street)
        .order_by(ward, households.c.street, postcode_links.c.lsoa21_code)
    )
    frame = read_query(engine, query)
    return frame.assign(households=frame["households"].astype("int64"))


def read_in_area(engine: Engine, area: SetupArea, query: Select) -> pd.DataFrame:
    """The rows of an :func:`area_query`, a polygon's outside its edge dropped."""
    frame = read_query(engine, query)
    return frame[area.contains(frame)].reset_index(drop=True)


# --- internals ------------------------------------------------------------------


def _registered(day: date):
    return and_(members.c.opted_in <= day, or_(members.c.opted_out.is_(None), members.c.opted_out > day))


def _criteria(engine: Engine, caller: User, criteria: Criteria, day: date, purpose: str) -> list:
    """SQL conditions on households for each criterion given."""
    where = []
    lsoa, street = postcode_links.c.lsoa21_code, households.c.street
    if criteria.on_members:
        where.append(exists().where(members.c.address_id == households.c.address_id, _registered(day),
                                    *_member_conditions(criteria, day)))
    if criteria.imd_deciles:
        deprived = select(ref_deprivation.c.lsoa_code).where(
            ref_deprivation.c.dataset == "imd2025", ref_deprivation.c.domain == "IMD",
            ref_deprivation.c.decile.in_(criteria.imd_deciles),
        )
        where.append(lsoa.in_(deprived))
    if criteria.census_group:
        share = shares(ethnic_counts(engine))[criteria.census_group] * 100
        where.append(_in_list(lsoa, sorted(share.index[share >= criteria.census_min_pct])))
    if criteria.recommended_top:
        recommended = area_streets(engine, caller, purpose=purpose).groupby("ward_code").head(criteria.recommended_top)
        where.append(_in_list(tuple_(lsoa, street), list(zip(recommended["lsoa21_code"], recommended["street_name"]))))
    return where


def _member_conditions(criteria: Criteria, day: date) -> list:
    """Conditions on one registered member (a ``members`` row) for the member criteria."""
    where = [members.c[column].in_(values) for column, values in
             (("age_band", criteria.age_bands), ("sex", criteria.sexes), ("ethnic_group", criteria.ethnic_groups)) if values]
    if criteria.group:
        where.append((";" + members.c.groups + ";").contains(f";{criteria.group};"))
    if criteria.answer_question:
        answer, later = survey_responses.alias("answer"), survey_responses.alias("later")
        latest = select(func.max(later.c.responded_on)).where(
            later.c.member_id == members.c.member_id, later.c.responded_on <= day
        ).scalar_subquery()
        where.append(exists().where(
            answer.c.member_id == members.c.member_id, answer.c.responded_on == latest,
            answer.c[criteria.answer_question] <= criteria.answer_at_most,
        ))
    return where


def _in_list(column, values: list):
    return column.in_(values) if values else false()


def _with_last_calls(engine: Engine, frame: pd.DataFrame, on: datetime) -> pd.DataFrame:
    """``last_outcome`` and ``last_visited_at`` (UTC) of each household's latest call at or before ``on``."""
    ids = frame["address_id"].tolist()
    chunks = [pd.DataFrame(columns=["address_id", "outcome", "visited_at"])]
    for start in range(0, len(ids), _CHUNK):  # bounded IN lists
        numbered = select(
            setup_visits.c.address_id, setup_visits.c.outcome, setup_visits.c.visited_at,
            func.row_number().over(partition_by=setup_visits.c.address_id,
                                   order_by=(setup_visits.c.visited_at.desc(), setup_visits.c.id.desc())).label("n"),
        ).where(setup_visits.c.address_id.in_(ids[start:start + _CHUNK]), setup_visits.c.visited_at <= on).subquery()
        chunks.append(read_query(engine, select(numbered.c.address_id, numbered.c.outcome, numbered.c.visited_at).where(numbered.c.n == 1)))
    last = pd.concat(chunks, ignore_index=True).rename(columns={"outcome": "last_outcome", "visited_at": "last_visited_at"})
    merged = frame.merge(last, on="address_id", how="left")
    merged["last_visited_at"] = pd.to_datetime(merged["last_visited_at"], utc=True)
    return merged.assign(last_outcome=merged["last_outcome"].astype(object).where(merged["last_outcome"].notna(), None))


def _hidden(frame: pd.DataFrame, revisit: bool, on: datetime) -> pd.DataFrame:
    """``hidden``, ``hidden_reason`` and ``hidden_until`` by the module's rules."""
    until = pd.Series(
        [None if pd.isna(at) else hidden_until(at.to_pydatetime(), outcome)
         for at, outcome in zip(frame["last_visited_at"], frame["last_outcome"], strict=True)],
        index=frame.index, dtype=object,
    )
    until = pd.to_datetime(until, utc=True)
    reason = pd.Series(None, index=frame.index, dtype=object)
    not_in = until.notna() & (until > pd.Timestamp(on))
    reason[not_in] = NOT_IN
    reason[not_in & (until.dt.tz_convert(LONDON).dt.hour == 0)] = NOT_IN_TONIGHT  # hidden until midnight
    if not revisit:
        reason[frame["last_outcome"] == "declined"] = DECLINED
        reason[frame["registered"]] = REGISTERED
    until = until.where(reason.isin([NOT_IN, NOT_IN_TONIGHT]))
    shown = reason.isna()
    return frame.assign(hidden=~shown, hidden_reason=reason.where(~shown, None), hidden_until=until)[ADDRESS_COLUMNS]
