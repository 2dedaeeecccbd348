"""Survey weighting: raking respondents to census margins per ward or district, and weighted figures.

Method
------
Respondents of one area (a ward or a district) are weighted by *raking*
(iterative proportional fitting, Deming & Stephan 1940, "On a least squares
adjustment of a sampled frequency table when the expected marginal totals are
known", Ann. Math. Stat. 11:427-444): the weights are scaled in turn so the
weighted sample matches each census margin, repeated until they stop changing.
The margins are adults by age band (the mid-2020 single-year estimates, mapped
to LSOA 2021, see :mod:`lpt.census`) and broad ethnic group (census 2021);
sex is not a margin because the store holds no census sex table. Raking is
done by a kept library, weightipy (its ``Rim`` scheme); the tests check it
against hand-worked examples and against samplics.

Blank demographics
    A respondent who left a weighting question blank (or gave an answer the
    area's census has nobody in) falls in a ``not stated`` category of that
    margin whose target is its own sample share. The stated categories share
    the rest in census proportions. So blanks are kept, at their sample weight
    on that margin, and are still adjusted by the other margin; the weighted
    distribution among those who stated an answer equals the census.
    (This assumes, within an area, that non-statement is unrelated to the
    answer once the other margin is accounted for.)
Census categories with no respondents
    cannot be reached by any weight: they are dropped from that area's targets
    and the other categories' shares are scaled up (collapsing).
Trimming
    Weights are capped at ``cap`` times the mean weight (5 by default): trim
    and re-rake. After raking, weights above the cap are fixed at it and the
    other respondents are raked again to what the capped ones leave of each
    margin, repeated until no weight exceeds the cap (so the mean weight stays
    1). The margins still hold exactly, except a category whose respondents
    are all capped, which falls short of its target: the price of bounding
    the variance. (weightipy's own ``cap`` trims inside each iteration and
    ends on a trim, leaving every margin off; it is not used.)

Precision
---------
Weighting costs precision. Following Kish (1965, *Survey Sampling*, 8.2; and
Kish 1992, "Weighting for unequal Pi", J. Off. Stat. 8:183-200), the effective
sample size is ``n_eff = (sum w)^2 / sum w^2`` and the weighting efficiency
``n_eff / n`` (1 for equal weights; 1/efficiency is the design effect due to
weighting). 95% intervals use ``n_eff`` in place of ``n``: the Wilson score
interval for proportions (Wilson 1927) and the normal interval for means.
Clustering of repeated answers by the same member across waves is not
allowed for, so pooled-wave intervals are somewhat too narrow.

Every figure carries its raw ``n``; bases under :data:`SMALL_BASE` (30) are
flagged and, under the internal disclosure threshold
(``lpt.disclosure.RULES[Audience.INTERNAL].threshold``), the estimate is
suppressed altogether.

Internal: microdata in, statistics out; callers go through the access layer.
"""

from __future__ import annotations

import contextlib
import io
import math
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sqlalchemy import Engine, select
from statsmodels.stats.proportion import proportion_confint

from lpt.census import adult_age_counts, ethnic_counts
from lpt.disclosure import RULES, Audience
from lpt.stats.microdata import respondents as read_respondents
from lpt.store.frames import read_query
from lpt.store.schema import ref_lsoa21
from lpt.vocab import AGE_BANDS, ETHNIC_GROUPS, QUESTIONS

__all__ = [
    "CONFIDENT",
    "NOT_STATED",
    "RESULT_COLUMNS",
    "SMALL_BASE",
    "WEIGHTING_VARIABLES",
    "Estimate",
    "WeightingInputs",
    "load_inputs",
    "margins",
    "rake",
    "rake_cells",
    "weighted_confidence",
    "weighted_estimate",
]

#: Respondent columns raked, each with its census categories.
WEIGHTING_VARIABLES: dict[str, tuple[str, ...]] = {"age_band": AGE_BANDS, "ethnic_group": ETHNIC_GROUPS}
#: Category given to blank (or census-less) answers on a weighting variable.
NOT_STATED = "(not stated)"
#: Bases (raw n) below this are flagged ``small_base``.
SMALL_BASE = 30
#: Answers counted as "confident" on the 1-5 scale.
CONFIDENT: tuple[int, ...] = (4, 5)
#: Columns of :func:`weighted_confidence`.
RESULT_COLUMNS = ["area_code", "n", "unweighted", "weighted", "ci_low", "ci_high", "efficiency", "small_base"]

