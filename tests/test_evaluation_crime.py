"""crime_effect and detectable_effect end to end on the sample store: a stored setup of one Hull ward, the
access rules and the audit log."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from lpt.access.guard import PermissionDenied
from lpt.access.users import add_user, get_user
from lpt.errors import LPTError
from lpt.evaluation.crime import crime_effect, detectable_effect
from lpt.evaluation.power import Detectable
from lpt.setups.model import SetupArea, SetupSpec, create_setup
from lpt.store import open_store
from lpt.store.frames import read_query
from lpt.store.schema import audit_log
from tests.conftest import backup_copy

WARD, OTHER_WARD = "E05011529", "E05011528"
PURPOSE = "evaluation test"


@pytest.fixture(scope="module")
def evaluated(sample_store, tmp_path_factory):
    """A copy of the sample store (SQLite backup API) with officers on WARD and OTHER_WARD, an evaluator,
    setup A (every household of WARD, July to December 2025) and setup B (starting in 2026, no records
    after it yet). Returns (engine, users by ID, setup A, setup B)."""
    engine, _ = sample_store
    copy = open_store(backup_copy(engine, tmp_path_factory.mktemp("evaluation") / "lpt.sqlite"))
    admin = get_user(copy, "admin")
    add_user(copy, admin, "pc-here", name="PC Here", role="officer", areas=[("ward", WARD)])
    add_user(copy, admin, "pc-there", name="PC There", role="officer", areas=[("ward", OTHER_WARD)])
    add_user(copy, admin, "ev1", name="Evaluator", role="evaluator")
    area = SetupArea(wards=(WARD,))
    first = create_setup(copy, admin, SetupSpec("Central", area, date(2025, 7, 1), date(2025, 12, 31)), purpose=PURPOSE)
    later = create_setup(copy, admin, SetupSpec("Central again", area, date(2026, 2, 1)), purpose=PURPOSE)
    users = {user_id: get_user(copy, user_id) for user_id in ("an1", "pc-here", "pc-there", "ev1")}
    yield copy, users, first, later
    copy.dispose()


def test_difference_in_differences_per_street(evaluated):
    engine, users, setup_id, _ = evaluated
    effect = crime_effect(engine, users["an1"], setup_id, purpose=PURPOSE)
    assert (effect.outcome, effect.method, effect.unit, effect.measure) == ("crime", "did", "street", "rate ratio")
    assert effect.treated > 20 and effect.comparison > 20
    assert (effect.periods_before, effect.periods_after) == (6, 6)
    assert effect.ci_low < effect.estimate < effect.ci_high
    assert {"overdispersion", "pre_trend_p", "recent_p"} <= set(effect.checks)
    notes = " ".join(effect.notes)
    assert "Only 6 months are held before the start (12 asked for)" in notes
    assert "no households on the address register" in notes and "displaced" in notes
    assert effect.sentence.startswith(f"Crime in the setup's {effect.treated} streets was")
    assert set(effect.series["period"]) == {f"2025-{m:02d}" for m in range(1, 13)}


def test_per_ward_time_series_and_anti_social_behaviour(evaluated):
    engine, users, setup_id, _ = evaluated
    ward = crime_effect(engine, users["ev1"], setup_id, outcome="asb", unit="ward", k=5, purpose=PURPOSE)
    assert (ward.outcome, ward.treated, ward.comparison) == ("asb", 1, 5)
    assert any(note.startswith("Only 1 treated wards") for note in ward.notes)
    series = crime_effect(engine, users["an1"], setup_id, method="its", purpose=PURPOSE)
    assert series.comparison == 0 and series.standard_errors.endswith("t with 8 df")
    assert any("too short to model seasons" in note for note in series.notes)
    with pytest.raises(LPTError, match="method is one of"):
        crime_effect(engine, users["an1"], setup_id, method="rdd", purpose=PURPOSE)


def test_officers_only_for_their_own_wards_and_every_answer_audited(evaluated):
    engine, users, setup_id, _ = evaluated
    assert crime_effect(engine, users["pc-here"], setup_id, unit="ward", purpose=PURPOSE).treated == 1
    with pytest.raises(PermissionDenied, match="beyond the areas the user covers"):
        crime_effect(engine, users["pc-there"], setup_id, purpose=PURPOSE)
    with pytest.raises(PermissionDenied):
        detectable_effect(engine, users["pc-there"], setup_id, purpose=PURPOSE)
    log = read_query(engine, select(audit_log).where(audit_log.c.action == "statistical_models"))
    mine = log[log["user_id"].isin(["pc-here", "pc-there"])]
    assert mine.loc[mine["user_id"] == "pc-here", "outcome"].tolist() == ["allowed"]
    assert mine.loc[mine["user_id"] == "pc-here", "detail"].iloc[0] == f"setup {setup_id}: crime effect (did, per ward)"
    assert mine.loc[mine["user_id"] == "pc-there", "outcome"].tolist() == ["refused", "refused"]


def test_what_a_setup_could_detect_before_it_starts(evaluated):
    engine, users, _, later = evaluated
    with pytest.raises(LPTError, match="no police.uk month is held from the setup's start"):
        crime_effect(engine, users["an1"], later, purpose=PURPOSE)
    stored = detectable_effect(engine, users["an1"], later, purpose=PURPOSE)
    assert isinstance(stored, Detectable) and 0.5 < stored.rate_ratio < 1 < stored.rise_ratio
    assert stored.months_before == 12 and stored.months_after == 6
    assert any("ends in 2025-12" in note for note in stored.notes)
    assert any("no end day: 6 months" in note for note in stored.notes)
    planned = SetupSpec("Plan", SetupArea(wards=(WARD,)), date(2026, 2, 1), date(2026, 12, 31))
    longer = detectable_effect(engine, users["pc-here"], planned, purpose=PURPOSE)
    assert longer.months_after == 11 and longer.rate_ratio > stored.rate_ratio  # longer after: smaller falls seen
    wards = detectable_effect(engine, users["an1"], planned, unit="ward", purpose=PURPOSE)
    assert wards.treated == 1 and wards.comparison == 6  # lpt.evaluation.matching.COMPARISONS
    log = read_query(engine, select(audit_log).where(audit_log.c.user_id == "pc-here"))
    assert "planned setup 'Plan': detectable crime effect (per street)" in log["detail"].tolist()


def test_comparison_units_next_to_the_setup_are_named(sample_store):
    import pandas as pd

    from lpt.evaluation.crime import _nearby
    from lpt.evaluation.panel import Panel
    from lpt.store.queries import boundaries

    engine, _ = sample_store
    shapes = boundaries(engine, "ward_boundaries").set_index("code")
    touching = shapes.index[shapes.touches(shapes.at[WARD, "geometry"])]
    far = shapes.index[~shapes.intersects(shapes.at[WARD, "geometry"].buffer(0.05))]
    units = pd.DataFrame({"unit": [WARD, touching[0], far[0], far[1]], "ward_code": [WARD, touching[0], far[0], far[1]],
                          "treated": [True, False, False, False]})
    panel = Panel("crime", "ward", "2025-07", pd.DataFrame(), units)
    assert _nearby(engine, panel, [touching[0], far[0], far[1]]) == (
        "1 of the 3 comparison wards lie in or next to the setup's wards, where displacement or spreading benefits "
        "would bias the comparison most.",)
    assert _nearby(engine, panel, [far[0], far[1]]) == ()
