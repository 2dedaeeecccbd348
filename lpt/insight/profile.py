"""What the data says about an area or a group: one engine for notebooks, reports and apps.

:func:`area_profile` rolls up the insight cubes (:mod:`lpt.insight.refresh`)
for a force, district, ward, LSOA or street over a period, optionally for a
group of residents (age band, sex, ethnic group, group membership) or the
LSOAs of some IMD deciles. Every call goes through the access layer (action
``area_profile``) and every count derived from personal data through
disclosure control, so the same figures come out wherever it is used.
Crime counts are public police.uk data and are shown as they are, with their
harm (lpt.harm) beside them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd
from sqlalchemy import Engine, Table, func, select

from lpt.access.guard import Area, User, authorize, record_access
from lpt.disclosure import RULES, Audience, disclose, disclose_count
from lpt.errors import LPTError
from lpt.harm import harm_weights
from lpt.store.frames import read_query
from lpt.store.schema import (
    insight_crime,
    insight_households,
    insight_lsoa,
    insight_members,
    insight_responses,
    ref_census,
    ref_districts,
    ref_lsoa21,
)
from lpt.vocab import ETHNIC_GROUPS, TOPICS

__all__ = ["LEVELS", "Filters", "AreaProfile", "area_profile", "street_code"]

LEVELS = ("force", "district", "ward", "lsoa", "street")


@dataclass(frozen=True)
class Filters:
    """Who and where to count: residents of a group, LSOAs of some IMD 2025 deciles. None: everyone."""

    age_band: str | None = None
    sex: str | None = None
    ethnic_group: str | None = None
    group: str | None = None
    imd_deciles: tuple[int, ...] | None = None

    def residents(self) -> dict[str, str]:
        return {k: v for k, v in {"age_band": self.age_band, "sex": self.sex, "ethnic_group": self.ethnic_group}.items() if v}


@dataclass
class AreaProfile:
    """An area's figures for a period.

    ``summary``: headline figures (households, members, coverage_pct,
    responses, response_rate_pct, trust_mean, confidence_mean,
    confident_pct, concerns, crime_records, crime_harm, imd2019_decile,
    imd2025_decile); counts from personal data after disclosure control
    (None where suppressed). ``crime``: per crime type ``records``, ``harm``,
    ``previous_records``, ``previous_harm`` (the period before, as long),
    ``change_pct``. ``crime_trend``: per ``month`` ``records`` and ``harm``.
    ``priorities``: per topic ``respondents`` choosing it (suppressed: NA) and
    ``share_pct``. ``population``: census 2021 shares of residents of the area
    and of the force, by ``dimension`` (ethnic_group) and ``category``.
    """

    level: str
    code: str
    name: str
    start: str
    end: str
    filters: Filters
    summary: dict
    crime: pd.DataFrame
    crime_trend: pd.DataFrame
    priorities: pd.DataFrame
    population: pd.DataFrame
    waves: list[str] = field(default_factory=list)


def street_code(lsoa21_code: str, street_name: str) -> str:
    """The code of a street in a profile: its street key, 'LSOA|street name'."""
    return f"{lsoa21_code}|{street_name}"


def area_profile(
    engine: Engine,
    caller: User,
    level: str,
    code: str,
    *,
    start: str | None = None,
    end: str | None = None,
    filters: Filters = Filters(),
    purpose: str = "area profile",
    audience: Audience = Audience.INTERNAL,
) -> AreaProfile:
    """Profile of one area (``level`` one of :data:`LEVELS`) over months ``start`` to ``end`` (YYYY-MM;
    default: the twelve months to the latest police.uk month).

    ``audience`` picks the disclosure rule (lpt.disclosure.RULES) for every count from personal data
    and the smallest base a mean or percentage is shown on: ``Audience.PUBLIC`` for published reports
    (suppress below 10, round to 5; households, being the community address list, are controlled too),
    ``Audience.INTERNAL`` (the default) for officers and analysts."""
    audience = Audience(audience)
    lsoas, street, ward, name = _area(engine, level, code)
    granted_area = Area("ward", ward) if level in ("lsoa", "street") else Area(level, None if level == "force" else code)
    authorize(engine, caller, "area_profile", purpose=purpose, area=granted_area)
    lsoa_table = _lsoa_rows(engine, lsoas)
    if filters.imd_deciles:
        lsoa_table = lsoa_table[lsoa_table["imd2025_decile"].isin(filters.imd_deciles)]
    lsoas = lsoa_table["lsoa21_code"].tolist()
    end = end or _latest_month(engine)
    start = start or str(pd.Period(end, freq="M") - 11)
    if start > end:
        raise LPTError(f"the period starts ({start}) after it ends ({end})")

    crime, trend, crime_totals = _crime(engine, lsoas, street, start, end)
    registered = _registered(engine, lsoas, street, filters, end)
    answers, waves = _answers(engine, lsoas, street, filters, start, end)
    homes = _sum(engine, insight_households, "households", lsoas, street)
    summary = _summary(homes, registered, answers, waves, crime_totals, lsoa_table, audience)
    record_access(engine, caller.user_id, "area_profile", purpose, granted_area, registered + int(answers["responses"]), "allowed")
    return AreaProfile(
        level=level, code=code, name=name, start=start, end=end, filters=filters, summary=summary, crime=crime,
        crime_trend=trend, priorities=_priorities(answers, audience), population=_population(engine, lsoas, lsoa_table), waves=waves,
    )


def _area(engine: Engine, level: str, code: str) -> tuple[list[str], str | None, str, str]:
    """LSOAs of the area, the street name (street level), the ward for access checks, and its name."""
    if level not in LEVELS:
        raise LPTError(f"unknown level {level!r}: one of {', '.join(LEVELS)}")
    street = None
    if level == "street":
        if "|" not in code:
            raise LPTError(f"a street code is 'LSOA|street name', not {code!r}")
        code_lsoa, street = code.split("|", 1)
        query = select(ref_lsoa21.c.lsoa21_code, ref_lsoa21.c.ward_code).where(ref_lsoa21.c.lsoa21_code == code_lsoa)
    elif level == "force":
        districts = select(ref_districts.c.district_code).where(ref_districts.c.pfa_code == code)
        query = select(ref_lsoa21.c.lsoa21_code, ref_lsoa21.c.ward_code).where(ref_lsoa21.c.district_code.in_(districts))
    else:
        column = {"district": ref_lsoa21.c.district_code, "ward": ref_lsoa21.c.ward_code, "lsoa": ref_lsoa21.c.lsoa21_code}[level]
        query = select(ref_lsoa21.c.lsoa21_code, ref_lsoa21.c.ward_code).where(column == code)
    rows = read_query(engine, query)
    if rows.empty:
        raise LPTError(f"no {level} {code!r} in the reference data")
    return rows["lsoa21_code"].tolist(), street, rows["ward_code"].iloc[0], _name(engine, level, code, street)


def _name(engine: Engine, level: str, code: str, street: str | None) -> str:
    if level == "street":
        return street or code
    column = {
        "force": (ref_districts.c.pfa_name, ref_districts.c.pfa_code),
        "district": (ref_lsoa21.c.district_name, ref_lsoa21.c.district_code),
        "ward": (ref_lsoa21.c.ward_name, ref_lsoa21.c.ward_code),
        "lsoa": (ref_lsoa21.c.lsoa21_name, ref_lsoa21.c.lsoa21_code),
    }[level]
    with engine.connect() as connection:
        return connection.execute(select(func.max(column[0])).where(column[1] == code)).scalar_one() or code


def _where(table: Table, lsoas: list[str], street: str | None) -> list:
    conditions = [table.c.lsoa21_code.in_(lsoas)]
    if street is not None:
        conditions.append(table.c.street_name == street)
    return conditions


def _lsoa_rows(engine: Engine, lsoas: list[str]) -> pd.DataFrame:
    return read_query(engine, select(insight_lsoa).where(insight_lsoa.c.lsoa21_code.in_(lsoas)))


def _latest_month(engine: Engine) -> str:
    with engine.connect() as connection:
        latest = connection.execute(select(func.max(insight_crime.c.month))).scalar_one()
    if latest is None:
        raise LPTError("no insight tables yet: run lpt refresh (or lpt build)")
    return latest


def _crime(engine: Engine, lsoas: list[str], street: str | None, start: str, end: str):
    weights = harm_weights()
    months = pd.period_range(start, end, freq="M")
    previous_start = str(months[0] - len(months))
    query = select(insight_crime.c.month, insight_crime.c.crime_type, insight_crime.c.records).where(
        *_where(insight_crime, lsoas, street), insight_crime.c.month >= previous_start, insight_crime.c.month <= end
    )
    rows = read_query(engine, query)
    rows["harm"] = rows["records"] * rows["crime_type"].map(weights).fillna(0)
    current, previous = rows[rows["month"] >= start], rows[rows["month"] < start]
    by_type = current.groupby("crime_type")[["records", "harm"]].sum()
    before = previous.groupby("crime_type")[["records", "harm"]].sum().add_prefix("previous_")
    crime = by_type.join(before, how="outer").fillna(0).sort_values("harm", ascending=False)
    crime["change_pct"] = (100 * (crime["records"] / crime["previous_records"] - 1)).where(crime["previous_records"] > 0)
    trend = current.groupby("month")[["records", "harm"]].sum().reindex([str(m) for m in months], fill_value=0)
    totals = {"crime_records": int(crime["records"].sum()), "crime_harm": round(float(crime["harm"].sum()), 1)}
    return crime.reset_index(), trend.rename_axis("month").reset_index(), totals


def _filtered(table: Table, lsoas: list[str], street: str | None, filters: Filters):
    conditions = _where(table, lsoas, street)
    conditions += [table.c[column] == value for column, value in filters.residents().items()]
    if filters.group:
        conditions.append(table.c.groups.contains(filters.group))
    return conditions


def _registered(engine: Engine, lsoas: list[str], street: str | None, filters: Filters, end: str) -> int:
    """Members registered at the end of the period."""
    query = select(func.coalesce(func.sum(insight_members.c.members), 0)).where(
        *_filtered(insight_members, lsoas, street, filters),
        insight_members.c.joined_month <= end,
        (insight_members.c.left_month == "") | (insight_members.c.left_month > end),
    )
    with engine.connect() as connection:
        return int(connection.execute(query).scalar_one())


def _answers(engine: Engine, lsoas: list[str], street: str | None, filters: Filters, start: str, end: str):
    """Summed answers of the waves whose quarter overlaps the period, and those waves."""
    quarters = pd.period_range(start, end, freq="M").asfreq("Q").unique()
    waves = [str(q) for q in quarters]
    sums = ["responses", "trust_sum", "confidence_sum", "confident", "concerns", *(f"priority_{t}" for t in TOPICS)]
    query = select(*(func.coalesce(func.sum(insight_responses.c[c]), 0).label(c) for c in sums)).where(
        *_filtered(insight_responses, lsoas, street, filters), insight_responses.c.wave.in_(waves)
    )
    with engine.connect() as connection:
        row = connection.execute(query).mappings().one()
    return pd.Series({k: int(v) for k, v in row.items()}), waves


def _sum(engine: Engine, table: Table, column: str, lsoas: list[str], street: str | None) -> int:
    with engine.connect() as connection:
        return int(connection.execute(select(func.coalesce(func.sum(table.c[column]), 0)).where(*_where(table, lsoas, street))).scalar_one())


def _summary(
    homes: int, registered: int, answers: pd.Series, waves: list[str], crime: dict, lsoas: pd.DataFrame, audience: Audience
) -> dict:
    threshold = RULES[audience].threshold
    shown_members = disclose_count(registered, audience)
    # Internal outputs have always shown the household count exactly; a public one controls it too.
    shown_homes = homes if audience is Audience.INTERNAL else disclose_count(homes, audience)
    responses = int(answers["responses"])
    enough = responses >= threshold

    # Public shares are whole percents: a share to 0.1% of a large base would undo the rounding of its count.
    digits = 1 if audience is Audience.INTERNAL else 0

    def share(part: float, whole: float) -> float | None:
        return round(100 * part / whole, digits) if whole else None

    return {
        "households": shown_homes,
        "members": shown_members,
        "coverage_pct": share(registered, homes) if shown_members is not None and shown_homes is not None else None,
        "responses": disclose_count(responses, audience),
        "response_rate_pct": share(responses, registered * len(waves)) if enough and shown_members else None,
        "trust_mean": round(answers["trust_sum"] / responses, 2) if enough else None,
        "confidence_mean": round(answers["confidence_sum"] / responses, 2) if enough else None,
        "confident_pct": share(answers["confident"], responses) if enough else None,
        "concerns": disclose_count(int(answers["concerns"]), audience),
        **crime,
        "imd2019_decile": _typical(lsoas["imd2019_decile"]),
        "imd2025_decile": _typical(lsoas["imd2025_decile"]),
    }


def _typical(deciles: pd.Series) -> int | None:
    """The median decile of the area's LSOAs."""
    known = deciles.dropna()
    return int(known.median()) if len(known) else None