_Z95 = 1.959963984540054  # standard normal 97.5% point
_LEVELS = {"ward": "ward_code", "district": "district_code"}
_KINDS = ("mean", "proportion")


@dataclass(frozen=True)
class Estimate:
    """One weighted figure.

    ``n``: raw number of answers; ``estimate``: weighted mean or proportion;
    ``ci_low``/``ci_high``: 95% interval on the effective sample size;
    ``efficiency``: Kish n_eff / n; ``small_base``: n below :data:`SMALL_BASE`.
    ``estimate``, the interval and ``efficiency`` are None when suppressed
    (n below the internal disclosure threshold) or when there are no answers.
    """

    n: int
    estimate: float | None
    ci_low: float | None
    ci_high: float | None
    efficiency: float | None
    small_base: bool

    @property
    def suppressed(self) -> bool:
        """True when the figure is not shown (too few answers)."""
        return self.estimate is None


@dataclass(frozen=True)
class WeightingInputs:
    """What :func:`weighted_confidence` needs, as read by :func:`load_inputs`.

    ``respondents``: :func:`lpt.stats.microdata.respondents`; ``census_age`` and
    ``census_ethnic``: counts per LSOA 2021 (index ``lsoa21_code``, columns
    :data:`~lpt.vocab.AGE_BANDS` / :data:`~lpt.vocab.ETHNIC_GROUPS`);
    ``areas``: columns ``lsoa21_code``, ``ward_code``, ``district_code``.
    """

    respondents: pd.DataFrame
    census_age: pd.DataFrame
    census_ethnic: pd.DataFrame
    areas: pd.DataFrame


def margins(age_counts: pd.DataFrame, ethnic_counts: pd.DataFrame, lsoa_to_area: pd.Series) -> dict[str, pd.DataFrame]:
    """Census target shares per area for each weighting variable.

    ``age_counts`` / ``ethnic_counts``: counts per LSOA 2021 (index
    ``lsoa21_code``; columns age bands / broad ethnic groups, as
    :func:`lpt.census.adult_age_counts` and :func:`lpt.census.ethnic_counts`).
    ``lsoa_to_area``: area code (ward or district) indexed by ``lsoa21_code``.
    Returns ``{"age_band": frame, "ethnic_group": frame}``, each indexed by
    ``area_code`` with one column per category, rows summing to 1. LSOAs
    without an area are left out; areas with no population are dropped.
    """
    out: dict[str, pd.DataFrame] = {}
    for variable, counts in (("age_band", age_counts), ("ethnic_group", ethnic_counts)):
        categories = list(WEIGHTING_VARIABLES[variable])
        counts = counts.reindex(columns=categories).fillna(0).astype(float)
        area = lsoa_to_area.reindex(counts.index)
        placed = area.notna().to_numpy()
        summed = counts[placed].groupby(area[placed].to_numpy()).sum()
        total = summed.sum(axis=1)
        summed = summed[total > 0]
        out[variable] = summed.div(total[total > 0], axis=0).rename_axis(index="area_code", columns=None)
    return out


