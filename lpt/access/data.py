"""Every read of personal data: one function per use, each behind :func:`~lpt.access.guard.authorize`.

Each function takes the caller, a purpose and an area, asks the guard, and
filters by the wards the guard allows *in the SQL query*, so nothing outside
the caller's area is ever loaded. Opted-out members are off every list at
once; erased members are gone. What a role sees is the ``view`` of its grant:
``full`` (as held), ``pseudonymised`` (stable pseudonymous IDs, no names,
e-mails, phone numbers, addresses or house numbers) or ``aggregate`` (counts
through disclosure control).
"""

from __future__ import annotations

from datetime import date

import pandas as pd
from sqlalchemy import Engine, Select, and_, case, func, or_, select

from lpt import settings
from lpt.access.guard import MINE, Area, Authorized, PermissionDenied, User, authorize, record_access
from lpt.access.pseudonyms import pseudonyms
from lpt.disclosure import Audience, disclose
from lpt.store.frames import read_query
from lpt.store.schema import households, members, postcode_links, ref_lsoa21, survey_responses, visits
from lpt.vocab import QUESTIONS

__all__ = [
    "DIRECT_IDENTIFIERS",
    "KEY_CONTACT_GROUPS",
    "PERSONAL_DATA_FUNCTIONS",
    "address_status",
    "area_counts",
    "key_contacts",
    "member_records",
    "survey_records",
]

#: Columns a pseudonymised view never shows.
DIRECT_IDENTIFIERS = ("first_name", "last_name", "email", "phone", "address_id", "house_number", "house_name")
#: Members of these groups are the key community contacts officers may call on.
KEY_CONTACT_GROUPS = (
    "independent_advisory_group",
    "key_individual_network",
    "neighbourhood_watch",
    "faith_group",
    "community_group",
    "business",
)


def key_contacts(engine: Engine, caller: User, *, purpose: str, area: Area = MINE) -> pd.DataFrame:
    """Key community contacts with their contact details.

    Columns: ``member_id``, ``first_name``, ``last_name``, ``email``,
    ``phone``, ``groups``, ``street``, ``postcode``, ``ward_code``.
    """
    granted = authorize(engine, caller, "key_contacts", purpose=purpose, area=area)
    in_group = or_(*(members.c.groups.contains(g) for g in KEY_CONTACT_GROUPS))
    query = (
        select(
            members.c.member_id, members.c.first_name, members.c.last_name, members.c.email, members.c.phone,
            members.c.groups, households.c.street, members.c.postcode, postcode_links.c.ward_code,
        )
        .join(postcode_links, postcode_links.c.postcode == members.c.postcode)
        .outerjoin(households, households.c.address_id == members.c.address_id)
        .where(_registered(), in_group)
        .order_by(postcode_links.c.ward_code, members.c.last_name, members.c.member_id)
    )
    return _shaped(_read(engine, granted, "key_contacts", _in_wards(query, granted, postcode_links.c.ward_code)), granted)


def address_status(engine: Engine, caller: User, *, purpose: str, area: Area = MINE) -> pd.DataFrame:
    """Addresses for doorstep work: registered or not, and the last call. No names.

    Columns: ``address_id``, ``house_number``, ``house_name``, ``street``,
    ``postcode``, ``ward_code``, ``registered`` (a registered member lives
    there), ``last_visit_on``, ``last_outcome``.
    """
    granted = authorize(engine, caller, "address_status", purpose=purpose, area=area)
    registered = (
        select(members.c.address_id).where(_registered(), members.c.address_id.is_not(None)).distinct().subquery()
    )
    last = (
        select(
            visits.c.address_id,
            visits.c.visited_on,
            visits.c.outcome,
            func.row_number().over(partition_by=visits.c.address_id, order_by=visits.c.visited_on.desc()).label("n"),
        ).subquery()
    )
    query = (
        select(
            households.c.address_id, households.c.house_number, households.c.house_name, households.c.street,
            households.c.postcode, postcode_links.c.ward_code,
            registered.c.address_id.is_not(None).label("registered"),
            last.c.visited_on.label("last_visit_on"), last.c.outcome.label("last_outcome"),
        )
        .join(postcode_links, postcode_links.c.postcode == households.c.postcode)
        .outerjoin(registered, registered.c.address_id == households.c.address_id)
        .outerjoin(last, and_(last.c.address_id == households.c.address_id, last.c.n == 1))
        .order_by(postcode_links.c.ward_code, households.c.street, households.c.address_id)
    )
    return _shaped(_read(engine, granted, "address_status", _in_wards(query, granted, postcode_links.c.ward_code)), granted)


def member_records(engine: Engine, caller: User, *, purpose: str, area: Area = MINE) -> pd.DataFrame:
    """Registered members for analysis (analysts see them pseudonymised).

    Columns: ``member_id`` (``pseudonym`` when pseudonymised), ``age_band``, ``sex``, ``ethnic_group``,
    ``religion``, ``first_language``, ``groups``, ``opted_in``,
    ``lsoa21_code``, ``ward_code``, ``district_code``.
    """
    granted = authorize(engine, caller, "member_records", purpose=purpose, area=area)
    query = (
        select(
            members.c.member_id, members.c.age_band, members.c.sex, members.c.ethnic_group, members.c.religion,
            members.c.first_language, members.c.groups, members.c.opted_in,
            postcode_links.c.lsoa21_code, postcode_links.c.ward_code, postcode_links.c.district_code,
        )
        .join(postcode_links, postcode_links.c.postcode == members.c.postcode)
        .where(_registered())
        .order_by(members.c.member_id)
    )
    return _shaped(_read(engine, granted, "member_records", _in_wards(query, granted, postcode_links.c.ward_code)), granted)


