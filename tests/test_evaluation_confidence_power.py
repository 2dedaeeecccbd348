"""What a setup could detect in confidence before it starts: the predicted standard error against the spread of
the estimator's own estimates on many simulated worlds, and the store path with its access checks."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from lpt.access.guard import PermissionDenied
from lpt.access.users import get_user
from lpt.errors import LPTError
from lpt.evaluation.confidence_effect import ANSWER_COLUMNS, Periods, estimate
from lpt.evaluation.confidence_power import detectable_change, detectable_change_of
from lpt.evaluation.power import noncentrality
from lpt.setups.model import SetupArea, SetupSpec
from lpt.synth.surveys import WAVES
from tests.conftest import OFFICER_WARD

WARDS = [f"W{i:02d}" for i in range(24)]
TREATED = frozenset(WARDS[:3])
IMD = pd.Series(np.tile(np.arange(1.0, 9.0), 3), index=WARDS)
START = date(2025, 1, 1)
COMPARED = Periods(before=WAVES[:4], after=WAVES[4:6], transition=None)


def _world(seed: int, shock_sd: float = 0.04, n: int = 300) -> pd.DataFrame:
    """Answers of every ward and wave 2024Q1-2025Q2: each ward's lasting level plus its own ups and downs per
    wave (sd ``shock_sd``), answers drawn around them; no effect anywhere."""
    rng = np.random.default_rng(seed)
    level = rng.uniform(0.35, 0.65, len(WARDS))
    rows = []
    for i, ward in enumerate(WARDS):
        for wave in WAVES[:6]:
            share = np.clip(level[i] + rng.normal(0, shock_sd), 0.05, 0.95)
            rows.append(pd.DataFrame({"ward_code": ward, "wave": wave, "confident": (rng.random(n) < share).astype(float)}))
    answers = pd.concat(rows, ignore_index=True)
    return answers.assign(member_id=[f"M{i}" for i in range(len(answers))], age_band="", ethnic_group="")[ANSWER_COLUMNS]


def test_the_predicted_standard_error_matches_the_spread_of_estimates():
    estimates, predicted = [], []
    for seed in range(40):
        answers = _world(seed)
        estimates.append(estimate(answers, {}, IMD, TREATED, COMPARED).estimate)
        found = detectable_change_of(answers[answers["wave"].isin(COMPARED.before)], {}, IMD, TREATED, START)
        predicted.append(found.std_err)
    assert np.mean(predicted) == pytest.approx(np.std(estimates, ddof=1), rel=0.3)
    assert found.change == pytest.approx(noncentrality(found.treated + found.comparison - 2, 0.05, 0.8) * found.std_err)
    assert (found.treated, found.waves_before, found.waves_after) == (3, 4, 2)
    assert "would be found 80% of the time at the 5% level" in found.sentence


def test_more_waves_after_and_more_wards_detect_less():
    answers = _world(1)
    short = detectable_change_of(answers, {}, IMD, TREATED, START, after_waves=1)
    long = detectable_change_of(answers, {}, IMD, TREATED, START, after_waves=4)
    assert long.change < short.change
    assert detectable_change_of(answers, {}, IMD, TREATED, START, k=3).comparison < short.comparison
    with pytest.raises(LPTError, match="after_waves is 1 or more"):
        detectable_change_of(answers, {}, IMD, TREATED, START, after_waves=0)
    with pytest.raises(LPTError, match="fewer than 2 survey waves"):
        detectable_change_of(answers, {}, IMD, TREATED, date(2024, 4, 1))


def test_a_planned_setup_in_the_store(officer_store):
    engine, _ = officer_store
    planned = SetupSpec("Planned", SetupArea(wards=(OFFICER_WARD,)), date(2025, 7, 1))
    found = detectable_change(engine, get_user(engine, "an1"), planned, purpose="planning")
    assert found.treated == 1 and found.comparison >= 2 and 0 < found.change < 100
    assert found.sentence.startswith("With 1 ward(s) against")
    with pytest.raises(PermissionDenied, match="some of its wards lie outside"):
        detectable_change(engine, get_user(engine, "pc-west"), planned, purpose="planning")
    stored = detectable_change(engine, get_user(engine, "an1"), 1, purpose="planning")
    assert stored.waves_before == 4  # setup 1 starts 2025-01-01: 2024's four waves before it