def rake(
    respondents: pd.DataFrame,
    targets: Mapping[str, pd.Series],
    *,
    cap: float | None = 5.0,
    max_iterations: int = 1000,
) -> pd.Series:
    """Raking weights (mean 1) for one area's respondents, indexed like ``respondents``.

    ``targets``: for each weighting column of ``respondents`` (e.g.
    ``age_band``), the census share (or count) of each category, a Series
    indexed by category. Blank answers and answers outside the positive
    targets go to :data:`NOT_STATED` at their sample share; target categories
    without respondents are collapsed away (module docstring). ``cap``: largest
    weight as a multiple of the mean weight (> 1), trimmed and re-raked; None
    for no cap. Warns (RuntimeWarning) if raking does not converge.
    """
    if cap is not None and cap <= 1:
        raise ValueError(f"cap must be above 1 (a multiple of the mean weight), not {cap}")
    n = len(respondents)
    if n == 0:
        return pd.Series(np.array([], dtype=float), index=respondents.index, name="weight")
    coded: dict[str, np.ndarray] = {}
    scheme: dict[str, dict[str, float]] = {}
    for column, target in targets.items():
        made = _margin(respondents[column], target)
        if made is not None:
            coded[column], scheme[column] = made
    if not scheme:
        return pd.Series(np.ones(n), index=respondents.index, name="weight")
    weights = _rake_capped(pd.DataFrame(coded), scheme, cap=cap, max_iterations=max_iterations)
    return pd.Series(weights / weights.mean(), index=respondents.index, name="weight")


def rake_cells(
    respondents: pd.DataFrame,
    shares: Mapping[str, pd.DataFrame],
    *,
    area: str,
    by: Sequence[str] = (),
    cap: float | None = 5.0,
) -> pd.Series:
    """Raking weights for every respondent, each cell raked on its own to its area's census shares.

    A cell is the respondents of one area (column ``area`` of ``respondents``, e.g. ``ward_code``) and one
    value of each ``by`` column (e.g. ``wave``: each wave's respondents made to look like the area's
    population). ``shares``: :func:`margins` for the same areas. Weights have mean 1 within each cell
    (:func:`rake`); a cell whose area has no census targets keeps weight 1. Indexed like ``respondents``.
    """
    weights = pd.Series(1.0, index=respondents.index, name="weight")
    for key, cell in respondents.groupby([area, *by], sort=False):
        code = key[0]
        targets = {variable: frame.loc[code] for variable, frame in shares.items() if code in frame.index}
        if targets:
            weights.loc[cell.index] = rake(cell, targets, cap=cap).to_numpy()
    return weights


def weighted_estimate(
    values: Iterable[float] | pd.Series | np.ndarray,
    weights: Iterable[float] | pd.Series | np.ndarray | None = None,
    *,
    kind: str = "mean",
) -> Estimate:
    """Weighted mean (``kind="mean"``) or proportion (``kind="proportion"``, values 0/1) of ``values``.

    Missing values are dropped with their weights; ``weights`` None: all 1.
    Interval: 95%, normal for means (weighted variance, n_eff - 1 divisor),
    Wilson score for proportions, both on the Kish effective sample size.
    """
    if kind not in _KINDS:
        raise ValueError(f"kind must be one of {', '.join(_KINDS)}, not {kind!r}")
    y = _array(values)
    w = np.ones_like(y) if weights is None else _array(weights)
    if w.shape != y.shape:
        raise ValueError(f"values and weights differ in length ({y.shape[0]} and {w.shape[0]})")
    keep = ~np.isnan(y)
    y, w = y[keep], w[keep]
    if np.any(np.isnan(w)) or np.any(w < 0):
        raise ValueError("weights must be non-negative numbers")
    if kind == "proportion" and not np.isin(y, (0.0, 1.0)).all():
        raise ValueError("a proportion needs values 0 or 1")
    n = int(y.size)
    small = n < SMALL_BASE
    if n < RULES[Audience.INTERNAL].threshold or w.sum() <= 0:
        return Estimate(n=n, estimate=None, ci_low=None, ci_high=None, efficiency=None, small_base=small)
    n_eff = _effective_n(w)
    estimate = float(np.average(y, weights=w))
    low, high = _wilson(estimate, n_eff) if kind == "proportion" else _normal(y, w, estimate, n_eff)
    return Estimate(n=n, estimate=estimate, ci_low=low, ci_high=high, efficiency=n_eff / n, small_base=small)


