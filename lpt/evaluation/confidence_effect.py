"""The effect of a door-knocking setup on public confidence: difference-in-differences of the share confident.

Design
------
*Treated* wards are the wards the setup's area touches. *Comparison* wards are, for each treated ward,
its ``k`` nearest other wards (:func:`lpt.evaluation.matching.match_comparisons`, the matching of every
outcome: Euclidean distance of z-scores, with a balance table) on the weighted share confident before
the setup (``level``), its least-squares slope across the waves before (``trend``) and the ward's IMD
2025 decile; matched on the before period only, so the setup's own effect cannot steer the choice
(Stuart 2010, "Matching methods for causal inference", *Statistical Science* 25:1-21). Matching on the
outcome before can still pick wards whose good or bad luck then fades (regression to the mean: Daw and
Hatfield 2018, *Health Services Research* 53:4138-4156); the simulation check below measures it.

Periods: the setup starts in the survey wave (calendar quarter) holding ``starts_on``; the ``before``
waves before it (4 by default) are the before period and the waves from the start on are the after
period. A wave the setup started part-way through (``starts_on`` not its first day) is left out of
both: some of its answers came before the first visit.

Outcome: each quarterly survey answer is *confident* (4 or 5 on the 1-5 scale,
:data:`lpt.stats.weighting.CONFIDENT`). Respondents are raked to their ward's census age and ethnic
margins separately before and after (cells of ward x period, :func:`lpt.stats.weighting.rake_cells`),
so a change in who answers by age and ethnic group is not taken for a change in confidence; per wave
cells (about 100-200 answers) would be too small for stable raking.

Model: the difference-in-differences at the level the setup was assigned, the ward (Donald and Lang 2007,
"Inference with difference-in-differences and other panel data", *Review of Economics and Statistics*
89:221-233). Each ward's weighted share confident after the start minus before it is its change; the
estimate is the treated wards' mean change minus the comparison wards' (in percentage points), from an
ordinary least-squares fit of the changes on being treated, with the classical standard error and Student's
t on G - 2 degrees of freedom for G wards. Wave effects shared by all wards cancel in the changes. Answers
within a ward and period are not independent draws once the ward has its own ups and downs from wave to
wave; working with one change per ward makes that harmless, and the interval learns how much wards'
changes vary from every ward compared. So it also works with one treated ward (the comparison wards say
how far a ward's change strays by chance: Conley and Taber 2011, *Review of Economics and Statistics*
93:113-125), at the price of assuming the setup's wards would have varied as they do. An answer-level
model with standard errors clustered by ward (the jackknife CRV3 of MacKinnon, Nielsen and Webb 2023)
covered the true effect in only 91% of the simulated datasets with 3 treated wards and ward ups and downs,
and found an effect in 9% where none was planted, because so few clusters are treated. The ward-level
changes (6 comparison wards per treated ward) covered it in 93.5% of 200 datasets with no effect and 94.0%
with one planted, and found an effect where none was planted in 6.5%; with one treated ward, 96.5%, 97.0%
and 3.5% (lpt.evaluation.simulate_confidence, ``benchmarks/evaluation_confidence.py``).

Parallel trends: before the setup, each ward's least-squares slope of its weighted share per wave across
the before waves, treated against comparison wards by the same ward-level fit; ``pre_trend_p`` is its
p-value. Not rejecting is not proof: the test has little power with four waves.

Not in the outcome: the setup's own doorstep survey answers (``setup_visits.survey``). They are given
face to face to the officers doing the work, only in the treated wards and only after the start, so
they differ from the quarterly survey in mode (answers to an interviewer are more favourable: Tourangeau
and Yan 2007, "Sensitive questions in surveys", *Psychological Bulletin* 133:859-883) and in who answers;
mixing them in would make an effect out of the mode. Members registered on the setup's doorsteps are left
out too: they would otherwise change who answers in the treated wards after the start.

Simulation check: :mod:`lpt.evaluation.simulate_confidence` plants a known effect in synthetic survey
answers and measures the coverage of the intervals and the false-positive rate (benchmarks/evaluation_confidence.py).
``method="its"`` (an interrupted time series of the treated wards alone) is not offered for confidence:
four quarterly waves before a setup cannot fit a trend and its error.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, replace
from datetime import date

import numpy as np
import pandas as pd
import statsmodels.api as sm
from sqlalchemy import Engine, select

from lpt.access.guard import MINE, User, authorize, record_access
from lpt.disclosure import Audience, disclose_count
from lpt.errors import LPTError
from lpt.evaluation.effect import METHODS, Effect
from lpt.evaluation.matching import COMPARISONS, FEATURE_COLUMNS, Matching, match_comparisons
from lpt.setups.model import SetupSpec, load_setup, refuse, wards_within
from lpt.stats import peers, weighting
from lpt.store.frames import read_query
from lpt.store.schema import setup_visits

__all__ = [
    "ANSWER_COLUMNS",
    "FEW_CLUSTERS",
    "MEASURE",
    "Periods",
    "SetupInputs",
    "answers_of",
    "confidence_effect",
    "difference_in_differences",
    "estimate",
    "first_wave_after",
    "match_wards",
    "periods",
    "setup_inputs",
    "ward_changes",
    "waves_before",
    "weighed",
]

#: Columns :func:`estimate` needs, one row per survey answer: ``member_id``, ``ward_code``, ``wave``
#: (``YYYYQn``), ``age_band`` and ``ethnic_group`` (as stated, '' blank; raking margins) and ``confident``
#: (1.0 for answers 4-5, else 0.0). :func:`difference_in_differences` also needs ``period`` (``before``,
#: ``after``) and ``weight``.
ANSWER_COLUMNS = ["member_id", "ward_code", "wave", "age_band", "ethnic_group", "confident"]
#: Wards below which standard errors clustered by ward are unreliable (Cameron and Miller 2015), and treated
#: wards below which the effect says their own variation is assumed, not seen.
FEW_CLUSTERS = 10
#: What the estimate is.
MEASURE = "difference in percentage points"
_ACTION = "statistical_models"
_PURPOSE = "evaluation of a setup's effect on confidence"
_TERM = "treated"  # the model's term: the treated wards' extra change


@dataclass(frozen=True)
class Periods:
    """The survey waves compared: ``before`` and ``after`` the setup started, and the ``transition`` wave it
    started part-way through (None when it started on a wave's first day), left out of both."""

    before: tuple[str, ...]
    after: tuple[str, ...]
    transition: str | None


def confidence_effect(
    engine: Engine, caller: User, setup_id: int, *, method: str = "did", before: int = 4, after: int | None = None,
    k: int = COMPARISONS["ward"], purpose: str = _PURPOSE,
) -> Effect:
    """The effect of setup ``setup_id`` on the share of residents confident in local police.

    Difference-in-differences (module docstring): the setup's wards against the ``k`` matched comparison
    wards per treated ward, the ``before`` waves before the setup's start wave against the ``after`` waves
    from it (None: every wave held since). ``method="its"`` raises LPTError (not offered for confidence).
    Action ``statistical_models`` over every ward of the setup (refused, audited, if the caller does not
    cover them all); comparison wards come from the wards the caller may see. Returns an
    :class:`~lpt.evaluation.effect.Effect` with ``measure`` :data:`MEASURE`; its ``series`` values are
    weighted shares confident (0-1) per wave of the treated and the comparison wards.
    """
    if method == "its":
        raise LPTError(
            "an interrupted time series is not offered for confidence: the survey is quarterly, so a setup has "
            "about four waves before it, too few to fit a trend and its error; use method='did'")
    if method not in METHODS:
        raise LPTError(f"method is one of {', '.join(METHODS)}, not {method!r}")
    setup = load_setup(engine, setup_id)
    found = setup_inputs(engine, caller, setup.spec, f"setup {setup_id}", purpose, setup_id=setup_id)
    compared = periods(setup.spec.starts_on, found.answers["wave"].unique(), before=before, after=after)
    effect = estimate(found.answers, found.shares, found.imd_decile, found.wards, compared, k=k)
    record_access(engine, caller.user_id, _ACTION, purpose, found.area, len(found.answers), "allowed",
                  f"setup {setup_id}: effect on confidence ({method})")
    return replace(effect, notes=(*effect.notes, *_setup_notes(setup.spec.area, found.doorstep, compared)))


@dataclass(frozen=True)
class SetupInputs:
    """What a confidence evaluation of a setup reads: ``answers`` (:data:`ANSWER_COLUMNS`, every ward the
    caller may see, doorstep registrations left out), census ``shares`` per ward
    (:func:`lpt.stats.weighting.margins`), ``imd_decile`` per ward, the setup's ``wards``, the caller's
    granted ``area`` (for the audit) and ``doorstep`` (members left out)."""

    answers: pd.DataFrame
    shares: dict[str, pd.DataFrame]
    imd_decile: pd.Series
    wards: frozenset[str]
    area: object
    doorstep: int


def setup_inputs(engine: Engine, caller: User, spec: SetupSpec, what: str, purpose: str, *,
                 setup_id: int | None = None) -> SetupInputs:
    """Check the caller (action ``statistical_models`` over every ward of the setup ``spec``, refused and
    audited otherwise) and read the inputs; ``setup_id`` of a stored setup leaves out its doorstep members."""
    wards = spec.area.wards_of(engine)
    if wards is None:
        raise LPTError(f"{what} covers the whole force: there are no comparison wards to set it against")
    granted = authorize(engine, caller, _ACTION, purpose=purpose, area=MINE)
    if wards_within(wards, granted.wards) != wards:
        refuse(engine, caller, _ACTION, purpose, what, "some of its wards lie outside the user's areas")
    inputs = weighting.load_inputs(engine, granted.wards)
    doorstep = set() if setup_id is None else _doorstep_members(engine, setup_id)
    lookup = inputs.areas.drop_duplicates("lsoa21_code").set_index("lsoa21_code")["ward_code"]
    return SetupInputs(
        answers=answers_of(inputs.respondents[~inputs.respondents["member_id"].isin(doorstep)]),
        shares=weighting.margins(inputs.census_age, inputs.census_ethnic, lookup),
        imd_decile=peers.load_ward_features(engine)["imd_decile"], wards=frozenset(wards), area=granted.area,
        doorstep=len(doorstep),
    )


def answers_of(respondents: pd.DataFrame) -> pd.DataFrame:
    """Survey answers as :data:`ANSWER_COLUMNS` from respondents (lpt.stats.microdata.respondents, or synthetic
    answers with their members' demographics): those placed in a ward, ``confident`` from ``confidence``."""
    placed = respondents[respondents["ward_code"].notna() & (respondents["ward_code"] != "")]
    confident = placed["confidence"].isin(weighting.CONFIDENT).astype(float)
    return placed.assign(confident=confident)[ANSWER_COLUMNS].reset_index(drop=True)


def periods(starts_on: date, waves: Collection[str], *, before: int = 4, after: int | None = None) -> Periods:
    """The waves compared for a setup starting on ``starts_on`` among the ``waves`` held (module docstring).

    LPTError when fewer than two of the ``before`` waves before the start, or none after, are held.
    """
    start = pd.Period(starts_on, freq="Q")
    held = {pd.Period(wave, freq="Q") for wave in waves}
    first_after = pd.Period(first_wave_after(starts_on), freq="Q")
    transition = start if first_after != start else None
    before_waves = waves_before(starts_on, waves, before=before)
    after_waves = [str(w) for w in sorted(held) if w >= first_after][:after]
    if not after_waves:
        raise LPTError(f"no survey wave held from {first_after} on: the setup's effect cannot be measured yet")
    return Periods(tuple(before_waves), tuple(after_waves), None if transition is None else str(transition))


def waves_before(starts_on: date, waves: Collection[str], *, before: int = 4) -> list[str]:
    """The waves held among the ``before`` quarters before the one holding ``starts_on``, in order.
    LPTError when fewer than two are held (no trend to check, no change to measure)."""
    if before < 2:
        raise LPTError(f"the before period needs at least 2 waves (a trend to check), not {before}")
    start = pd.Period(starts_on, freq="Q")
    held = {pd.Period(wave, freq="Q") for wave in waves}
    found = [str(start - i) for i in range(before, 0, -1) if start - i in held]
    if len(found) < 2:
        raise LPTError(f"fewer than 2 survey waves held in the {before} quarters before {start} (held: "
                       f"{', '.join(sorted(map(str, held))) or 'none'})")
    return found


def first_wave_after(starts_on: date) -> str:
    """The first wave wholly after a setup's start: the wave (quarter) of ``starts_on`` if it is its first day,
    else the next."""
    start = pd.Period(starts_on, freq="Q")
    return str(start if start.start_time.date() == starts_on else start + 1)


def estimate(
    answers: pd.DataFrame, shares: dict[str, pd.DataFrame], imd_decile: pd.Series, treated: Collection[str],
    compared: Periods, *, k: int = COMPARISONS["ward"],
) -> Effect:
    """The difference-in-differences from answers alone (no store): weigh, match, fit.

    ``answers``: :data:`ANSWER_COLUMNS`, every ward that may be a comparison; ``shares``: census shares
    per ward (:func:`lpt.stats.weighting.margins`); ``imd_decile``: IMD 2025 decile per ward (index ward
    code); ``treated``: the setup's wards; ``compared``: :func:`periods`. Before-period answers of every
    ward are raked (for matching), after-period answers only in the wards compared. The matching's notes
    (wards left out, variables out of balance) join the estimate's.
    """
    treated = set(treated)
    missing = sorted(treated - set(answers["ward_code"]))
    if missing:
        raise LPTError(f"no survey answers in the setup's ward(s) {', '.join(missing)}")
    prior = weighed(answers[answers["wave"].isin(compared.before)], shares, "before")
    matching = match_wards(prior, imd_decile, treated, k=k)
    chosen = treated | set(matching.comparison)
    later = answers[answers["wave"].isin(compared.after) & answers["ward_code"].isin(chosen)]
    used = pd.concat([prior[prior["ward_code"].isin(chosen)], weighed(later, shares, "after")], ignore_index=True)
    effect = difference_in_differences(used, treated, compared)
    return replace(effect, notes=(*effect.notes, *matching.notes))


def match_wards(
    before: pd.DataFrame, imd_decile: pd.Series, treated: Collection[str], *, k: int = COMPARISONS["ward"]
) -> Matching:
    """Comparison wards: the ``k`` most similar untreated wards of each treated ward
    (:func:`lpt.evaluation.matching.match_comparisons`).

    ``before``: weighted before-period answers (``ward_code``, ``wave``, ``confident``, ``weight``).
    Matched on ``level`` (the weighted share confident), ``trend`` (its least-squares slope per wave across
    the before waves) and ``imd_decile`` (per ward); a ward answering in fewer than two before waves, or
    without a decile, is left out (with a note).
    """
    return match_comparisons(_ward_features(before, imd_decile, set(treated)), k=k)


def difference_in_differences(answers: pd.DataFrame, treated: Collection[str], compared: Periods) -> Effect:
    """Fit the model (module docstring) on weighted answers of the treated and comparison wards.

    ``answers``: :data:`ANSWER_COLUMNS` with ``period`` and ``weight``, every ward either treated or a
    comparison, each with answers before and after. The estimate and its interval are in percentage points.
    """
    data = answers.assign(treated=answers["ward_code"].isin(set(treated)), after=answers["period"] == "after")
    changes = ward_changes(data)
    n_treated = int(changes["treated"].sum())
    if n_treated == 0 or n_treated == len(changes):
        raise LPTError("a difference-in-differences needs answers from treated and comparison wards, before and after")
    if len(changes) < 3:
        raise LPTError(f"a difference-in-differences of ward changes needs at least 3 wards, not {len(changes)}")
    wards = len(changes)
    fit = _fit(changes["change"], changes["treated"])
    trend = _fit(changes["slope"], changes["treated"])
    estimate, (low, high) = 100 * float(fit.params[_TERM]), 100 * fit.conf_int().loc[_TERM]
    p_value, pre_trend_p = float(fit.pvalues[_TERM]), float(trend.pvalues[_TERM])
    return Effect(
        outcome="confidence", method="did", measure=MEASURE, estimate=estimate, ci_low=float(low), ci_high=float(high),
        p_value=p_value, treated=n_treated, comparison=wards - n_treated, periods_before=len(compared.before),
        periods_after=len(compared.after), unit="ward",
        standard_errors=f"one change per ward ({wards} wards), t with {wards - 2} df", series=_series(data),
        model=_table(fit),
        checks={"pre_trend_p": pre_trend_p, "pre_trend_pp_per_wave": 100 * float(trend.params[_TERM]),
                "wards": float(wards), "efficiency": _kish(data["weight"])},
        notes=_design_notes(n_treated, pre_trend_p),
        sentence=_sentence(estimate, float(low), float(high), p_value, n_treated, wards - n_treated),
    )


# --- internals ------------------------------------------------------------------


def weighed(answers: pd.DataFrame, shares: dict[str, pd.DataFrame], period: str) -> pd.DataFrame:
    """``answers`` of one period with ``period`` and ``weight`` (raked per ward)."""
    out = answers.assign(period=period)
    return out.assign(weight=weighting.rake_cells(out, shares, area="ward_code"))


def _ward_features(before: pd.DataFrame, imd_decile: pd.Series, treated: set[str]) -> pd.DataFrame:
    """lpt.evaluation.matching.FEATURE_COLUMNS per ward: ``level`` (weighted share confident), ``trend``
    (slope per wave of the weighted shares), ``imd_decile``."""
    share = _wave_shares(before)
    weighted = before.assign(yw=before["confident"] * before["weight"])
    overall = weighted.groupby("ward_code")["yw"].sum() / weighted.groupby("ward_code")["weight"].sum()
    features = pd.DataFrame({"unit": share.index, "treated": share.index.isin(treated), "level": overall[share.index],
                             "trend": _slopes(share), "imd_decile": imd_decile.reindex(share.index)})
    return features[FEATURE_COLUMNS].reset_index(drop=True)


def _wave_shares(answers: pd.DataFrame) -> pd.DataFrame:
    """Weighted share confident per ward (rows) and wave (columns, in order; NaN where a ward has no answer)."""
    cells = answers.assign(yw=answers["confident"] * answers["weight"]).groupby(["ward_code", "wave"])[["yw", "weight"]].sum()
    return (cells["yw"] / cells["weight"]).unstack("wave")


def _slopes(shares: pd.DataFrame) -> pd.Series:
    """Each row's least-squares slope per wave over the waves it holds (NaN with fewer than two)."""
    number = np.arange(shares.shape[1], dtype=float)
    return shares.apply(lambda row: _slope(number, row.to_numpy(dtype=float)), axis=1)


def _slope(x: np.ndarray, y: np.ndarray) -> float:
    """Least-squares slope of ``y`` on ``x`` over the points held (NaN with fewer than two)."""
    held = ~np.isnan(y)
    return float(np.polyfit(x[held], y[held], 1)[0]) if held.sum() >= 2 else np.nan


def ward_changes(data: pd.DataFrame) -> pd.DataFrame:
    """Per ward with answers in both periods: ``treated``, ``change`` (weighted share confident after minus
    before) and ``slope`` (per wave across the before waves; NaN with answers in fewer than two)."""
    weighted = data.assign(yw=data["confident"] * data["weight"])
    by_period = weighted.groupby(["ward_code", "after"])[["yw", "weight"]].sum()
    share = (by_period["yw"] / by_period["weight"]).unstack("after").reindex(columns=[False, True]).dropna()
    treated = data.groupby("ward_code")["treated"].first()
    return pd.DataFrame({"treated": treated[share.index], "change": share[True] - share[False],
                         "slope": _slopes(_wave_shares(data[~data["after"]])).reindex(share.index)})


def _fit(values: pd.Series, treated: pd.Series):
    """Ordinary least squares of one value per ward on being treated, classical errors, t on G - 2 df."""
    held = values.notna()
    design = pd.DataFrame({"const": 1.0, _TERM: treated[held].astype(float)})
    return sm.OLS(values[held].astype(float), design).fit()


def _series(data: pd.DataFrame) -> pd.DataFrame:
    """Weighted share confident per wave of the treated and the comparison wards (Effect.series)."""
    group = np.where(data["treated"], "treated", "comparison")
    weighted = data.assign(group=group, yw=data["confident"] * data["weight"])
    cells = weighted.groupby(["wave", "group"], sort=True).agg(yw=("yw", "sum"), w=("weight", "sum"), after=("after", "first"))
    out = cells.reset_index().rename(columns={"wave": "period"})
    out["value"] = out["yw"] / out["w"]
    return out[["period", "group", "value", "after"]]


def _table(fit) -> pd.DataFrame:
    """The fitted model's coefficients (Effect.model columns)."""
    interval = fit.conf_int()
    return pd.DataFrame({
        "term": fit.params.index, "coef": fit.params.to_numpy(), "std_err": fit.bse.to_numpy(),
        "ci_low": interval[0].to_numpy(), "ci_high": interval[1].to_numpy(), "p_value": fit.pvalues.to_numpy(),
    })


def _kish(weights: pd.Series) -> float:
    """Kish's weighting efficiency n_eff / n of all the answers used."""
    w = weights.to_numpy(dtype=float)
    return float(w.sum() ** 2 / np.square(w).sum() / len(w))


def _design_notes(treated: int, pre_trend_p: float) -> tuple[str, ...]:
    notes = [
        "Who answers the survey changes over time; the weights correct the age and ethnic mix of each ward's "
        "respondents before and after, not other changes in who answers.",
    ]
    if treated < FEW_CLUSTERS:
        notes.append(f"Only {treated} treated ward(s): the interval assumes they would have varied from before to "
                     "after as the comparison wards do, which their own data cannot check.")
    if pre_trend_p < 0.10:
        notes.append(f"Before the setup, confidence in the treated and comparison wards already moved differently "
                     f"(p = {pre_trend_p:.2f}): the comparison may not show what would have happened without it.")
    return tuple(notes)


def _setup_notes(area, doorstep: int, compared: Periods) -> tuple[str, ...]:
    shown = disclose_count(doorstep, Audience.INTERNAL)
    notes = [
        "The setup's own doorstep survey answers are not in the outcome: given face to face to the officers doing "
        "the work, only in its wards and only after it started, they would measure the way of asking as much as "
        "confidence.",
        f"Members registered on the setup's doorsteps ({'none' if doorstep == 0 else shown or 'fewer than 5'}) "
        "are left out, so that the setup does not change who answers in its wards.",
    ]
    if not area.wards:
        notes.append("The setup worked some streets or a drawn area, but whole wards are compared: residents it did "
                     "not reach dilute the effect.")
    if compared.transition:
        notes.append(f"Wave {compared.transition} is left out: the setup started part-way through it.")
    return tuple(notes)


def _sentence(estimate: float, low: float, high: float, p_value: float, treated: int, comparison: int) -> str:
    direction = "rose" if estimate > 0 else "fell"
    return (f"After the setup started, the share of residents confident in local police {direction} by "
            f"{abs(estimate):.1f} percentage points more in its {treated} ward(s) than in {comparison} matched "
            f"comparison wards (95% interval {low:+.1f} to {high:+.1f}; p = {p_value:.2f}).")


def _doorstep_members(engine: Engine, setup_id: int) -> set[str]:
    """Members registered on the setup's doorsteps."""
    query = select(setup_visits.c.member_id).where(setup_visits.c.setup_id == setup_id, setup_visits.c.member_id.is_not(None))
    return set(read_query(engine, query)["member_id"])
