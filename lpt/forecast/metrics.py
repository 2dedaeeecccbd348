"""Hit rate, PAI and PEI of a ranked list of streets.

Rules (shared with any independent scorer): rank streets by score alone with a
stable sort, streets already ordered by location then LSOA code; take the top
k = round(coverage × streets); hit rate = test-month rows on those streets /
all test-month rows with an LSOA code; PAI = hit rate / coverage; PEI = hit
rate / hit rate of the k streets chosen with perfect foresight.

References: Chainey, Tompson & Uhlig (2008), "The utility of hotspot mapping
for predicting spatial patterns of crime", Security Journal 21 (PAI);
Hunt (2016), "Do crime hot spots move?" (PEI, predictive efficiency index).
"""

from __future__ import annotations

import numpy as np

__all__ = ["top_k", "hit_rate", "pai", "pei"]


def top_k(scores: np.ndarray, coverage: float) -> np.ndarray:
    """Indices of the k = round(coverage × n) highest scores; ties keep input order."""
    k = round(coverage * len(scores))
    return np.argsort(-np.asarray(scores, dtype=float), kind="stable")[:k]


def hit_rate(scores: np.ndarray, outcome: np.ndarray, total: float, coverage: float) -> float:
    """Share of ``total`` test-month rows that fall on the top-ranked streets."""
    return float(np.asarray(outcome)[top_k(scores, coverage)].sum() / total) if total else float("nan")


def pai(scores: np.ndarray, outcome: np.ndarray, total: float, coverage: float) -> float:
    """Predictive accuracy index: hit rate per share of streets chosen."""
    k = round(coverage * len(scores))
    return hit_rate(scores, outcome, total, coverage) / (k / len(scores)) if k else float("nan")


def pei(scores: np.ndarray, outcome: np.ndarray, total: float, coverage: float) -> float:
    """Predictive efficiency index: hit rate over the best hit rate any k streets could have."""
    best = hit_rate(outcome, outcome, total, coverage)
    return hit_rate(scores, outcome, total, coverage) / best if best else float("nan")
