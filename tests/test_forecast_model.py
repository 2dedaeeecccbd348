"""The LPT forecast on synthetic counts with a known truth."""

import math

import numpy as np
import pytest

from lpt.forecast.model import decayed_rates, expected_counts


def test_decayed_rates_are_weighted_means():
    counts = np.array([[[2.0]], [[4.0]]])  # two months, one street, one type
    assert decayed_rates(counts, math.inf)[0, 0] == pytest.approx(3.0)
    assert decayed_rates(counts, 1.0)[0, 0] == pytest.approx((0.5 * 2 + 1 * 4) / 1.5)


def test_recovers_stable_rates_better_than_the_last_month():
    rng = np.random.default_rng(7)
    rates = rng.gamma(0.5, 2.0, size=(2000, 2))  # streets × types
    counts = rng.poisson(rates, size=(12, 2000, 2)).astype(float)
    expected = expected_counts(counts)
    assert expected.shape == (2000, 2) and (expected >= 0).all()
    error = lambda guess: np.abs(guess - rates).mean()  # noqa: E731
    assert error(expected) < 0.8 * error(counts[-1])
    assert np.corrcoef(expected.sum(1), rates.sum(1))[0, 1] > 0.9


def test_short_history_falls_back_to_decayed_rates():
    counts = np.array([[[1.0, 0.0], [0.0, 3.0]]])
    assert expected_counts(counts) == pytest.approx(counts[0])


def test_no_signal_falls_back_instead_of_predicting_zero():
    counts = np.zeros((5, 3, 1))
    counts[0, 0, 0] = 1  # seen once, never again: least squares gives all-zero weights
    assert expected_counts(counts)[0, 0] > 0
