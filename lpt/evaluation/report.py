"""What the setup evaluation report says beyond the estimate: the EMMIE headings, the design's level on
the Maryland scale, its threats to validity, and what the setup cost.

Evaluators in policing report on the EMMIE framework (Johnson, Tilley & Bowers 2015, "Introducing
EMMIE: an evidence rating scale to encourage mixed-method crime prevention synthesis reviews", Journal
of Experimental Criminology 11(3)): the **E**ffect, the **M**echanism by which it is meant to work, the
**M**oderators (where and for whom), **I**mplementation (was it done as planned) and **E**conomics (what it
cost). The strength of a design is stated on the Maryland Scientific Methods Scale (Sherman et al. 1997,
"Preventing crime: what works, what doesn't, what's promising"; Farrington et al. 2002): 1 a correlation,
2 before and after in the treated area only, 3 before and after with a comparison area, 4 several treated
and comparison areas with the differences between them controlled, 5 random assignment. This module turns
an :class:`~lpt.evaluation.effect.Effect` and the setup's progress into those sections, so the notebook
``notebooks/evaluation_setup.ipynb`` only shows them.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from matplotlib.figure import Figure
from sqlalchemy import Engine

from lpt.access.guard import User
from lpt.errors import LPTError
from lpt.evaluation.confidence_effect import confidence_effect
from lpt.evaluation.confidence_power import detectable_change
from lpt.evaluation.crime import crime_effect, detectable_effect
from lpt.evaluation.did import FEW_UNITS
from lpt.evaluation.effect import OUTCOMES, Effect
from lpt.setups.progress import SetupProgress

__all__ = [
    "MINUTES_PER_CALL", "Costs", "costs", "costs_table", "detectable_sentence", "effect_figure", "effect_table",
    "estimate_effect", "maryland_level", "threats",
]

#: Officer minutes a doorstep call takes, walking between doors included (an assumption the report states).
MINUTES_PER_CALL = 10.0
_PRE_TREND_ALPHA = 0.10


def estimate_effect(engine: Engine, caller: User, setup_id: int, *, outcome: str, method: str, purpose: str) -> Effect:
    """The setup's effect on ``outcome`` (lpt.evaluation.effect.OUTCOMES) by ``method``: counts through
    lpt.evaluation.crime, confidence through lpt.evaluation.confidence_effect (each checks the caller)."""
    if outcome not in OUTCOMES:
        raise LPTError(f"outcome is one of {', '.join(OUTCOMES)}, not {outcome!r}")
    if outcome == "confidence":
        return confidence_effect(engine, caller, setup_id, method=method, purpose=purpose)
    return crime_effect(engine, caller, setup_id, outcome=outcome, method=method, purpose=purpose)


def detectable_sentence(engine: Engine, caller: User, setup_id: int, *, outcome: str, purpose: str,
                        effect: Effect | None = None) -> str:
    """What the design could detect, in a sentence, worked out from the data before the setup started: for
    counts the minimum detectable rate ratio (lpt.evaluation.power), for confidence the minimum detectable
    change (lpt.evaluation.confidence_power), over the after period of ``effect`` where given."""
    if outcome == "confidence":
        waves = effect.periods_after if effect is not None else 2
        return detectable_change(engine, caller, setup_id, after_waves=waves, purpose=purpose).sentence
    months = {} if effect is None else {"after_months": effect.periods_after}
    return detectable_effect(engine, caller, setup_id, outcome=outcome, purpose=purpose, **months).sentence


def maryland_level(effect: Effect) -> tuple[int, str]:
    """The design's level on the Maryland scale (1-5) and why: an interrupted time series of the treated
    area alone is level 2; a difference-in-differences against comparison units is level 3, and level 4
    when many units are compared (at least :data:`lpt.evaluation.did.FEW_UNITS` treated), matched on the before period,
    and their trends ran parallel before the setup (no pre-trend at the 10% level). Nothing here is level
    5: setups are chosen, not randomly assigned."""
    if effect.method == "its" or effect.comparison == 0:
        return 2, "before and after in the treated area only (interrupted time series): no comparison area"
    pre_trend = effect.checks.get("pre_trend_p")
    parallel = pre_trend is not None and pre_trend >= _PRE_TREND_ALPHA
    if effect.treated >= FEW_UNITS and parallel:
        return 4, (f"{effect.treated} treated and {effect.comparison} matched comparison {effect.unit}s, with "
                   "parallel trends before the setup")
    why = [] if parallel else ["trends before the setup were not shown to be parallel"]
    if effect.treated < FEW_UNITS:
        why.append(f"only {effect.treated} treated {effect.unit}(s)")
    return 3, "before and after against matched comparison units; not level 4: " + "; ".join(why)


def threats(effect: Effect) -> list[str]:
    """Threats to validity of this estimate: the estimator's own notes, then what every observational design
    of a chosen area shares."""
    shared = [
        "Selection: the setup's area was chosen (often for high crime or low confidence), not assigned at random; "
        "matching on the period before makes the comparison fairer but cannot remove what was not measured.",
        "Other things changed at the same time (other operations, seasons, recording practice); a comparison area "
        "absorbs force-wide changes only.",
        "police.uk records are placed at anonymised points and counts include crimes reported because of the visits "
        "themselves: more reporting can look like more crime.",
    ]
    if effect.method == "its":
        shared.append("With no comparison area, anything else that changed at the start date is mixed with the setup.")
    return [*effect.notes, *shared]


@dataclass(frozen=True)
class Costs:
    """What the setup's doorstep work cost, under stated assumptions: ``calls`` made, ``hours`` of officer
    time (calls × ``minutes_per_call``), ``cost`` (hours × ``hourly_cost``, pounds), and the cost per
    household ``visited`` and per resident ``registered`` (None where the count is hidden or zero)."""

    calls: int | None
    hours: float | None
    cost: float | None
    per_visited: float | None
    per_registered: float | None
    minutes_per_call: float
    hourly_cost: float


def costs(progress: SetupProgress, *, hourly_cost: float, minutes_per_call: float = MINUTES_PER_CALL) -> Costs:
    """The setup's costs from its progress (disclosure-controlled counts: a hidden count gives no figure)."""
    calls = _count(progress.by_officer["visits"].iloc[-1]) if len(progress.by_officer) else 0
    totals = progress.by_ward.iloc[-1]
    visited, registered = _count(totals["visited"]), _count(totals["registered"])
    hours = None if calls is None else calls * minutes_per_call / 60
    cost = None if hours is None else hours * hourly_cost
    return Costs(calls, hours, cost, _per(cost, visited), _per(cost, registered), minutes_per_call, hourly_cost)


