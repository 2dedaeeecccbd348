"""The statistics callers get, on the sample data: access checked, counts disclosure-controlled,
and the generator's planted truths found."""

from __future__ import annotations

import pytest

from lpt.access.guard import Area, PermissionDenied
from lpt.access.users import add_user, get_user
from lpt.stats import results

SAMPLE_WARD = "E05011529"  # Hull Central
OTHER_WARD = "E05011528"  # Hull Bricknell


@pytest.fixture(scope="module")
def officer(sample_store):
    engine, _ = sample_store
    admin = get_user(engine, "admin")
    return add_user(engine, admin, "pc-stats", name="PC", role="officer", areas=[("ward", SAMPLE_WARD)])


def test_weighted_confidence_per_sample_ward(sample_store):
    engine, synthetic = sample_store
    table = results.weighted_confidence(engine, get_user(engine, "an1"), purpose="test").set_index("area_code")
    assert set(table.index) == set(synthetic.truth["wards"])
    row = table.loc[SAMPLE_WARD]
    assert row["ci_low"] <= row["weighted"] <= row["ci_high"] and 0 < row["efficiency"] <= 1
    assert row["n"] == (synthetic.surveys["ward_code"] == SAMPLE_WARD).sum()


def test_officer_gets_own_ward_only_and_is_refused_others(sample_store, officer):
    engine, _ = sample_store
    table = results.weighted_confidence(engine, officer, purpose="ward briefing")
    assert list(table["area_code"]) == [SAMPLE_WARD]
    with pytest.raises(PermissionDenied):
        results.confidence_changes(engine, officer, purpose="ward briefing", area=Area("ward", OTHER_WARD))


def test_evaluator_only_gets_statistics(sample_store):
    engine, _ = sample_store
    evaluator = add_user(engine, get_user(engine, "admin"), "ev1", name="Evaluator", role="evaluator")
    changes = results.confidence_changes(engine, evaluator, purpose="evaluation")
    assert {"p_value", "p_adjusted", "sentence"} <= set(changes.columns)
    assert (changes["n"].dropna() >= 5).all()  # counts of people through disclosure control


def test_planted_registration_skews_are_found(sample_store):
    engine, _ = sample_store
    named = results.representation_of(engine, get_user(engine, "an1"), purpose="representation")
    assert len(named) and set(named["ward_code"]) <= {"E05011529", "E05011528", "E05001699", "E05001714"}
    young_or_minority = named["category"].isin(["18-24", "25-34", "35-44", "Asian", "Black", "Mixed", "Other"])
    assert young_or_minority.all()


def test_public_data_statistics_need_no_caller(sample_store):
    engine, _ = sample_store
    crime = results.crime_changes(engine)
    assert {"rate_ratio", "sentence"} <= set(crime.columns) and len(crime) > 0
    peers = results.peer_wards(engine, k=5)
    assert peers.groupby("ward_code").size().eq(5).all()


def test_hotspots_limited_to_the_callers_wards(sample_store, officer):
    engine, _ = sample_store
    mine = results.low_confidence_hotspots(engine, officer, purpose="briefing")
    everything = results.low_confidence_hotspots(engine, get_user(engine, "an1"), purpose="analysis")
    assert set(mine["code"]) < set(everything["code"])