def weighted_confidence(
    respondents: pd.DataFrame,
    census_age: pd.DataFrame,
    census_ethnic: pd.DataFrame,
    *,
    areas: pd.DataFrame,
    level: str = "ward",
    question: str = "confidence",
    measure: str = "confident",
    waves: Iterable[str] | None = None,
    cap: float | None = 5.0,
) -> pd.DataFrame:
    """Weighted answer to ``question`` per area, raked to the area's census age and ethnic margins.

    ``respondents``: columns of :func:`lpt.stats.microdata.respondents` (at
    least ``ward_code`` or ``district_code``, ``wave``, ``age_band``,
    ``ethnic_group`` and ``question``). ``census_age``/``census_ethnic``:
    counts per LSOA 2021 (index ``lsoa21_code``). ``areas``: ``lsoa21_code``
    with its ``ward_code`` and ``district_code`` (places every census LSOA,
    including those without respondents). ``level``: ``ward`` or
    ``district``; ``waves``: waves pooled (None: all).

    ``measure`` ``confident`` (default): the share answering 4 or 5 (Wilson
    interval) - the headline "confident in local police" figure; ``mean``:
    the mean on the 1-5 scale (normal interval).

    Returns one row per area with respondents, columns :data:`RESULT_COLUMNS`:
    ``area_code``; ``n`` raw answers; ``unweighted`` and ``weighted``
    estimates; ``ci_low``/``ci_high`` the weighted estimate's 95% interval;
    ``efficiency`` Kish n_eff/n; ``small_base`` n < :data:`SMALL_BASE`.
    Figures are NaN (suppressed) where n is below the internal disclosure
    threshold. An area without census targets is left unweighted.
    """
    if level not in _LEVELS:
        raise ValueError(f"level must be one of {', '.join(_LEVELS)}, not {level!r}")
    if question not in QUESTIONS:
        raise ValueError(f"question must be one of {', '.join(QUESTIONS)}, not {question!r}")
    if measure not in ("confident", "mean"):
        raise ValueError(f"measure must be 'confident' or 'mean', not {measure!r}")
    column = _LEVELS[level]
    answers = respondents[respondents[question].notna() & respondents[column].notna() & (respondents[column] != "")]
    if waves is not None:
        answers = answers[answers["wave"].isin(list(waves))]
    lookup = areas.drop_duplicates("lsoa21_code").set_index("lsoa21_code")[column]
    shares = margins(census_age, census_ethnic, lookup)
    kind = "proportion" if measure == "confident" else "mean"
    all_weights = rake_cells(answers, shares, area=column, cap=cap)
    rows = []
    for code, group in answers.groupby(column, sort=True):
        values = pd.to_numeric(group[question]).astype(float)
        if measure == "confident":
            values = values.isin(CONFIDENT).astype(float)
        raw = weighted_estimate(values.to_numpy(), None, kind=kind)
        fitted = weighted_estimate(values.to_numpy(), all_weights.loc[group.index].to_numpy(), kind=kind)
        rows.append(
            {
                "area_code": code,
                "n": fitted.n,
                "unweighted": raw.estimate,
                "weighted": fitted.estimate,
                "ci_low": fitted.ci_low,
                "ci_high": fitted.ci_high,
                "efficiency": fitted.efficiency,
                "small_base": fitted.small_base,
            }
        )
    frame = pd.DataFrame(rows, columns=RESULT_COLUMNS)
    for name in ("unweighted", "weighted", "ci_low", "ci_high", "efficiency"):
        frame[name] = frame[name].astype(float)
    return frame.astype({"n": int, "small_base": bool, "area_code": str})


def load_inputs(engine: Engine, wards: Iterable[str] | None = None) -> WeightingInputs:
    """Read respondents (of ``wards``, None: all), the census counts and the LSOA -> ward/district lookup."""
    areas = read_query(engine, select(ref_lsoa21.c.lsoa21_code, ref_lsoa21.c.ward_code, ref_lsoa21.c.district_code))
    return WeightingInputs(
        respondents=read_respondents(engine, wards),
        census_age=adult_age_counts(engine),
        census_ethnic=ethnic_counts(engine),
        areas=areas,
    )