def effect_table(effect: Effect) -> pd.DataFrame:
    """The estimate and what it rests on, as ``figure``/``value`` rows for the report."""
    scale = (lambda v: f"{v:.2f}") if effect.measure == "rate ratio" else (lambda v: f"{v:+.1f}")
    rows = [
        (f"Effect ({effect.measure})", scale(effect.estimate)),
        ("95% interval", f"{scale(effect.ci_low)} to {scale(effect.ci_high)}"),
        ("p-value (no effect)", f"{effect.p_value:.3f}"),
        (f"Treated {effect.unit}s", f"{effect.treated:,}"),
        (f"Comparison {effect.unit}s", f"{effect.comparison:,}" if effect.comparison else "none"),
        ("Periods before and after", f"{effect.periods_before} and {effect.periods_after}"),
        ("Standard errors", effect.standard_errors),
        *((name.replace("_", " "), f"{value:.3g}") for name, value in effect.checks.items()),
    ]
    return pd.DataFrame(rows, columns=["figure", "value"])


def costs_table(found: Costs) -> pd.DataFrame:
    """The costs as ``figure``/``value`` rows, the assumptions first (a hidden count shows as not shown)."""
    def money(value: float | None) -> str:
        return "not shown" if value is None else f"£{value:,.0f}"

    rows = [
        ("Assumed minutes per call (walking included)", f"{found.minutes_per_call:g}"),
        ("Assumed cost of an officer hour", money(found.hourly_cost)),
        ("Calls made", "not shown" if found.calls is None else f"{found.calls:,}"),
        ("Officer hours", "not shown" if found.hours is None else f"{found.hours:,.1f}"),
        ("Cost of the doorstep work", money(found.cost)),
        ("Cost per household visited", money(found.per_visited)),
        ("Cost per resident registered", money(found.per_registered)),
    ]
    return pd.DataFrame(rows, columns=["figure", "value"])


def effect_figure(effect: Effect, title: str) -> Figure:
    """The treated and comparison series over time, the setup's start marked: what the estimate compares."""
    figure = Figure(figsize=(8, 3.2))
    axes = figure.subplots()
    series = effect.series
    for group, rows in series.groupby("group", sort=False):
        axes.plot(rows["period"].astype(str), rows["value"], marker="o", markersize=3, label=str(group))
    after = series.loc[series["after"], "period"].astype(str)
    if len(after):
        axes.axvline(after.iloc[0], color="#555555", linestyle="--", linewidth=1)
        axes.text(after.iloc[0], axes.get_ylim()[1], " setup starts", va="top", fontsize=8, color="#555555")
    axes.set_title(title, fontsize=10)
    axes.set_ylabel("share confident" if effect.outcome == "confidence" else f"{effect.outcome} per {effect.unit}")
    ticks = list(dict.fromkeys(series["period"].astype(str)))
    axes.set_xticks(ticks[:: max(1, len(ticks) // 12)])
    axes.tick_params(axis="x", labelsize=7, rotation=45)
    axes.legend(fontsize=8)
    figure.tight_layout()
    return figure


def _count(value) -> int | None:
    return None if pd.isna(value) else int(value)


def _per(cost: float | None, count: int | None) -> float | None:
    return None if cost is None or not count else cost / count
