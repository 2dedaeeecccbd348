"""Poisson GLM fits shared by the count estimators (difference-in-differences, interrupted time series,
power): the fit itself, its coefficient table and the sentence of a rate ratio.

Fits run with BLAS limited to one thread (threadpoolctl): the design matrices are small (hundreds of rows
and columns), so threads gain nothing, and on a busy machine a multi-threaded BLAS spinning beside other
processes slows every least-squares step of the fit.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import statsmodels.api as sm
from statsmodels.genmod.generalized_linear_model import GLMResults
from threadpoolctl import ThreadpoolController

from lpt.evaluation.effect import Effect

__all__ = ["COEFFICIENT_COLUMNS", "coefficients", "extended", "fit_poisson", "rate_sentence"]

#: Columns of :func:`coefficients` (and of :attr:`Effect.model`): ``term``; ``coef``, ``std_err``, ``ci_low``,
#: ``ci_high`` on the log scale (exp gives rate ratios); ``p_value`` (two-sided).
COEFFICIENT_COLUMNS = ["term", "coef", "std_err", "ci_low", "ci_high", "p_value"]

_WORDS = {"crime": "Crime", "asb": "Anti-social behaviour"}
_THREADS = ThreadpoolController()  # scans the loaded BLAS once: a fresh scan per fit costs 30 ms


def fit_poisson(y: np.ndarray, design: pd.DataFrame, offset: np.ndarray, **fit_options) -> GLMResults:
    """A Poisson GLM of ``y`` on ``design`` (named columns, an intercept among them where wanted) with
    ``offset`` (log exposure), fitted by statsmodels with ``fit_options`` (``scale``, ``cov_type``...)."""
    with _THREADS.limit(limits=1):
        model = sm.GLM(np.asarray(y, dtype=float), design.astype(float), family=sm.families.Poisson(),
                       offset=np.asarray(offset, dtype=float))
        return model.fit(**fit_options)


def coefficients(result: GLMResults, terms: list[str], alpha: float = 0.05) -> pd.DataFrame:
    """:data:`COEFFICIENT_COLUMNS` of ``terms`` of a fit, in that order."""
    interval = result.conf_int(alpha=alpha)
    return pd.DataFrame({
        "term": terms, "coef": result.params[terms].to_numpy(), "std_err": result.bse[terms].to_numpy(),
        "ci_low": interval.loc[terms, 0].to_numpy(), "ci_high": interval.loc[terms, 1].to_numpy(),
        "p_value": result.pvalues[terms].to_numpy(),
    })[COEFFICIENT_COLUMNS]


def rate_sentence(outcome: str, where: str, estimate: float, low: float, high: float, p_value: float, against: str) -> str:
    """One plain sentence on a rate ratio: how much higher or lower ``outcome`` was in ``where`` (e.g. "the
    setup's 40 streets") than ``against`` (e.g. "expected from 12 comparison streets"), its 95% interval
    and whether it could be chance."""
    percent = round(100 * abs(estimate - 1))
    moved = "about the same as" if percent == 0 else f"{percent}% {'lower' if estimate < 1 else 'higher'} than"
    verdict = "unlikely to be chance" if p_value < 0.05 else "could be chance"
    return (f"{_WORDS.get(outcome, outcome)} in {where} was {moved} {against} (rate ratio {estimate:.2f}, 95% interval "
            f"{low:.2f} to {high:.2f}): {verdict}.")


def extended(effect: Effect, notes: tuple[str, ...] = (), checks: dict[str, float] | None = None) -> Effect:
    """``effect`` with ``notes`` before its own (e.g. the panel's and the matching's) and more ``checks``."""
    return replace(effect, notes=(*notes, *effect.notes), checks={**effect.checks, **(checks or {})})
