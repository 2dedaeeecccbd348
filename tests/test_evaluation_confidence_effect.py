"""The effect of a setup on confidence: periods, matching, the difference-in-differences worked by hand, its
interval against the two-sample t-test of ward changes, and the whole path on the sample store with its access checks."""

from __future__ import annotations

from datetime import UTC, date, datetime

import numpy as np
import pandas as pd
import pytest
from scipy.stats import ttest_ind
from sqlalchemy import func, select

from lpt.access.guard import PermissionDenied
from lpt.access.users import get_user
from lpt.errors import LPTError
from lpt.evaluation.confidence_effect import (
    ANSWER_COLUMNS,
    MEASURE,
    Periods,
    confidence_effect,
    difference_in_differences,
    match_wards,
    periods,
)
from lpt.setups.visits import record_visit
from lpt.store import open_store
from lpt.store.schema import households, postcode_links, setup_visits
from lpt.synth.surveys import WAVES
from tests.conftest import OFFICER_WARD, backup_copy

YEAR = Periods(before=WAVES[:4], after=WAVES[4:], transition=None)


def test_periods_around_the_start():
    assert periods(date(2025, 1, 1), WAVES) == YEAR
    assert periods(date(2025, 2, 10), WAVES) == Periods(WAVES[:4], WAVES[5:], "2025Q1")  # started part-way through
    assert periods(date(2025, 1, 1), WAVES, before=2, after=2) == Periods(("2024Q3", "2024Q4"), ("2025Q1", "2025Q2"), None)
    assert periods(date(2025, 1, 1), [w for w in WAVES if w != "2024Q2"]).before == ("2024Q1", "2024Q3", "2024Q4")
    with pytest.raises(LPTError, match="fewer than 2 survey waves held in the 4 quarters before 2024Q2"):
        periods(date(2024, 4, 1), WAVES)
    with pytest.raises(LPTError, match="no survey wave held from 2026Q1 on"):
        periods(date(2026, 1, 1), WAVES)
    with pytest.raises(LPTError, match="at least 2 waves"):
        periods(date(2025, 1, 1), WAVES, before=1)


def _cells(shares: dict[tuple[str, str], float], n: int = 100, rng: np.random.Generator | None = None) -> pd.DataFrame:
    """Answers with the given share confident per (ward, wave): exactly, or drawn with ``rng``; weight 1."""
    rows = []
    for (ward, wave), share in shares.items():
        confident = rng.random(n) < share if rng is not None else np.arange(n) < round(share * n)
        rows.append(pd.DataFrame({"ward_code": ward, "wave": wave, "confident": confident.astype(float)}))
    answers = pd.concat(rows, ignore_index=True)
    answers["member_id"] = [f"M{i}" for i in range(len(answers))]
    answers["period"] = np.where(answers["wave"].isin(YEAR.after), "after", "before")
    return answers.assign(age_band="", ethnic_group="", weight=1.0)[[*ANSWER_COLUMNS, "period", "weight"]]


def _shares(base: dict[str, float], effect: dict[str, float], waves=WAVES, trend: dict[str, float] | None = None):
    """Share per (ward, wave): the ward's base, plus its effect after 2024, plus its trend per wave."""
    return {(ward, wave): level + (effect.get(ward, 0.0) if wave in YEAR.after else 0.0) + (trend or {}).get(ward, 0.0) * i
            for ward, level in base.items() for i, wave in enumerate(waves)}


