"""What a setup could detect in confidence, before it starts: the smallest change in the share confident its
difference-in-differences (lpt.evaluation.confidence_effect) would find with the usual power.

The estimator compares one change per ward, so its standard error is s x sqrt(1/T + 1/C) for T treated and
C comparison wards, s the spread of wards' changes that are not the setup's doing. Before a setup starts,
that spread is measured on placebo changes (Bloom 1995, *Evaluation Review* 19:547-556, for the minimum
detectable effect; the placebo idea as in lpt.evaluation.power): every ward of the design, its share confident
in the later half of the before waves minus the earlier half, the residual standard deviation of those
changes after the treated wards' mean is taken out. A ward's change varies with its answers' sampling noise
and its own ups and downs, both of which shrink with the number of waves averaged, so s is scaled by
sqrt((1/B + 1/A) / (1/b1 + 1/b2)): B before and A after waves in the real design, b1 and b2 in the placebo's
halves (the waves are taken as equally large). The minimum detectable change is the noncentrality of a
two-sided t test on G - 2 degrees of freedom at that power times the standard error
(lpt.evaluation.power.noncentrality; about 2.8 with many wards).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd
import statsmodels.api as sm
from sqlalchemy import Engine

from lpt.access.guard import User, record_access
from lpt.errors import LPTError
from lpt.evaluation.confidence_effect import match_wards, setup_inputs, ward_changes, waves_before, weighed
from lpt.evaluation.matching import COMPARISONS
from lpt.evaluation.power import noncentrality
from lpt.setups.model import SetupSpec, load_setup

__all__ = ["DetectableChange", "detectable_change", "detectable_change_of"]

_ACTION = "statistical_models"


@dataclass(frozen=True)
class DetectableChange:
    """The minimum detectable ``change`` in the share confident, in percentage points either way, found with
    probability ``power`` by a two-sided test at ``alpha``; ``std_err`` (points) of the estimate with no
    change; ``treated`` and ``comparison`` wards; ``waves_before`` and ``waves_after``; ``notes``;
    ``sentence``."""

    change: float
    std_err: float
    power: float
    alpha: float
    treated: int
    comparison: int
    waves_before: int
    waves_after: int
    notes: tuple[str, ...] = ()
    sentence: str = ""


def detectable_change(
    engine: Engine, caller: User, setup: int | SetupSpec, *, before: int = 4, after_waves: int = 2,
    k: int = COMPARISONS["ward"], power: float = 0.8, alpha: float = 0.05, purpose: str,
) -> DetectableChange:
    """The minimum detectable change in confidence of a stored setup (its ID) or a planned one (a
    :class:`SetupSpec`), measured over ``after_waves`` waves from its start against ``k`` matched
    comparison wards per ward, from the ``before`` waves held before its start. The same access as
    :func:`lpt.evaluation.confidence_effect.confidence_effect`; audited."""
    spec = load_setup(engine, setup).spec if isinstance(setup, int) else setup
    what = f"setup {setup}" if isinstance(setup, int) else f"planned setup {spec.name!r}"
    found = setup_inputs(engine, caller, spec, what, purpose, setup_id=setup if isinstance(setup, int) else None)
    result = detectable_change_of(found.answers, found.shares, found.imd_decile, found.wards, spec.starts_on,
                                  before=before, after_waves=after_waves, k=k, power=power, alpha=alpha)
    record_access(engine, caller.user_id, _ACTION, purpose, found.area, len(found.answers), "allowed",
                  f"{what}: detectable change in confidence")
    return result


def detectable_change_of(
    answers: pd.DataFrame, shares: dict[str, pd.DataFrame], imd_decile: pd.Series, treated: frozenset[str],
    starts_on: date, *, before: int = 4, after_waves: int = 2, k: int = COMPARISONS["ward"], power: float = 0.8,
    alpha: float = 0.05,
) -> DetectableChange:
    """:func:`detectable_change` from answers alone (the inputs of
    lpt.evaluation.confidence_effect.estimate): only the answers of the waves before the start are read."""
    if not 0 < alpha < 1 or not 0 < power < 1:
        raise LPTError(f"alpha and power are between 0 and 1, not {alpha} and {power}")
    if after_waves < 1:
        raise LPTError(f"after_waves is 1 or more, not {after_waves}")
    waves = waves_before(starts_on, answers["wave"].unique(), before=before)
    prior = weighed(answers[answers["wave"].isin(waves)], shares, "before")
    matching = match_wards(prior, imd_decile, treated, k=k)
    chosen = prior[prior["ward_code"].isin(set(treated) | set(matching.comparison))]
    half = len(waves) // 2
    placebo = chosen.assign(treated=chosen["ward_code"].isin(set(treated)), after=chosen["wave"].isin(waves[half:]))
    changes = ward_changes(placebo)
    wards, n_treated = len(changes), int(changes["treated"].sum())
    if n_treated == 0 or wards - n_treated == 0 or wards < 3:
        raise LPTError("the detectable change needs answers before the start in the setup's wards and at least "
                       "two comparison wards")
    design = pd.DataFrame({"const": 1.0, "treated": changes["treated"].astype(float)})
    spread = float(np.sqrt(sm.OLS(changes["change"], design).fit().scale))
    scale = np.sqrt((1 / len(waves) + 1 / after_waves) / (1 / half + 1 / (len(waves) - half)))
    std_err = 100 * spread * scale * np.sqrt(1 / n_treated + 1 / (wards - n_treated))
    change = noncentrality(wards - 2, alpha, power) * std_err
    notes = tuple(matching.notes)
    if wards < 6:
        notes += (f"Only {wards} wards: the spread of their changes is itself uncertain, so the figure is rough.",)
    sentence = (f"With {n_treated} ward(s) against {wards - n_treated} matched comparison wards, {len(waves)} survey "
                f"waves before and {after_waves} after, a change in the share confident of {change:.1f} percentage "
                f"points or more either way would be found {power:.0%} of the time at the {alpha:.0%} level; smaller "
                "changes could be missed.")
    return DetectableChange(change, std_err, power, alpha, n_treated, wards - n_treated, len(waves), after_waves, notes,
                            sentence)
