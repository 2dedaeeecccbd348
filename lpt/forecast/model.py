"""The LPT street forecast: self-exciting rates per crime type, fitted on the force's own months.

Crime at a place is a persistent background rate plus short-lived excitation
after recent events (near repeats: Bowers, Johnson & Pease 2004, "Prospective
hot-spotting", British Journal of Criminology 44; self-exciting point
processes: Mohler, Short, Brantingham, Schoenberg & Tita 2011, "Self-exciting
point process modeling of crime", JASA 106). In monthly street counts that
becomes, for every street and crime type, exponentially decayed rates at a
fast, a slow and an infinite half-life. How much each rate of each type
predicts next month is not assumed: non-negative weights are fitted by least
squares on the most recent months of the same data (each month predicted from
the months before it), so the model calibrates itself to any force.

Tuning (half-lives, window) was done on Humberside's first four test months
and confirmed on the last five and, separately, on two areas (Hull and East
Riding; North and North East Lincolnshire): see the Forecast issue's note.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.optimize import nnls

from lpt.forecast.baselines import exponential_weights

__all__ = ["HALF_LIVES", "WINDOW", "FALLBACK_HALF_LIFE", "decayed_rates", "expected_counts"]

#: Half-lives in months of the decayed rates: excitation, slow drift, background.
HALF_LIVES: tuple[float, ...] = (1.0, 6.0, math.inf)
#: Months predicted (each from the months before it) to fit the weights.
WINDOW = 6
#: With fewer than two earlier months nothing can be fitted: an EWMA of this half-life is used.
FALLBACK_HALF_LIFE = 3.0


def decayed_rates(counts: np.ndarray, half_life: float) -> np.ndarray:
    """Weighted mean monthly count per street and type, weights 0.5^(age / half_life).

    ``counts`` has shape (months, streets, types); the result (streets, types).
    """
    weights = exponential_weights(len(counts), half_life) if math.isfinite(half_life) else np.ones(len(counts))
    return np.tensordot(weights / weights.sum(), counts, axes=(0, 0))


def _design(counts: np.ndarray, half_lives: tuple[float, ...]) -> np.ndarray:
    """Feature matrix (streets, types × half-lives) of decayed rates."""
    return np.concatenate([decayed_rates(counts, h) for h in half_lives], axis=1)


def expected_counts(
    counts: np.ndarray, *, half_lives: tuple[float, ...] = HALF_LIVES, window: int = WINDOW
) -> np.ndarray:
    """Expected rows per street and crime type in the month after ``counts``.

    ``counts`` has shape (months, streets, types), oldest month first; the
    result has shape (streets, types). Training rows are the streets seen
    before each predicted month, as in the back-test.
    """
    months, _, types = counts.shape
    if months < 2:
        return decayed_rates(counts, FALLBACK_HALF_LIFE)
    features, targets = [], []
    for month in range(max(1, months - window), months):
        seen = counts[:month].sum(axis=(0, 2)) > 0
        features.append(_design(counts[:month], half_lives)[seen])
        targets.append(counts[month].sum(axis=1)[seen])
    weights, _ = nnls(np.vstack(features), np.concatenate(targets))
    if not weights.any():
        return decayed_rates(counts, FALLBACK_HALF_LIFE)
    contribution = _design(counts, half_lives) * weights
    # columns are half-life blocks of `types` columns each: sum the blocks per type
    return contribution.reshape(len(contribution), len(half_lives), types).sum(axis=1)