def survey_records(engine: Engine, caller: User, *, purpose: str, area: Area = MINE) -> pd.DataFrame:
    """Survey answers for analysis (analysts see them pseudonymised); answers of erased or opted-out
    members stay, without an ID.

    Columns: ``response_id``, ``member_id`` (``pseudonym`` when pseudonymised; None when the member left),
    ``wave``, ``responded_on``, the 5-point answers (lpt.vocab.QUESTIONS),
    ``priority_1`` … ``priority_3``, ``concern``, ``lsoa21_code``,
    ``ward_code``, ``district_code``.
    """
    granted = authorize(engine, caller, "survey_records", purpose=purpose, area=area)
    lsoa = func.coalesce(postcode_links.c.lsoa21_code, survey_responses.c.erased_lsoa21_code)
    still_member = case((_registered(), members.c.member_id), else_=None)
    query = (
        select(
            survey_responses.c.response_id, still_member.label("member_id"), survey_responses.c.wave,
            survey_responses.c.responded_on, *(survey_responses.c[q] for q in QUESTIONS),
            survey_responses.c.priority_1, survey_responses.c.priority_2, survey_responses.c.priority_3,
            survey_responses.c.concern, lsoa.label("lsoa21_code"), ref_lsoa21.c.ward_code, ref_lsoa21.c.district_code,
        )
        .outerjoin(members, members.c.member_id == survey_responses.c.member_id)
        .outerjoin(postcode_links, postcode_links.c.postcode == members.c.postcode)
        .join(ref_lsoa21, ref_lsoa21.c.lsoa21_code == lsoa)
        .order_by(survey_responses.c.response_id)
    )
    return _shaped(_read(engine, granted, "survey_records", _in_wards(query, granted, ref_lsoa21.c.ward_code)), granted)


def area_counts(engine: Engine, caller: User, *, purpose: str, area: Area = MINE, by: str = "groups") -> pd.DataFrame:
    """Registered members per ward and category, through disclosure control for the caller.

    ``by`` is ``groups`` (one count per group membership), ``age_band``,
    ``sex`` or ``ethnic_group`` (blank answers as ``not stated``). Returns
    the table of :func:`lpt.disclosure.disclose`: wards as rows, categories
    as columns, margins included, suppressed cells missing.
    """
    granted = authorize(engine, caller, "area_counts", purpose=purpose, area=area)
    query = (
        select(postcode_links.c.ward_code, members.c[by].label("category"))
        .join(postcode_links, postcode_links.c.postcode == members.c.postcode)
        .where(_registered())
    )
    rows = read_query(engine, _in_wards(query, granted, postcode_links.c.ward_code))
    category = rows["category"].fillna("not stated")
    if by == "groups":
        category = category.str.split(";")
    table = rows.assign(category=category).explode("category").pivot_table(
        index="ward_code", columns="category", aggfunc="size", fill_value=0
    )
    record_access(engine, caller.user_id, "area_counts", purpose, granted.area, int(len(rows)), "allowed")
    return disclose(table, Audience.INTERNAL).values


#: Every function that returns personal data, by the action its grant is named after.
PERSONAL_DATA_FUNCTIONS = {
    "key_contacts": key_contacts,
    "address_status": address_status,
    "member_records": member_records,
    "survey_records": survey_records,
    "area_counts": area_counts,
}


def _registered():
    """Registered today: opted in, and not opted out (yet)."""
    today = date.today()
    return and_(members.c.opted_in <= today, or_(members.c.opted_out.is_(None), members.c.opted_out > today))


def _in_wards(query: Select, granted: Authorized, ward) -> Select:
    return query if granted.wards is None else query.where(ward.in_(sorted(granted.wards)))


def _read(engine: Engine, granted: Authorized, action: str, query: Select) -> pd.DataFrame:
    frame = read_query(engine, query)
    record_access(engine, granted.user.user_id, action, granted.purpose, granted.area, len(frame), "allowed")
    return frame


def _shaped(frame: pd.DataFrame, granted: Authorized) -> pd.DataFrame:
    """The records as the grant's view allows: as held, or pseudonymised (direct identifiers dropped,
    ``member_id`` replaced by ``pseudonym``); record-level reads have no other view."""
    view = granted.grant.view
    if view == "full":
        return frame
    if view != "pseudonymised":
        raise PermissionDenied(f"the {view} view gives no records for {granted.grant.action}")
    frame = frame.drop(columns=[c for c in DIRECT_IDENTIFIERS if c in frame.columns])
    if "member_id" in frame.columns:
        position = frame.columns.get_loc("member_id")
        frame.insert(position, "pseudonym", pseudonyms(frame.pop("member_id"), settings.secret_key()))
    return frame
