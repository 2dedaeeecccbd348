"""The outcome panel of a setup: police.uk counts per unit and month, before and after it starts, for the
setup's own units and every unit it could be compared with.

Outcomes (:data:`COUNTED`): ``crime``, every police.uk category but "Anti-social behaviour"; ``asb``, that
category alone. Counts come from the ``insight_crime`` cube (records inside the force area, per LSOA 2021,
street, month and type; ``lpt refresh``).

Units (:data:`UNITS`):

* ``street``: a street key, LSOA 2021 code and street name (``unit`` is the two joined by a space:
  ``E01012345 High Street``; the code is always 9 characters). Its exposure is its households on the
  address register (``insight_households``). Police.uk streets with no households on the register (places
  such as "Supermarket", streets outside the register's cover) have no exposure and are left out, with a
  note saying how many and their records; a register street with no records counts 0 every month.
* ``ward``: a ward (2024 best-fit of its LSOAs). Its exposure is its households in Census 2021 (the
  ``tenure_2021`` totals of its LSOAs in ``ref_census``): the register may cover only some wards, the
  census covers them all, and a ward's crime covers all its households.

A setup's units (:func:`treated_units`): for ``street``, the streets of its area as
lpt.setups.selection.area_query places households (by the household's postcode: for an area of wards, every
register street of their LSOAs), and for a drawn polygon also the police.uk streets whose representative
point (lpt.store.queries.streets) lies in it, though some of their households' postcodes lie outside —
those count only if they have households. For
``ward``, every ward the area touches: a setup of some streets or a polygon is then measured on whole wards,
which dilutes its effect (said in the notes). The comparison candidates are every other unit of the same
force (the police force area of most of the setup's wards; for a force-wide setup the force with the most
records) with an exposure: outside the setup's area.

Periods (:func:`panel_of`): the setup's start month (its ``starts_on``'s month, even if it starts late in
the month) and every later month held up to its end month (``ends_on``'s month, or the latest month held)
are the *after* period; the latest ``before_months`` months held before the start month are the *before*
period (normally the calendar months just before; a note says when fewer are held or when months just
before the start are missing).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Engine, func, select

from lpt.errors import LPTError
from lpt.setups.model import SetupSpec
from lpt.setups.selection import area_query, read_in_area
from lpt.store.frames import read_query
from lpt.store.queries import streets
from lpt.store.schema import insight_crime, insight_households, insight_lsoa, ref_census

__all__ = [
    "ASB",
    "COUNTED",
    "PANEL_COLUMNS",
    "UNITS",
    "UNIT_COLUMNS",
    "Panel",
    "UnitCounts",
    "busiest_force",
    "force_of",
    "panel_of",
    "setup_panel",
    "treated_units",
    "unit_counts",
]

#: The police.uk category of anti-social behaviour.
ASB = "Anti-social behaviour"
#: Outcomes counted from police.uk records.
COUNTED = ("crime", "asb")
#: What a unit is.
UNITS = ("street", "ward")
#: Columns of :attr:`UnitCounts.units` (and of :attr:`Panel.units`, which adds ``treated``): ``unit`` (the
#: street key as one string, or the ward code), ``ward_code``, ``lsoa21_code`` and ``street_name`` (streets
#: only; None for wards), ``exposure`` (households), ``imd_decile`` (IMD 2025 decile, 1 most deprived: the
#: street's LSOA's, or the household-weighted mean of the ward's LSOAs').
UNIT_COLUMNS = ["unit", "ward_code", "lsoa21_code", "street_name", "exposure", "imd_decile"]
#: Columns of :attr:`Panel.counts`, one row per unit and month of the two periods: ``unit``, ``month``
#: (YYYY-MM), ``t`` (months since the start month: negative before, 0 the start month), ``count`` (records),
#: ``exposure`` (the unit's households), ``treated`` (the unit is the setup's), ``after`` (``t >= 0``).
PANEL_COLUMNS = ["unit", "month", "t", "count", "exposure", "treated", "after"]

_HOUSEHOLDS_DATASET = "tenure_2021"  # Census 2021 tenure: its ``total`` is the LSOA's households


@dataclass(frozen=True)
class UnitCounts:
    """Every unit of a force with an exposure, and its records in every month held.

    ``units``: :data:`UNIT_COLUMNS`; ``counts``: one row per unit (index ``unit``, the order of ``units``),
    one column per month held (YYYY-MM, ascending), records (0 where none); ``notes``: what was left out.
    """

    outcome: str
    unit: str
    units: pd.DataFrame
    counts: pd.DataFrame
    notes: tuple[str, ...] = ()

    @property
    def months(self) -> list[str]:
        return list(self.counts.columns)


@dataclass(frozen=True)
class Panel:
    """A setup's outcome panel: ``counts`` (:data:`PANEL_COLUMNS`) for its units and every comparison
    candidate over the before and after months, ``units`` (:data:`UNIT_COLUMNS` and ``treated``), the
    ``start_month`` (YYYY-MM) and ``notes`` on what was left out or missing."""

    outcome: str
    unit: str
    start_month: str
    counts: pd.DataFrame
    units: pd.DataFrame
    notes: tuple[str, ...] = ()

    @property
    def months_before(self) -> list[str]:
        return sorted(self.counts.loc[~self.counts["after"], "month"].unique())

    @property
    def months_after(self) -> list[str]:
        return sorted(self.counts.loc[self.counts["after"], "month"].unique())


def setup_panel(
    engine: Engine, spec: SetupSpec, *, outcome: str = "crime", unit: str = "street", before_months: int = 12
) -> Panel:
    """The outcome panel of a setup (stored or planned): :func:`unit_counts` of its force, its units
    (:func:`treated_units`) and the periods of :func:`panel_of` from its ``starts_on`` to its ``ends_on``."""
    counts = unit_counts(engine, force=force_of(engine, spec), outcome=outcome, unit=unit)
    end = None if spec.ends_on is None else spec.ends_on.strftime("%Y-%m")
    panel = panel_of(counts, treated_units(engine, spec, counts), spec.starts_on.strftime("%Y-%m"),
                     before_months=before_months, end_month=end)
    if unit == "ward" and not (spec.area.wards or spec.area.force_wide):
        diluted = "The setup covers some streets or a drawn area but is measured on the whole wards it touches, which dilutes its effect."
        return Panel(panel.outcome, panel.unit, panel.start_month, panel.counts, panel.units, (*panel.notes, diluted))
    return panel


def unit_counts(engine: Engine, *, force: str, outcome: str = "crime", unit: str = "street") -> UnitCounts:
    """Monthly records of ``outcome`` for every unit of the police force area ``force`` (its GSS code, e.g.
    E23000012) with an exposure, over every month held (a month with any record of the force)."""
    _check_choice("outcome", outcome, COUNTED)
    _check_choice("unit", unit, UNITS)
    lsoas = read_query(engine, select(insight_lsoa.c.lsoa21_code, insight_lsoa.c.ward_code,
                                      insight_lsoa.c.imd2025_decile.label("imd_decile"))
                       .where(insight_lsoa.c.pfa_code == force))
    in_force = insight_crime.c.lsoa21_code.in_(select(insight_lsoa.c.lsoa21_code).where(insight_lsoa.c.pfa_code == force))
    with engine.connect() as connection:
        months = sorted(connection.execute(select(insight_crime.c.month).distinct().where(in_force)).scalars())
    if not months:
        raise LPTError(f"no police.uk records held for force {force} (run lpt refresh after importing crime)")
    kind = insight_crime.c.crime_type == ASB if outcome == "asb" else insight_crime.c.crime_type != ASB
    key = [insight_crime.c.lsoa21_code, insight_crime.c.street_name, insight_crime.c.month]
    records = read_query(engine, select(*key, func.sum(insight_crime.c.records).label("count"))
                         .where(in_force, kind).group_by(*key))
    units, notes = (_streets if unit == "street" else _wards)(engine, lsoas, records)
    records = records.merge(lsoas[["lsoa21_code", "ward_code"]], on="lsoa21_code")
    records["unit"] = _street_keys(records) if unit == "street" else records["ward_code"]
    wide = records.pivot_table(index="unit", columns="month", values="count", aggfunc="sum", fill_value=0)
    wide = wide.reindex(index=units["unit"], columns=months, fill_value=0).astype("int64")
    return UnitCounts(outcome, unit, units.reset_index(drop=True), wide.rename_axis(index="unit", columns=None), notes)


def force_of(engine: Engine, spec: SetupSpec) -> str:
    """The police force area of most of the setup's wards (a force-wide setup: :func:`busiest_force`)."""
    wards = spec.area.wards_of(engine)
    if wards is None:
        return busiest_force(engine)
    query = (select(insight_lsoa.c.pfa_code).where(insight_lsoa.c.ward_code.in_(sorted(wards)),
                                                  insight_lsoa.c.pfa_code.is_not(None))
             .group_by(insight_lsoa.c.pfa_code).order_by(func.count().desc()).limit(1))
    return _first(engine, query, "the setup's area is in no force held by the store (run lpt refresh after the imports)")


