"""Survey answers and members as microdata for models inside lpt. Internal: no access control here.

Only the public functions of :mod:`lpt.stats` call these, after
:func:`lpt.access.guard.authorize`; what leaves them is statistics, never rows.
Answers of erased members keep their LSOA (and so ward), without demographics.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd
from sqlalchemy import Engine, and_, func, or_, select

from lpt.store.frames import read_query
from lpt.store.schema import members, postcode_links, ref_lsoa21, survey_responses
from lpt.vocab import QUESTIONS

__all__ = ["ANSWER_COLUMNS", "respondents", "registered_members"]

#: Columns of :func:`respondents`.
ANSWER_COLUMNS = [
    "response_id", "member_id", "wave", "lsoa21_code", "ward_code", "district_code", "age_band", "sex",
    "ethnic_group", "groups", *QUESTIONS, "priority_1", "priority_2", "priority_3",
]


def respondents(engine: Engine, wards: Iterable[str] | None = None) -> pd.DataFrame:
    """One row per survey answer, placed by the member's postcode (or the erased member's LSOA).

    Columns :data:`ANSWER_COLUMNS`; demographics '' where not stated or erased;
    ``wave`` like ``2025Q1``; answers 1-5. ``wards`` None: every ward.
    """
    lsoa = func.coalesce(postcode_links.c.lsoa21_code, survey_responses.c.erased_lsoa21_code)
    query = (
        select(
            survey_responses.c.response_id, survey_responses.c.member_id, survey_responses.c.wave,
            lsoa.label("lsoa21_code"), ref_lsoa21.c.ward_code, ref_lsoa21.c.district_code,
            members.c.age_band, members.c.sex, members.c.ethnic_group, members.c.groups,
            *(survey_responses.c[q] for q in QUESTIONS),
            survey_responses.c.priority_1, survey_responses.c.priority_2, survey_responses.c.priority_3,
        )
        .outerjoin(members, members.c.member_id == survey_responses.c.member_id)
        .outerjoin(postcode_links, postcode_links.c.postcode == members.c.postcode)
        .join(ref_lsoa21, ref_lsoa21.c.lsoa21_code == lsoa)
    )
    if wards is not None:
        query = query.where(ref_lsoa21.c.ward_code.in_(sorted(wards)))
    frame = read_query(engine, query.order_by(survey_responses.c.response_id))
    for column in ("age_band", "sex", "ethnic_group", "groups", "priority_1", "priority_2", "priority_3"):
        frame[column] = frame[column].fillna("")
    return frame


def registered_members(engine: Engine, on: str, wards: Iterable[str] | None = None) -> pd.DataFrame:
    """Members registered on date ``on`` (YYYY-MM-DD), with their place and demographics.

    Columns: ``member_id``, ``lsoa21_code``, ``ward_code``, ``district_code``,
    ``age_band``, ``sex``, ``ethnic_group``, ``groups`` ('' where not stated).
    """
    query = (
        select(
            members.c.member_id, postcode_links.c.lsoa21_code, postcode_links.c.ward_code,
            postcode_links.c.district_code, members.c.age_band, members.c.sex, members.c.ethnic_group, members.c.groups,
        )
        .join(postcode_links, postcode_links.c.postcode == members.c.postcode)
        .where(
            postcode_links.c.ward_code.is_not(None),
            members.c.opted_in <= pd.Timestamp(on).date(),
            or_(members.c.opted_out.is_(None), members.c.opted_out > pd.Timestamp(on).date()),
        )
    )
    if wards is not None:
        query = query.where(and_(postcode_links.c.ward_code.in_(sorted(wards))))
    frame = read_query(engine, query.order_by(members.c.member_id))
    for column in ("age_band", "sex", "ethnic_group", "groups"):
        frame[column] = frame[column].fillna("")
    return frame
