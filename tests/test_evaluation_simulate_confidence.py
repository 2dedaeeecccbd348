"""The simulation check of the confidence estimator, small: 15 seeds with and without a planted effect in the
15 wards of North East Lincolnshire (the full check, 200 datasets per setting over the force, is
benchmarks/evaluation_confidence.py)."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest
from sqlalchemy import select

from lpt.errors import LPTError
from lpt.evaluation.simulate_confidence import RUN_COLUMNS, SUMMARY_COLUMNS, setup_plant, simulate, summarise, world
from lpt.setups.model import SetupArea, SetupSpec
from lpt.store.frames import read_query
from lpt.store.schema import postcode_links, ref_lsoa21, ref_postcodes
from lpt.synth import PlantedChange

DISTRICT = "E06000012"  # North East Lincolnshire


@pytest.fixture(scope="module")
def place(bundled_store):
    query = select(ref_lsoa21.c.ward_code).distinct().where(ref_lsoa21.c.district_code == DISTRICT)
    return world(bundled_store, seed=2, wards=read_query(bundled_store, query)["ward_code"])


def test_intervals_cover_the_planted_truth_and_find_nothing_where_nothing_was_planted(place):
    wards = sorted(place.calibration.areas["ward_code"].unique())
    assert len(wards) == 15 and place.members["ward_code"].isin(wards).all()
    runs = simulate(place, treated=wards[1::5], starts_on=date(2025, 1, 1), shifts=(0.0, 0.3), seeds=range(15))
    assert list(runs.columns) == RUN_COLUMNS and len(runs) == 30
    summary = summarise(runs).set_index("shift")
    assert list(summary.reset_index().columns) == SUMMARY_COLUMNS
    assert summary.loc[0.0, "truth"] == 0 and summary.loc[0.3, "truth"] > 5
    # 95% expected: 24 of 30 is about 3.5 Monte Carlo standard errors below it
    assert runs["covers"].mean() >= 0.8
    assert summary.loc[0.0, "significant"] <= 3 / 15  # 5% expected: 4 or more of 15 has chance 0.5%
    assert summary.loc[0.3, "significant"] >= 0.8 and abs(summary.loc[0.3, "bias"]) < 3
    assert (runs["comparison"] >= 3).all()


def test_the_summary_counts_by_hand():
    runs = pd.DataFrame({"shift": [0.0] * 4, "truth": 0.0, "estimate": [1.0, -1.0, 3.0, -1.0], "ci_low": -2.0,
                         "ci_high": 2.0, "covers": [True, True, False, True], "significant": [False, False, True, False],
                         "seconds": 1.0})
    row = summarise(runs).iloc[0]
    assert (row["datasets"], row["coverage"], row["significant"], row["bias"], row["width"]) == (4, 0.75, 0.25, 0.5, 4.0)
    assert row["rmse"] == pytest.approx(3.0**0.5) and row["coverage_mcse"] == pytest.approx((0.75 * 0.25 / 4) ** 0.5)


def test_a_setup_becomes_the_generators_plant(bundled_store):
    def plant(area: SetupArea, starts_on: date) -> PlantedChange:
        return setup_plant(bundled_store, SetupSpec("Test", area, starts_on), 0.3)

    assert plant(SetupArea(wards=("E05011529", "E05011528")), date(2025, 1, 1)) == PlantedChange(
        wards=("E05011528", "E05011529"), wave="2025Q1", shift=0.3)
    streets = SetupArea(streets=(("E01012345", "High Street"), ("E01012340", "Mill Lane"), ("E01012345", "Church Lane")))
    assert plant(streets, date(2025, 2, 10)) == PlantedChange(wards=(), lsoas=("E01012340", "E01012345"), wave="2025Q2",
                                                              shift=0.3)  # started part-way through 2025Q1
    query = (select(postcode_links.c.lsoa21_code, ref_postcodes.c.longitude, ref_postcodes.c.latitude)
             .join(ref_postcodes, ref_postcodes.c.postcode == postcode_links.c.postcode)
             .where(postcode_links.c.lsoa21_code.is_not(None)).limit(1))
    lsoa, x, y = read_query(bundled_store, query).iloc[0]
    square = f"POLYGON(({x - 1e-4} {y - 1e-4}, {x + 1e-4} {y - 1e-4}, {x + 1e-4} {y + 1e-4}, {x - 1e-4} {y + 1e-4}, {x - 1e-4} {y - 1e-4}))"
    assert lsoa in plant(SetupArea(polygon=square), date(2025, 4, 1)).lsoas
    with pytest.raises(LPTError, match="force-wide setup has no comparison wards"):
        plant(SetupArea(), date(2025, 1, 1))
