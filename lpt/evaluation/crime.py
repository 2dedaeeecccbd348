"""Did a setup reduce crime or anti-social behaviour, and what could it detect: one entry point each.

:func:`crime_effect` puts the pieces together for a stored setup: its outcome panel
(lpt.evaluation.panel), comparison units matched on the before period (lpt.evaluation.matching) and the
difference-in-differences (lpt.evaluation.did), or the interrupted time series of its own units
(lpt.evaluation.its). :func:`detectable_effect` gives, before a setup starts (a stored one, or a
:class:`~lpt.setups.model.SetupSpec` a supervisor is still planning), the smallest fall its
difference-in-differences would find (lpt.evaluation.power).

Access: police.uk counts are public, but a setup and its area are police planning. Both functions need the
action ``statistical_models`` over every ward the setup's area touches (evaluators and analysts hold it
force-wide, officers and supervisors for their own areas; a force-wide setup needs it force-wide); a
refusal is audited (lpt.access.guard), and so is every answer.

Beyond the estimator's own notes, the difference-in-differences says how many of the comparison units lie
in or next to the setup's wards (ward boundaries touching), where displacement or diffusion of benefits
would bias it, and its checks add ``max_std_diff``, the largest standardised difference left after
matching.
"""

from __future__ import annotations

from dataclasses import replace

import shapely
from sqlalchemy import Engine

from lpt.access.guard import User, authorize, record_access
from lpt.errors import LPTError
from lpt.evaluation.did import difference_in_differences
from lpt.evaluation.effect import METHODS, Effect
from lpt.evaluation.its import interrupted_time_series
from lpt.evaluation.matching import COMPARISONS, Matching, match_comparisons, matched_counts, matching_features
from lpt.evaluation.panel import Panel, setup_panel
from lpt.evaluation.poisson import extended
from lpt.evaluation.power import Detectable, detectable_rate_ratio
from lpt.setups.model import SetupSpec, load_setup, refuse, wards_within
from lpt.store.queries import boundaries

__all__ = ["DEFAULT_AFTER_MONTHS", "crime_effect", "detectable_effect"]

#: Months after the start a planned setup without an end day is assumed to be measured over.
DEFAULT_AFTER_MONTHS = 6

_ACTION = "statistical_models"


def crime_effect(
    engine: Engine, caller: User, setup_id: int, *, outcome: str = "crime", method: str = "did",
    unit: str = "street", before_months: int = 12, k: int | None = None, purpose: str,
) -> Effect:
    """The effect of stored setup ``setup_id`` on ``outcome`` (crime, asb) by ``method`` (did: against ``k``
    matched comparison units per treated one, by default lpt.evaluation.matching.COMPARISONS; its: its own
    units' series) per ``unit`` (street, ward), with ``before_months`` months before its start. LPTError when
    no month after the start is held yet (see :func:`detectable_effect`); PermissionDenied (audited) outside
    the caller's areas."""
    if method not in METHODS:
        raise LPTError(f"method is one of {', '.join(METHODS)}, not {method!r}")
    spec = load_setup(engine, setup_id).spec
    what = f"setup {setup_id}"
    _authorize(engine, caller, spec, purpose, what)
    panel = setup_panel(engine, spec, outcome=outcome, unit=unit, before_months=before_months)
    if not panel.months_after:
        raise LPTError(f"no police.uk month is held from the setup's start ({panel.start_month}) yet: "
                       "detectable_effect says what it could show")
    if method == "its":
        effect = extended(interrupted_time_series(panel.counts, outcome=outcome, unit=unit), panel.notes)
    else:
        matching = _matching(panel, k)
        effect = difference_in_differences(matched_counts(panel, matching), outcome=outcome, unit=unit)
        max_difference = float(matching.balance["std_diff_matched"].abs().max())
        effect = extended(effect, (*panel.notes, *matching.notes, *_nearby(engine, panel, matching.comparison)),
                          {"max_std_diff": max_difference})
    record_access(engine, caller.user_id, _ACTION, purpose, None, effect.treated + effect.comparison, "allowed",
                  f"{what}: {outcome} effect ({method}, per {unit})")
    return effect


def detectable_effect(
    engine: Engine, caller: User, setup: int | SetupSpec, *, outcome: str = "crime", unit: str = "street",
    before_months: int = 12, after_months: int | None = None, k: int | None = None, power: float = 0.8, alpha: float = 0.05,
    purpose: str,
) -> Detectable:
    """The minimum detectable rate ratio of the difference-in-differences of a stored setup (its ID) or a
    planned one (a :class:`SetupSpec`): its units and ``k`` matched comparison units per unit over the
    ``before_months`` months held before its start, measured over ``after_months`` months (default: from its
    start month to its end month, or :data:`DEFAULT_AFTER_MONTHS` without an end day)."""
    spec = load_setup(engine, setup).spec if isinstance(setup, int) else setup
    what = f"setup {setup}" if isinstance(setup, int) else f"planned setup {spec.name!r}"
    _authorize(engine, caller, spec, purpose, what)
    notes = ()
    if after_months is None and spec.ends_on is None:
        after_months = DEFAULT_AFTER_MONTHS
        notes = (f"The setup has no end day: {DEFAULT_AFTER_MONTHS} months after its start are assumed.",)
    elif after_months is None:
        after_months = (spec.ends_on.year - spec.starts_on.year) * 12 + spec.ends_on.month - spec.starts_on.month + 1
    panel = setup_panel(engine, spec, outcome=outcome, unit=unit, before_months=before_months)
    matching = _matching(panel, k)
    found = detectable_rate_ratio(matched_counts(panel, matching), after_months=after_months, power=power,
                                  alpha=alpha, outcome=outcome, unit=unit)
    record_access(engine, caller.user_id, _ACTION, purpose, None, found.treated + found.comparison, "allowed",
                  f"{what}: detectable {outcome} effect (per {unit})")
    return replace(found, notes=(*panel.notes, *matching.notes, *notes, *found.notes))


def _matching(panel: Panel, k: int | None) -> Matching:
    """The panel's comparison units: ``k`` per treated unit (None: lpt.evaluation.matching.COMPARISONS)."""
    return match_comparisons(matching_features(panel), k=k or COMPARISONS[panel.unit])


def _authorize(engine: Engine, caller: User, spec: SetupSpec, purpose: str, what: str) -> None:
    """``statistical_models`` over every ward of the setup's area (the force for a force-wide one)."""
    granted = authorize(engine, caller, _ACTION, purpose=purpose)
    wards = spec.area.wards_of(engine)
    if wards_within(wards, granted.wards) != wards:
        refuse(engine, caller, _ACTION, purpose, what, "its area reaches beyond the areas the user covers")


def _nearby(engine: Engine, panel: Panel, comparison: list[str]) -> tuple[str, ...]:
    """A note on the comparison units in or next to the setup's wards (boundaries touching), if any."""
    units = panel.units.set_index("unit")
    treated_wards = set(units.loc[units["treated"], "ward_code"])
    compared_wards = set(units.loc[comparison, "ward_code"])
    shapes = boundaries(engine, "ward_boundaries", sorted(treated_wards | compared_wards))
    setup_shape = shapely.union_all(shapes.loc[shapes["code"].isin(treated_wards), "geometry"].to_numpy())
    near = set(shapes.loc[shapes.intersects(setup_shape), "code"]) | treated_wards
    count = int(units.loc[comparison, "ward_code"].isin(near).sum())
    if not count:
        return ()
    return (f"{count} of the {len(comparison)} comparison {panel.unit}s lie in or next to the setup's wards, "
            "where displacement or spreading benefits would bias the comparison most.",)