def _margin(answers: pd.Series, target: pd.Series) -> tuple[np.ndarray, dict[str, float]] | None:
    """Coded answers and target shares for one variable (blank handling and collapsing: module docstring).

    None when nobody stated a category with a positive target (the margin is skipped).
    """
    target = pd.Series(target, dtype=float)
    target = target[target > 0]
    text = answers.fillna("").astype(str).to_numpy()
    stated = np.isin(text, target.index.astype(str))
    present = target[target.index.astype(str).isin(np.unique(text[stated]))]
    if present.empty:
        return None
    blank_share = 1.0 - stated.mean()
    scheme = {str(k): float(v) for k, v in (present / present.sum() * (1.0 - blank_share) * 100).items()}
    if blank_share > 0:
        scheme[NOT_STATED] = blank_share * 100
    return np.where(stated, text, NOT_STATED), scheme


def _rake_capped(
    coded: pd.DataFrame, scheme: dict[str, dict[str, float]], *, cap: float | None, max_iterations: int
) -> np.ndarray:
    """Raking weights (sum n) with weights above ``cap`` fixed at the cap and the rest re-raked.

    Each round rakes the free respondents to what the capped ones leave of each
    margin (category target minus cap x its capped respondents); any free weight
    now above the cap is capped in turn, until none is. A category whose
    respondents are all capped is left out of the later rounds (it falls short
    of its target); one the capped already overfill gets a near-zero target.
    """
    n = len(coded)
    weights = np.ones(n)
    fixed = np.zeros(n, dtype=bool)
    labels = {column: coded[column].to_numpy() for column in scheme}
    while True:
        free = ~fixed
        remaining = n - (cap or 0) * fixed.sum()
        if not free.any() or remaining <= 0:
            break
        residual: dict[str, dict[str, float]] = {}
        for column, shares in scheme.items():
            left = {}
            for category, share in shares.items():
                members = labels[column] == category
                if (members & free).any():
                    left[category] = max(share / 100 * n - (cap or 0) * (members & fixed).sum(), 1e-9 * n)
            if left:
                residual[column] = left
        if not residual:
            break
        raked = _weightipy(coded[free], residual, max_iterations=max_iterations)
        weights[free] = raked / raked.sum() * remaining
        over = free & (weights > cap * (1 + 1e-9)) if cap is not None else np.zeros(n, dtype=bool)
        if not over.any():
            break
        fixed |= over
        weights[fixed] = cap
    return weights


def _weightipy(coded: pd.DataFrame, scheme: dict[str, dict[str, float]], *, max_iterations: int) -> np.ndarray:
    """Rake with weightipy's Rim (shares or totals; mean weight 1); its printed convergence messages become RuntimeWarnings."""
    import weightipy

    params = {"max_iterations": max_iterations}
    rim = weightipy.scheme_from_dict(scheme, name="lpt", rim_params=params)
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        weights = weightipy.weight(coded.reset_index(drop=True), rim)
    message = printed.getvalue().strip()
    if "onvergence" in message:
        warnings.warn(f"raking: {message}", RuntimeWarning, stacklevel=3)
    return weights.sort_index().to_numpy(dtype=float)


def _array(values: Iterable[float] | pd.Series | np.ndarray) -> np.ndarray:
    """Float array of any list-like (None becomes NaN)."""
    return np.asarray(values if hasattr(values, "__len__") else list(values), dtype=float)


def _effective_n(weights: np.ndarray) -> float:
    """Kish's effective sample size (sum w)^2 / sum w^2."""
    return float(weights.sum() ** 2 / np.square(weights).sum())


def _wilson(p: float, n: float) -> tuple[float, float]:
    """95% Wilson score interval for a proportion ``p`` on (effective) sample size ``n`` (statsmodels)."""
    low, high = proportion_confint(p * n, n, alpha=0.05, method="wilson")
    return max(0.0, float(low)), min(1.0, float(high))


def _normal(y: np.ndarray, w: np.ndarray, mean: float, n_eff: float) -> tuple[float | None, float | None]:
    """95% normal interval for a weighted mean: weighted variance scaled by n_eff / (n_eff - 1)."""
    if n_eff <= 1:
        return None, None
    variance = float(np.average((y - mean) ** 2, weights=w)) * n_eff / (n_eff - 1)
    half = _Z95 * math.sqrt(variance / n_eff)
    return mean - half, mean + half
