"""Naive street forecasts: the yardsticks any forecast must at least match.

Each takes ``totals`` (months × streets, oldest first) and returns one score
per street, higher meaning more expected crime.
"""

from __future__ import annotations

import numpy as np

__all__ = ["last_month", "all_history", "ewma", "exponential_weights"]


def last_month(totals: np.ndarray) -> np.ndarray:
    """Last month's count, ties broken by the all-history count (exact integer composite)."""
    history = totals.sum(axis=0)
    return totals[-1] * (history.max(initial=0) + 1) + history


def all_history(totals: np.ndarray) -> np.ndarray:
    """Count over every month."""
    return totals.sum(axis=0)


def exponential_weights(months: int, half_life: float) -> np.ndarray:
    """Weights 0.5^(age / half_life), oldest month first, the latest month having age 0."""
    age = np.arange(months)[::-1]
    return 0.5 ** (age / half_life)


def ewma(totals: np.ndarray, half_life: float = 3.0) -> np.ndarray:
    """Exponentially weighted count with weights 0.5^(age in months / half_life)."""
    return exponential_weights(len(totals), half_life) @ totals