def busiest_force(engine: Engine) -> str:
    """The police force area with the most records in the insight cube."""
    query = (select(insight_lsoa.c.pfa_code)
             .join(insight_crime, insight_crime.c.lsoa21_code == insight_lsoa.c.lsoa21_code)
             .where(insight_lsoa.c.pfa_code.is_not(None)).group_by(insight_lsoa.c.pfa_code)
             .order_by(func.sum(insight_crime.c.records).desc()).limit(1))
    return _first(engine, query, "no police.uk records in the store (run lpt refresh after importing crime)")


def treated_units(engine: Engine, spec: SetupSpec, counts: UnitCounts) -> frozenset[str]:
    """The units of the setup's area (the module's rules), whether or not they have an exposure."""
    area = spec.area
    if counts.unit == "ward":
        wards = area.wards_of(engine)
        return frozenset(counts.units["ward_code"] if wards is None else wards)
    placed = read_in_area(engine, area, area_query(area, None))
    found = set(_street_keys(placed.rename(columns={"street": "street_name"})))
    if area.polygon:
        points = streets(engine, area.wards_of(engine))
        found |= set(_street_keys(points[area.contains(points)]))
    return frozenset(found)


def panel_of(
    counts: UnitCounts, treated: Collection[str], start_month: str, *, before_months: int = 12,
    end_month: str | None = None,
) -> Panel:
    """The panel of ``treated`` units against every other unit of ``counts``, around ``start_month``
    (YYYY-MM): the latest ``before_months`` months held before it and the months held from it to
    ``end_month`` (None: the latest held). LPTError when no treated unit has an exposure or no month
    before the start is held."""
    if before_months < 2:
        raise LPTError(f"the before period needs at least 2 months, not {before_months}")
    start = pd.Period(start_month, freq="M")
    held = [pd.Period(m, freq="M") for m in counts.months]
    before = [m for m in held if m < start][-before_months:]
    last = held[-1] if end_month is None else min(pd.Period(end_month, freq="M"), held[-1])
    after = [m for m in held if start <= m <= last]
    notes = list(counts.notes)
    if not before:
        raise LPTError(f"no police.uk month is held before the start ({start_month}): nothing to compare with")
    if len(before) < before_months:
        notes.append(f"Only {len(before)} months are held before the start ({before_months} asked for).")
    if before[-1] != start - 1:
        notes.append(f"The before period ends in {before[-1]}: police.uk months just before the start are not held.")
    is_treated = counts.units["unit"].isin(set(treated))
    missing = len(set(treated) - set(counts.units["unit"]))
    if missing:
        notes.append(f"{missing} of the setup's {counts.unit}s have no households to measure a rate by and are left out.")
    if not is_treated.any():
        raise LPTError(f"none of the setup's {counts.unit}s has households to measure a rate by")
    months = [str(m) for m in before + after]
    long = counts.counts[months].stack().rename("count").rename_axis(["unit", "month"]).reset_index()
    units = counts.units.assign(treated=is_treated.to_numpy())
    long = long.merge(units[["unit", "exposure", "treated"]], on="unit")
    # Worked out per month: Period arithmetic per row took about 1 s for a force's streets.
    offsets = {str(month): (month - start).n for month in before + after}
    long["t"] = long["month"].map(offsets).astype("int64")
    long["after"] = long["t"] >= 0
    return Panel(counts.outcome, counts.unit, start_month, long[PANEL_COLUMNS], units, tuple(notes))


