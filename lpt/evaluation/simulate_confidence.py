"""Checking the estimator of a setup's effect on confidence by simulation, against a planted truth.

A simulation study in the sense of Morris, White and Crowther (2019, "Using simulation studies to
evaluate statistical methods", *Statistics in Medicine* 38:2074-2102): data are generated many times
from a model whose true effect is known, the estimator (:func:`lpt.evaluation.confidence_effect.estimate`,
the one the evaluation notebook uses, matching included) is run on each, and its performance is
measured with a Monte Carlo standard error (``mcse``; for a share p of N datasets, sqrt(p (1 - p) / N)):

* ``coverage``: the share of 95% intervals holding the dataset's true effect (should be 95%: 93-97% is
  within about two Monte Carlo SEs at 200 datasets);
* ``significant``: the share with p < 0.05; with no planted effect, the false-positive rate (should be 5%),
  with one, the power;
* ``bias`` (mean estimate - truth) and ``rmse``, in percentage points.

:func:`setup_plant` turns a door-knocking setup into the generator's plant (for ``lpt synth``), so an
evaluation of that setup on the generated data can be checked against the truth the generator records.

The synthetic world (:func:`world`) is generated once: households and members (lpt.synth). Each dataset
regenerates only the survey answers (:func:`lpt.synth.surveys.generate_surveys`) from its own seed; each
seed is used once with the planted effect and once without, so the two differ only by the plant. The true
effect of a dataset is the expected difference in the share confident between the planted and the
unplanted answers of the treated wards' respondents after the start (the ``planted_effect`` the generator
records, averaged), so it varies a little from seed to seed with who answers.

The synthetic world has what makes such checks honest: wards differ lastingly and have their own ups and
downs from wave to wave (lpt.synth.surveys.CONFIDENCE_EFFECTS, ``ward_wave_sd``), members answer wave
after wave, and who answers varies by age and group, so raking matters. With 3 treated wards (3 matched
comparisons each, 81 wards, 200 datasets per setting) answer-level models clustered by ward (jackknife
CRV3) covered the truth in 91% of datasets with no effect and found one in 9%. The ward-level changes the
estimator uses, with 6 comparisons per treated ward, covered it in 93.5% with no effect and 94.0% with a
planted 11.5-point rise (Monte Carlo SE 1.7%), found an effect in 6.5% where none was planted and the rise
in 99% (bias -0.3 to -0.4 points); with one treated ward, 96.5%, 97.0%, 3.5% and 53.5% (intervals 22
points wide). ``benchmarks/evaluation_confidence.py [--treated N]`` prints these.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd
from sqlalchemy import Engine, select

from lpt.census import adult_age_counts, ethnic_counts
from lpt.errors import LPTError
from lpt.evaluation.confidence_effect import answers_of, estimate, first_wave_after, periods
from lpt.evaluation.matching import COMPARISONS
from lpt.setups.model import SetupSpec
from lpt.stats.peers import load_ward_features
from lpt.stats.weighting import margins
from lpt.store.frames import read_query
from lpt.store.schema import postcode_links, ref_postcodes
from lpt.synth import PlantedChange, generate
from lpt.synth.calibration import Calibration, load_calibration
from lpt.synth.surveys import generate_surveys

__all__ = ["RUN_COLUMNS", "SUMMARY_COLUMNS", "World", "setup_plant", "simulate", "summarise", "world"]

#: Columns of :func:`simulate`, one row per dataset: ``seed``, ``shift`` (latent units planted),
#: ``truth`` (true effect, percentage points), ``estimate``, ``ci_low``, ``ci_high``, ``p_value``,
#: ``covers`` (the interval holds the truth), ``significant`` (p < 0.05), ``pre_trend_p``,
#: ``comparison`` (wards matched), ``seconds`` (to generate and estimate).
RUN_COLUMNS = ["seed", "shift", "truth", "estimate", "ci_low", "ci_high", "p_value", "covers", "significant",
               "pre_trend_p", "comparison", "seconds"]
#: Columns of :func:`summarise`, one row per shift: ``shift``, ``datasets``, ``truth`` (mean true effect),
#: ``bias``, ``rmse``, ``coverage`` and ``coverage_mcse``, ``significant`` and ``significant_mcse``,
#: ``width`` (mean interval width), ``seconds`` (mean per dataset).
SUMMARY_COLUMNS = ["shift", "datasets", "truth", "bias", "rmse", "coverage", "coverage_mcse", "significant",
                   "significant_mcse", "width", "seconds"]


@dataclass(frozen=True)
class World:
    """What stays fixed across datasets: the ``calibration``, the generated ``households`` and ``members``
    (with the generator's truth columns), census ``shares`` per ward (lpt.stats.weighting.margins) and
    ``imd_decile`` (IMD 2025 decile per ward)."""

    calibration: Calibration
    households: pd.DataFrame
    members: pd.DataFrame
    shares: dict[str, pd.DataFrame]
    imd_decile: pd.Series


def world(engine: Engine, *, seed: int = 1, wards: Collection[str] | None = None) -> World:
    """Households and members of ``wards`` (None: every ward of the store's calibration), generated once
    from ``seed``, with the store's census margins and IMD (public data only; nothing personal is read)."""
    calibration = load_calibration(engine)
    if wards is not None:
        calibration = calibration.only_wards(sorted(wards))
    synthetic = generate(calibration, seed=seed, scale="force")
    lookup = calibration.areas.set_index("lsoa21_code")["ward_code"]
    return World(
        calibration=calibration, households=synthetic.households, members=synthetic.members,
        shares=margins(adult_age_counts(engine), ethnic_counts(engine), lookup),
        imd_decile=load_ward_features(engine)["imd_decile"],
    )


def simulate(
    place: World, *, treated: Collection[str], starts_on: date, shifts: Iterable[float] = (0.0, 0.3),
    seeds: Iterable[int] = range(30), before: int = 4, k: int = COMPARISONS["ward"],
) -> pd.DataFrame:
    """Estimate the effect of a setup on ``treated`` wards starting ``starts_on`` (best a wave's first day)
    in a dataset per seed and planted shift (latent units; 0: no effect); :data:`RUN_COLUMNS`.

    Raking's convergence warnings are silenced: a dataset's answers are the estimator's input, not a report.
    """
    treated = tuple(sorted(treated))
    demographics = place.members[["member_id", "age_band", "ethnic_group"]]
    rows = []
    for seed in seeds:
        for shift in shifts:
            began = time.perf_counter()
            plant = PlantedChange(wards=treated, wave=str(pd.Period(starts_on, freq="Q")), shift=shift)
            surveys = generate_surveys(place.members, place.households, place.calibration,
                                       np.random.default_rng(seed), plant=plant)
            compared = periods(starts_on, surveys["wave"].unique(), before=before)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                effect = estimate(answers_of(surveys.merge(demographics, on="member_id")), place.shares, place.imd_decile,
                                  treated, compared, k=k)
            after = surveys["ward_code"].isin(treated) & surveys["wave"].isin(compared.after)
            truth = 100 * float(surveys.loc[after, "planted_effect"].mean())
            rows.append({
                "seed": seed, "shift": shift, "truth": truth, "estimate": effect.estimate, "ci_low": effect.ci_low,
                "ci_high": effect.ci_high, "p_value": effect.p_value,
                "covers": effect.ci_low <= truth <= effect.ci_high, "significant": effect.p_value < 0.05,
                "pre_trend_p": effect.checks["pre_trend_p"], "comparison": effect.comparison,
                "seconds": time.perf_counter() - began,
            })
    return pd.DataFrame(rows, columns=RUN_COLUMNS)


def summarise(runs: pd.DataFrame) -> pd.DataFrame:
    """Performance per planted shift (:data:`SUMMARY_COLUMNS`) from :func:`simulate`'s runs."""
    out = []
    for shift, group in runs.groupby("shift", sort=True):
        n = len(group)
        error = group["estimate"] - group["truth"]
        coverage, significant = group["covers"].mean(), group["significant"].mean()
        out.append({
            "shift": shift, "datasets": n, "truth": group["truth"].mean(), "bias": error.mean(),
            "rmse": float(np.sqrt(np.square(error).mean())), "coverage": coverage,
            "coverage_mcse": _mcse(coverage, n), "significant": significant,
            "significant_mcse": _mcse(significant, n), "width": (group["ci_high"] - group["ci_low"]).mean(),
            "seconds": group["seconds"].mean(),
        })
    return pd.DataFrame(out, columns=SUMMARY_COLUMNS)


def setup_plant(engine: Engine, spec: SetupSpec, shift: float) -> PlantedChange:
    """The generator's plant for a setup: a shift of ``shift`` latent units from the first wave wholly after
    its start (:func:`lpt.evaluation.confidence_effect.first_wave_after`) for members of its wards, or of the
    LSOAs its streets lie in or its drawn area holds postcodes of (public data: no household is read).
    LPTError for a force-wide setup (there would be nothing to compare it with)."""
    area = spec.area
    if area.force_wide:
        raise LPTError("a force-wide setup has no comparison wards: plant an effect on a setup of some area")
    wave = first_wave_after(spec.starts_on)
    if area.wards:
        return PlantedChange(wards=tuple(sorted(area.wards)), wave=wave, shift=shift)
    if area.streets:
        return PlantedChange(wards=(), lsoas=tuple(sorted({lsoa for lsoa, _ in area.streets})), wave=wave, shift=shift)
    west, south, east, north = area.shape().bounds
    points = read_query(engine, select(postcode_links.c.lsoa21_code, ref_postcodes.c.longitude, ref_postcodes.c.latitude)
                        .join(ref_postcodes, ref_postcodes.c.postcode == postcode_links.c.postcode)
                        .where(postcode_links.c.lsoa21_code.is_not(None), ref_postcodes.c.longitude.between(west, east),
                               ref_postcodes.c.latitude.between(south, north)))
    inside = points[area.contains(points)]
    return PlantedChange(wards=(), lsoas=tuple(sorted(set(inside["lsoa21_code"]))), wave=wave, shift=shift)


def _mcse(share: float, n: int) -> float:
    """Monte Carlo standard error of a share over ``n`` datasets."""
    return float(np.sqrt(share * (1 - share) / n))
