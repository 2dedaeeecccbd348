"""Naive baselines on hand-computed arrays."""

import numpy as np
import pytest

from lpt.forecast.baselines import all_history, ewma, exponential_weights, last_month

# three months (oldest first) by four streets
TOTALS = np.array([[4, 0, 1, 0], [0, 2, 1, 0], [1, 1, 1, 3]], dtype=float)


def test_last_month_breaks_ties_by_all_history():
    scores = last_month(TOTALS)
    # last month: 1, 1, 1, 3; history: 5, 3, 3, 3 -> street 3 first, then 0, then 1 and 2 tied
    assert np.argsort(-scores, kind="stable").tolist() == [3, 0, 1, 2]
    assert scores[1] == scores[2]


def test_all_history_sums_every_month():
    assert all_history(TOTALS).tolist() == [5, 3, 3, 3]


def test_ewma_weights_halve_every_three_months_latest_age_zero():
    assert exponential_weights(4, 3) == pytest.approx([0.5, 0.5 ** (2 / 3), 0.5 ** (1 / 3), 1.0])
    w = 0.5 ** (np.array([2, 1, 0]) / 3)
    assert ewma(TOTALS) == pytest.approx(w @ TOTALS)
    assert ewma(TOTALS)[3] == pytest.approx(3.0)
