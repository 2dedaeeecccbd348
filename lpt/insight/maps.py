"""Map layers for the officer app: where crime was last month, and what residents say matters per area.

An officer's map shows two things beside the priority streets
(lpt.priorities.streets): the police.uk records of the latest month as points
(:func:`crime_points`; public data, no caller needed) and, per LSOA, the issue
residents name most in the survey (:func:`priority_areas`). The second is
derived from personal data, so it goes through the access layer (action
``area_profile``, audited) and internal disclosure control: an LSOA with fewer
respondents than the threshold shows no count and no topic, so no share can
leak from a small base. Both read only the wards asked for, in SQL.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import pandas as pd
from sqlalchemy import Engine, and_, func, select

from lpt.access.guard import MINE, Area, User, authorize, record_access
from lpt.disclosure import RULES, Audience, disclose_counts
from lpt.errors import LPTError
from lpt.store.frames import read_query
from lpt.store.schema import crime_links, crimes, insight_crime, insight_lsoa, insight_responses
from lpt.vocab import TOPIC_LABELS, TOPICS

__all__ = [
    "CRIME_POINT_COLUMNS",
    "PRIORITY_AREA_COLUMNS",
    "TOO_FEW",
    "crime_points",
    "months_held",
    "priority_areas",
    "waves_held",
]

#: Columns of :func:`crime_points`.
CRIME_POINT_COLUMNS = ["longitude", "latitude", "month", "crime_type", "street_name"]
#: Columns of :func:`priority_areas`.
PRIORITY_AREA_COLUMNS = [
    "lsoa21_code", "ward_code", "respondents", "top_topic", "top_topic_label", "top_share_pct", "sentence",
]
#: The sentence of an area whose answers are too few to show a topic.
TOO_FEW = "too few answers to show"
#: Waves a priority map covers when none are given: the latest year of the quarterly survey.
DEFAULT_WAVES = 4
_AUDIENCE = Audience.INTERNAL


def crime_points(engine: Engine, wards: Iterable[str], *, months: int = 1) -> pd.DataFrame:
    """Public police.uk records of the latest ``months`` months held (:func:`months_held`), located in ``wards``.

    A record is in a ward when its LSOA 2021 is (the Linkage rule); records flagged outside the force
    area and records without coordinates are left out. Columns: ``longitude``, ``latitude`` (the
    record's snap point), ``month`` (YYYY-MM), ``crime_type``, ``street_name``; oldest month first.
    """
    wards = sorted(set(wards))
    latest = months_held(engine, months)
    if not wards or not latest:
        return pd.DataFrame({c: pd.Series(dtype=float if c in ("longitude", "latitude") else object) for c in CRIME_POINT_COLUMNS})
    query = (
        select(crimes.c.longitude, crimes.c.latitude, crimes.c.month, crimes.c.crime_type, crime_links.c.street_name)
        .join(crime_links, crime_links.c.record_id == crimes.c.id)
        .where(
            crime_links.c.ward_code.in_(wards), ~crime_links.c.outside_force_area, crimes.c.month.in_(latest),
            crimes.c.has_location, crimes.c.longitude.is_not(None), crimes.c.latitude.is_not(None),
        )
        .order_by(crimes.c.month, crimes.c.id)
    )
    return read_query(engine, query)[CRIME_POINT_COLUMNS]


def months_held(engine: Engine, months: int | None = None) -> list[str]:
    """The latest ``months`` months (YYYY-MM; None: all) of police.uk crime the insight tables hold,
    oldest first: the months the priorities, trends and crime maps speak of."""
    if months is not None and months < 1:
        raise LPTError(f"months must be 1 or more, not {months}")
    query = select(insight_crime.c.month).distinct().order_by(insight_crime.c.month.desc()).limit(months)
    with engine.connect() as connection:
        return sorted(connection.execute(query).scalars())


def waves_held(engine: Engine) -> list[str]:
    """The survey waves (YYYYQn) the insight tables hold, oldest first: the choices of a date filter."""
    with engine.connect() as connection:
        return list(connection.execute(select(insight_responses.c.wave).distinct().order_by(insight_responses.c.wave)).scalars())


def priority_areas(
    engine: Engine, caller: User, *, area: Area = MINE, waves: Sequence[str] | None = None, purpose: str = "officer app"
) -> pd.DataFrame:
    """Residents' top priority issue per LSOA of the wards the caller may see in ``area``, over ``waves``
    (None: the latest four waves held).

    One row per LSOA 2021 of those wards (LSOAs without answers included), by ward and LSOA. Columns:
    ``lsoa21_code``, ``ward_code``; ``respondents`` (answers in the waves after internal disclosure
    control: Int64, NA where below the threshold); ``top_topic`` (a key of lpt.vocab.TOPICS),
    ``top_topic_label`` (its words), ``top_share_pct`` (share of respondents naming it, one decimal);
    ``sentence`` ("Drugs: named by 34% of respondents"). Where the respondents or the respondents naming
    the top topic are below the threshold, the topic, its label and share are NA and the sentence is
    :data:`TOO_FEW`. Ties go to the topic listed first in TOPICS.
    """
    allowed = authorize(engine, caller, "area_profile", purpose=purpose, area=area)
    waves = sorted(set(waves)) if waves is not None else waves_held(engine)[-DEFAULT_WAVES:]
    sums = _answers(engine, allowed.wards, waves)
    threshold = RULES[_AUDIENCE].threshold
    named = sums[[f"priority_{t}" for t in TOPICS]]
    respondents = disclose_counts(sums["responses"], _AUDIENCE)
    shown = (respondents.notna() & (named.max(axis=1) >= threshold)).to_numpy(dtype=bool)
    top = named.idxmax(axis=1).str.removeprefix("priority_") if len(sums) else pd.Series(dtype=object)
    share = (100 * named.max(axis=1) / sums["responses"].clip(lower=1)).round(1)
    frame = sums[["lsoa21_code", "ward_code"]].assign(
        respondents=respondents,
        top_topic=pd.Series(top, dtype="string").where(shown),
        top_topic_label=pd.Series(top.map(TOPIC_LABELS), dtype="string").where(shown),
        top_share_pct=pd.Series(share, dtype="Float64").where(shown),
    )
    frame["sentence"] = [
        f"{label[:1].upper()}{label[1:]}: named by {pct:.0f}% of respondents" if ok else TOO_FEW
        for label, pct, ok in zip(frame["top_topic_label"], frame["top_share_pct"], shown, strict=True)
    ]
    record_access(engine, caller.user_id, "area_profile", purpose, area, int(sums["responses"].sum()), "allowed",
                  f"priority areas, waves {', '.join(waves) or 'none'}")
    return frame[PRIORITY_AREA_COLUMNS].reset_index(drop=True)


def _answers(engine: Engine, wards: frozenset[str] | None, waves: list[str]) -> pd.DataFrame:
    """Per LSOA of ``wards`` (None: all): its ward, the answers in ``waves`` and how many named each topic."""
    counted = ["responses", *(f"priority_{t}" for t in TOPICS)]
    joined = insight_lsoa.outerjoin(
        insight_responses,
        and_(insight_responses.c.lsoa21_code == insight_lsoa.c.lsoa21_code, insight_responses.c.wave.in_(waves)),
    )
    query = (
        select(
            insight_lsoa.c.lsoa21_code, insight_lsoa.c.ward_code,
            *(func.coalesce(func.sum(insight_responses.c[c]), 0).label(c) for c in counted),
        )
        .select_from(joined)
        .group_by(insight_lsoa.c.lsoa21_code, insight_lsoa.c.ward_code)
        .order_by(insight_lsoa.c.ward_code, insight_lsoa.c.lsoa21_code)
    )
    if wards is not None:
        query = query.where(insight_lsoa.c.ward_code.in_(sorted(wards)))
    frame = read_query(engine, query)
    return frame.astype({c: "int64" for c in counted})