def test_the_estimate_is_the_difference_of_differences_in_points():
    base = {"T1": 0.30, "T2": 0.40, "C1": 0.35, "C2": 0.50, "C3": 0.20}
    effect = difference_in_differences(_cells(_shares(base, {"T1": 0.10, "T2": 0.10})), {"T1", "T2"}, YEAR)
    assert (effect.outcome, effect.method, effect.measure, effect.unit) == ("confidence", "did", MEASURE, "ward")
    assert effect.estimate == pytest.approx(10.0) and effect.ci_low <= effect.estimate <= effect.ci_high
    assert (effect.treated, effect.comparison, effect.periods_before, effect.periods_after) == (2, 3, 4, 4)
    assert effect.standard_errors == "one change per ward (5 wards), t with 3 df"
    assert effect.checks["pre_trend_pp_per_wave"] == pytest.approx(0.0, abs=1e-9)
    assert any("Only 2 treated ward(s)" in note for note in effect.notes)
    series = effect.series.set_index(["period", "group"])["value"]
    assert series[("2025Q3", "treated")] == pytest.approx(0.45) and series[("2024Q1", "comparison")] == pytest.approx(1.05 / 3)
    assert effect.series.groupby("period")["after"].first().tolist() == [False] * 4 + [True] * 4
    assert list(effect.model.columns) == ["term", "coef", "std_err", "ci_low", "ci_high", "p_value"]
    assert effect.model.set_index("term").loc["treated", "coef"] == pytest.approx(0.10)
    assert "rose by 10.0 percentage points more in its 2 ward(s) than in 3 matched comparison wards" in effect.sentence


def test_a_trend_before_the_setup_is_flagged():
    base = {"T1": 0.30, "T2": 0.40, "C1": 0.35, "C2": 0.50}
    answers = _cells(_shares(base, {}, trend={"T1": 0.02, "T2": 0.02}), rng=np.random.default_rng(1), n=400)
    effect = difference_in_differences(answers, {"T1", "T2"}, YEAR)
    assert effect.checks["pre_trend_p"] < 0.10 and effect.checks["pre_trend_pp_per_wave"] > 0
    assert any("already moved differently" in note for note in effect.notes)


def test_the_interval_is_the_two_sample_t_test_of_ward_changes():
    rng = np.random.default_rng(4)
    base = {f"W{i}": level for i, level in enumerate(rng.uniform(0.2, 0.6, 8))}
    answers = _cells(_shares(base, {"W0": 0.05, "W1": 0.05, "W2": 0.05}), rng=rng, n=60)
    answers["weight"] = rng.uniform(0.5, 2.0, len(answers))
    treated = {"W0", "W1", "W2"}
    effect = difference_in_differences(answers, treated, YEAR)
    shares = (answers.assign(yw=answers["confident"] * answers["weight"]).groupby(["ward_code", "period"])[["yw", "weight"]]
              .sum().pipe(lambda cells: cells["yw"] / cells["weight"]).unstack("period"))
    change = 100 * (shares["after"] - shares["before"])
    by_hand = ttest_ind(change[sorted(treated)], change.drop(sorted(treated)), equal_var=True)
    assert effect.estimate == pytest.approx(change[sorted(treated)].mean() - change.drop(sorted(treated)).mean())
    assert effect.p_value == pytest.approx(by_hand.pvalue)
    interval = by_hand.confidence_interval(0.95)
    assert (effect.ci_low, effect.ci_high) == (pytest.approx(interval.low), pytest.approx(interval.high))


def test_one_treated_ward_is_set_against_how_far_the_comparison_wards_stray():
    base = {"T1": 0.30, "C1": 0.35, "C2": 0.50, "C3": 0.45}
    effect = difference_in_differences(_cells(_shares(base, {"T1": -0.05}), rng=np.random.default_rng(2)), {"T1"}, YEAR)
    assert effect.standard_errors == "one change per ward (4 wards), t with 2 df"
    assert effect.ci_low < effect.estimate < effect.ci_high
    assert any("Only 1 treated ward(s)" in note for note in effect.notes)
    with pytest.raises(LPTError, match="needs answers from treated and comparison wards"):
        difference_in_differences(_cells(_shares({"T1": 0.3}, {})), {"T1"}, YEAR)
    with pytest.raises(LPTError, match="at least 3 wards"):
        difference_in_differences(_cells(_shares({"T1": 0.3, "C1": 0.4}, {})), {"T1"}, YEAR)


