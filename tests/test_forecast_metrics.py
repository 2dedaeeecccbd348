"""Hit rate, PAI and PEI on small hand-computed arrays."""

import math

import numpy as np
import pytest

from lpt.forecast.metrics import hit_rate, pai, pei, top_k

# ten streets in location order; test-month rows per street; 40 rows in all
# (4 of them on streets not seen before, so not in `outcome`)
SCORES = np.array([5, 1, 9, 9, 0, 3, 2, 8, 0, 1], dtype=float)
OUTCOME = np.array([6, 0, 2, 7, 1, 3, 0, 10, 5, 2], dtype=float)
TOTAL = 40.0


def test_top_k_rounds_and_breaks_ties_by_input_order():
    assert top_k(SCORES, 0.3).tolist() == [2, 3, 7]  # the two 9s keep their order
    assert top_k(SCORES, 0.25).tolist() == [2, 3]  # round(2.5) == 2 (round half to even)
    assert top_k(SCORES, 0.04).tolist() == []


def test_hit_rate_counts_rows_on_chosen_streets_over_all_rows():
    assert hit_rate(SCORES, OUTCOME, TOTAL, 0.3) == pytest.approx((2 + 7 + 10) / 40)
    assert hit_rate(SCORES, OUTCOME, TOTAL, 0.1) == pytest.approx(2 / 40)


def test_pai_divides_by_share_of_streets_chosen():
    assert pai(SCORES, OUTCOME, TOTAL, 0.3) == pytest.approx((19 / 40) / 0.3)


def test_pei_compares_with_perfect_foresight():
    # perfect top 3: streets with 10, 7, 6 rows = 23
    assert pei(SCORES, OUTCOME, TOTAL, 0.3) == pytest.approx(19 / 23)
    assert pei(OUTCOME, OUTCOME, TOTAL, 0.3) == 1.0


def test_empty_month_gives_nan_not_an_error():
    assert math.isnan(hit_rate(SCORES, np.zeros(10), 0.0, 0.1))
    assert math.isnan(pei(SCORES, np.zeros(10), 0.0, 0.1))
