"""What an evaluation of a setup returns: one estimated effect with its interval, the data behind it and
what to be careful about, the same whatever the outcome (crime, ASB, confidence) or the design.

Evaluators compare like with like across designs, so every estimator of lpt.evaluation returns an
:class:`Effect`; the evaluation notebook (``notebooks/evaluation_setup.ipynb``) only displays one.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

__all__ = ["OUTCOMES", "METHODS", "Effect"]

#: What a setup's effect is measured on: police.uk crime (every category but ASB), anti-social behaviour,
#: and the share of residents confident in local police (survey answers 4-5 of 5, weighted).
OUTCOMES = ("crime", "asb", "confidence")
#: Designs: difference-in-differences against matched comparison units, interrupted time series.
METHODS = ("did", "its")


@dataclass(frozen=True)
class Effect:
    """One estimated effect of a setup.

    ``outcome`` (:data:`OUTCOMES`) and ``method`` (:data:`METHODS`); ``measure``: what ``estimate`` is —
    ``rate ratio`` (counts: 0.8 = 20% fewer than expected without the setup) or ``difference in
    percentage points`` (confidence); ``estimate`` with its 95% interval ``ci_low``–``ci_high`` and
    two-sided ``p_value`` against no effect (rate ratio 1, difference 0); ``treated`` and ``comparison``:
    how many units (streets, wards) on each side (``comparison`` 0 for a time series of the treated alone);
    ``periods_before`` and ``periods_after``: months (or survey waves) in each period; ``unit``: what a unit
    is (street, ward); ``standard_errors``: how the interval was got (e.g. clustered by unit, HAC lag 3).

    ``series``: the data behind it for a chart — ``period`` (YYYY-MM or wave), ``group`` (treated,
    comparison), ``value`` (counts per unit, or the share confident) and ``after`` (bool); ``model``: the
    fitted model's coefficient table (``term``, ``coef``, ``std_err``, ``ci_low``, ``ci_high``, ``p_value``);
    ``checks``: named diagnostics (e.g. ``pre_trend_p``: the test of parallel trends before the setup,
    ``overdispersion``); ``notes``: sentences on threats to validity this design and these data raise;
    ``sentence``: the result in one plain sentence.
    """

    outcome: str
    method: str
    measure: str
    estimate: float
    ci_low: float
    ci_high: float
    p_value: float
    treated: int
    comparison: int
    periods_before: int
    periods_after: int
    unit: str
    standard_errors: str
    series: pd.DataFrame
    model: pd.DataFrame
    checks: dict[str, float] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    sentence: str = ""

    @property
    def covers(self) -> bool:
        """Whether the interval holds the value of no effect (1 for a ratio, 0 for a difference)."""
        null = 1.0 if self.measure == "rate ratio" else 0.0
        return self.ci_low <= null <= self.ci_high