def test_comparison_wards_are_the_nearest_on_level_trend_and_deprivation():
    levels = {"T": (0.30, 0.00), "A": (0.31, 0.00), "B": (0.29, 0.01), "C": (0.60, 0.10), "D": (0.10, -0.10),
              "E": (0.55, -0.05), "S": (0.30, 0.00)}
    before = _cells({(ward, wave): level + slope * i for ward, (level, slope) in levels.items()
                     for i, wave in enumerate(WAVES[:2])}, n=200)
    decile = pd.Series({"T": 2.0, "A": 2.2, "B": 1.9, "C": 6.0, "D": 1.0, "E": 5.0, "S": 9.0})
    assert match_wards(before, decile, {"T"}, k=2).comparison == ["A", "B"]  # S has T's confidence, not its IMD
    assert match_wards(before, decile, {"T", "A"}, k=1).comparison == ["B"]
    only_one_wave = match_wards(before[(before["ward_code"] != "B") | (before["wave"] == WAVES[0])], decile, {"T"}, k=2)
    assert "B" not in only_one_wave.comparison and "1 units without level, trend, imd_decile" in only_one_wave.notes[0]
    with pytest.raises(LPTError, match="matching needs treated units and candidates"):
        match_wards(before, decile, {"X"})
    with pytest.raises(LPTError, match="matching needs treated units and candidates"):
        match_wards(before[before["ward_code"] == "T"], decile, {"T"})


@pytest.fixture(scope="module")
def setup_store(officer_store, tmp_path_factory):
    """A copy of the officer store (setup 1: every household of E05011529 from 2025-01-01) in which a resident
    registered on the setup's doorstep."""
    engine, _ = officer_store
    copy = open_store(backup_copy(engine, tmp_path_factory.mktemp("confidence-effect") / "lpt.sqlite"))
    query = (select(households.c.address_id).join(postcode_links, postcode_links.c.postcode == households.c.postcode)
             .where(postcode_links.c.ward_code == OFFICER_WARD).limit(1))
    with copy.connect() as connection:
        address = connection.execute(query).scalar_one()
    record_visit(copy, get_user(copy, "pc-central"), 1, address, "spoke_registered",
                 at=datetime(2025, 1, 6, 11, tzinfo=UTC), consent={"first_name": "A", "last_name": "B", "email": "a@example.org"},
                 purpose="test")
    yield copy
    copy.dispose()


def test_the_effect_of_the_sample_setup(setup_store):
    effect = confidence_effect(setup_store, get_user(setup_store, "an1"), 1)
    assert (effect.treated, effect.comparison, effect.periods_before, effect.periods_after) == (1, 3, 4, 4)
    assert effect.ci_low < effect.estimate < effect.ci_high and -30 < effect.estimate < 30  # no effect was planted
    assert set(effect.series["group"]) == {"treated", "comparison"} and effect.series["period"].nunique() == 8
    assert effect.series["value"].between(0, 1).all()
    notes = " ".join(effect.notes)
    assert "doorstep survey answers are not in the outcome" in notes
    with setup_store.connect() as connection:  # other tests of the officer store may have registered more
        registered = connection.execute(select(func.count()).select_from(setup_visits).where(
            setup_visits.c.setup_id == 1, setup_visits.c.member_id.is_not(None))).scalar_one()
    assert registered >= 1
    shown = str(registered) if registered >= 5 else "fewer than 5"
    assert f"Members registered on the setup's doorsteps ({shown}) are left out" in notes
    assert effect.standard_errors == "one change per ward (4 wards), t with 2 df"


def test_the_effect_is_checked_like_any_statistics(setup_store):
    with pytest.raises(LPTError, match="interrupted time series is not offered for confidence"):
        confidence_effect(setup_store, get_user(setup_store, "an1"), 1, method="its")
    with pytest.raises(LPTError, match="method is one of did, its"):
        confidence_effect(setup_store, get_user(setup_store, "an1"), 1, method="rdd")
    with pytest.raises(PermissionDenied, match="some of its wards lie outside"):
        confidence_effect(setup_store, get_user(setup_store, "pc-west"), 1)
    with pytest.raises(LPTError, match="matching needs treated units and candidates"):  # an officer's own ward only
        confidence_effect(setup_store, get_user(setup_store, "pc-central"), 1)
    with pytest.raises(LPTError, match="no setup 99"):
        confidence_effect(setup_store, get_user(setup_store, "an1"), 99)