# --- internals ------------------------------------------------------------------


def _streets(engine: Engine, lsoas: pd.DataFrame, records: pd.DataFrame) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """Register streets of the force with their households; a note on police.uk streets left out."""
    query = select(insight_households.c.lsoa21_code, insight_households.c.street_name,
                   insight_households.c.households.label("exposure")).where(
        insight_households.c.lsoa21_code.in_(lsoas["lsoa21_code"].tolist()), insight_households.c.households > 0)
    register = read_query(engine, query).merge(lsoas, on="lsoa21_code")
    register = register.assign(unit=_street_keys(register), exposure=register["exposure"].astype(float))
    outside = records[~_street_keys(records).isin(set(register["unit"]))]
    notes = ()
    if len(outside):
        left = outside.groupby(["lsoa21_code", "street_name"]).ngroups
        notes = (f"{left} police.uk streets ({int(outside['count'].sum())} records) have no households on the "
                 "address register and are left out.",)
    return register.sort_values("unit")[UNIT_COLUMNS], notes


def _wards(engine: Engine, lsoas: pd.DataFrame, records: pd.DataFrame) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """Wards of the force with their Census 2021 households and household-weighted IMD decile."""
    query = (select(ref_census.c.lsoa_code.label("lsoa21_code"), func.max(ref_census.c.total).label("households"))
             .where(ref_census.c.dataset == _HOUSEHOLDS_DATASET, ref_census.c.lsoa_code.in_(lsoas["lsoa21_code"].tolist()))
             .group_by(ref_census.c.lsoa_code))
    base = lsoas.merge(read_query(engine, query), on="lsoa21_code", how="left").fillna({"households": 0})
    known = base.dropna(subset=["imd_decile"]).assign(weighted=lambda f: f["imd_decile"] * f["households"])
    grouped = known.groupby("ward_code")[["weighted", "households"]].sum()
    wards = pd.DataFrame({"exposure": base.groupby("ward_code")["households"].sum().astype(float)})
    wards["imd_decile"] = (grouped["weighted"] / grouped["households"].where(grouped["households"] > 0)).reindex(wards.index)
    empty = wards.index[wards["exposure"] <= 0]
    notes = ()
    if len(empty):
        lost = records.merge(lsoas, on="lsoa21_code")["ward_code"].isin(empty)
        notes = (f"{len(empty)} wards ({int(records.loc[lost.to_numpy(), 'count'].sum())} records) have no "
                 "Census 2021 households and are left out.",)
    wards = wards.drop(empty).reset_index()
    wards = wards.assign(unit=wards["ward_code"], lsoa21_code=None, street_name=None)
    return wards.sort_values("unit")[UNIT_COLUMNS], notes


def _first(engine: Engine, query, missing: str) -> str:
    """The first value of ``query``'s first row; LPTError ``missing`` when there is none."""
    with engine.connect() as connection:
        found = connection.execute(query).scalar()
    if found is None:
        raise LPTError(missing)
    return found


def _street_keys(frame: pd.DataFrame) -> pd.Series:
    """``unit`` of street rows: LSOA 2021 code and street name joined by a space."""
    return frame["lsoa21_code"].astype(str) + " " + frame["street_name"].astype(str)


def _check_choice(name: str, value: str, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise LPTError(f"{name} is one of {', '.join(allowed)}, not {value!r}")