def _priorities(answers: pd.Series, audience: Audience) -> pd.DataFrame:
    counts = pd.Series({t: int(answers[f"priority_{t}"]) for t in TOPICS}, name="respondents")
    shown = disclose(counts, audience).values.drop("Total")
    responses = int(answers["responses"])
    table = pd.DataFrame({"topic": shown.index, "respondents": shown.to_numpy()})
    enough = responses >= RULES[audience].threshold
    digits = 1 if audience is Audience.INTERNAL else 0
    table["share_pct"] = (100 * table["respondents"].astype("Float64") / responses).round(digits) if enough else pd.NA
    return table.sort_values("respondents", ascending=False, na_position="last").reset_index(drop=True)


def _population(engine: Engine, lsoas: list[str], lsoa_table: pd.DataFrame) -> pd.DataFrame:
    """Census ethnic group shares of the area against the force (all the force's LSOAs)."""
    force_lsoas = read_query(
        engine, select(insight_lsoa.c.lsoa21_code).where(insight_lsoa.c.pfa_code.in_(lsoa_table["pfa_code"].dropna().unique().tolist()))
    )["lsoa21_code"].tolist()
    census = read_query(
        engine,
        select(ref_census.c.lsoa_code, ref_census.c.category, ref_census.c.n).where(
            ref_census.c.dataset == "ethnic_group_2021", ref_census.c.lsoa_code.in_(force_lsoas)
        ),
    )
    census["category"] = census["category"].str.split().str[0].str.rstrip(",")
    area = census[census["lsoa_code"].isin(lsoas)].groupby("category")["n"].sum()
    force = census.groupby("category")["n"].sum()
    table = pd.DataFrame({"area_pct": 100 * area / max(area.sum(), 1), "force_pct": 100 * force / max(force.sum(), 1)})
    table = table.reindex(list(ETHNIC_GROUPS)).fillna(0).round(1)
    return table.rename_axis("category").reset_index().assign(dimension="ethnic_group")[
        ["dimension", "category", "area_pct", "force_pct"]
    ]

