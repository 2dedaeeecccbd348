"""The outcome panel of a setup: units, exposures, outcomes and periods."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest
from sqlalchemy import select

from lpt.errors import LPTError
from lpt.evaluation.panel import (
    ASB,
    PANEL_COLUMNS,
    UNIT_COLUMNS,
    force_of,
    panel_of,
    setup_panel,
    unit_counts,
)
from lpt.setups.model import SetupArea, SetupSpec
from lpt.store.frames import read_query
from lpt.store.schema import insight_crime, insight_households
from tests.evaluation_panels import START, synthetic_counts

HUMBERSIDE, WARD = "E23000012", "E05011529"


def test_street_counts_are_the_cube_per_register_street(sample_store):
    engine, _ = sample_store
    counts = unit_counts(engine, force=HUMBERSIDE, outcome="crime", unit="street")
    asb = unit_counts(engine, force=HUMBERSIDE, outcome="asb", unit="street")
    assert list(counts.units.columns) == UNIT_COLUMNS
    assert counts.months == [f"2025-{m:02d}" for m in range(1, 13)]
    assert (counts.units["exposure"] > 0).all() and counts.units["unit"].is_unique
    register = read_query(engine, select(insight_households))
    assert len(counts.units) == len(register[register["households"] > 0])
    cube = read_query(engine, select(insight_crime))
    busiest = counts.counts.sum(axis=1).idxmax()
    lsoa, street = busiest[:9], busiest[10:]
    mine = cube[(cube["lsoa21_code"] == lsoa) & (cube["street_name"] == street)]
    assert counts.counts.loc[busiest].sum() == mine.loc[mine["crime_type"] != ASB, "records"].sum()
    assert asb.counts.loc[busiest].sum() == mine.loc[mine["crime_type"] == ASB, "records"].sum()
    assert "have no households on the address register" in counts.notes[0]


def test_ward_counts_use_census_households_for_every_ward_of_the_force(sample_store):
    engine, _ = sample_store
    counts = unit_counts(engine, force=HUMBERSIDE, unit="ward")
    assert len(counts.units) == 81  # every Humberside ward, not only the four on the register
    assert counts.units["exposure"].between(1000, 20000).all()
    assert counts.units["imd_decile"].between(1, 10).all()
    assert counts.counts.to_numpy().sum() > 50000
    assert counts.units["street_name"].isna().all()


def test_panel_periods_and_columns():
    counts, treated = synthetic_counts(1, treated=3, comparison=5, months_before=14, months_after=4)
    panel = panel_of(counts, treated, START, before_months=12)
    assert list(panel.counts.columns) == PANEL_COLUMNS
    assert panel.months_before == [str(m) for m in pd.period_range("2023-01", "2023-12", freq="M")]
    assert panel.months_after == ["2024-01", "2024-02", "2024-03", "2024-04"]
    first = panel.counts[panel.counts["month"] == "2023-01"]
    assert (first["t"] == -12).all() and not first["after"].any()
    assert panel.counts.loc[panel.counts["treated"], "unit"].nunique() == 3
    assert len(panel.counts) == 8 * 16 and panel.notes == ()
    ended = panel_of(counts, treated, START, before_months=12, end_month="2024-02")
    assert ended.months_after == ["2024-01", "2024-02"]


def test_missing_months_and_units_are_noted():
    counts, treated = synthetic_counts(2, treated=3, comparison=5, months_before=6, months_after=2)
    gap = counts.counts.drop(columns=["2023-12"])
    holed = type(counts)(counts.outcome, counts.unit, counts.units, gap)
    panel = panel_of(holed, [*treated, "nowhere"], START, before_months=12)
    assert len(panel.months_before) == 5
    notes = " ".join(panel.notes)
    assert "Only 5 months are held before the start (12 asked for)" in notes
    assert "ends in 2023-11" in notes
    assert "1 of the setup's streets have no households" in notes
    with pytest.raises(LPTError, match="none of the setup's streets"):
        panel_of(counts, ["nowhere"], START)
    with pytest.raises(LPTError, match="no police.uk month is held before"):
        panel_of(counts, treated, "2020-01")


def test_setup_panel_of_a_ward_area(sample_store):
    engine, _ = sample_store
    spec = SetupSpec("Central", SetupArea(wards=(WARD,)), date(2025, 7, 1), date(2025, 10, 31))
    assert force_of(engine, spec) == HUMBERSIDE
    streets = setup_panel(engine, spec, unit="street", before_months=6)
    treated = streets.units[streets.units["treated"]]
    assert len(treated) > 20 and (treated["ward_code"] == WARD).all()
    assert not streets.units.loc[~streets.units["treated"], "ward_code"].eq(WARD).any()
    assert streets.months_after == ["2025-07", "2025-08", "2025-09", "2025-10"]
    wards = setup_panel(engine, spec, unit="ward", outcome="asb", before_months=6)
    assert wards.units.loc[wards.units["treated"], "unit"].tolist() == [WARD]
    assert wards.counts["unit"].nunique() == 81


def test_street_and_polygon_areas(sample_store):
    engine, _ = sample_store
    register = read_query(engine, select(insight_households))
    chosen = register.sort_values("households").tail(2)
    streets = tuple(zip(chosen["lsoa21_code"], chosen["street_name"]))
    spec = SetupSpec("Two streets", SetupArea(streets=streets), date(2025, 7, 1))
    panel = setup_panel(engine, spec, before_months=6)
    assert sorted(panel.units.loc[panel.units["treated"], "unit"]) == sorted(f"{a} {b}" for a, b in streets)
    per_ward = setup_panel(engine, spec, unit="ward", before_months=6)
    assert any("whole wards it touches" in note for note in per_ward.notes)
    square = "POLYGON((-0.36 53.74, -0.33 53.74, -0.33 53.755, -0.36 53.755, -0.36 53.74))"  # central Hull
    inside = setup_panel(engine, SetupSpec("Square", SetupArea(polygon=square), date(2025, 7, 1)), before_months=6)
    assert 0 < inside.units["treated"].sum() < len(inside.units)
