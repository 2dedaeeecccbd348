"""Change over time, with a significance test and a correction for many comparisons.

Three tables, each one row per area and quarter compared with the quarter
before (``compare="quarter"``) or the same quarter a year before
(``compare="year"``), with a sentence an officer can read:

* :func:`confidence_change`: the share answering a survey question positively
  (by default 4 or 5 on the 1-5 scale: "confident", the top-two box used by
  the Crime Survey for England and Wales).
* :func:`priority_change`: the share naming a topic among their (up to three)
  local priorities.
* :func:`crime_change`: police.uk crime records in the quarter.

Methods

* Shares: the two-proportion z-test with pooled variance
  (``statsmodels.stats.proportion.proportions_ztest``; Agresti, *Categorical
  Data Analysis*, 3rd ed., 2013, s. 3.1). No test when either wave has fewer
  than :data:`MIN_ANSWERS` answers: the normal approximation and the figure
  itself are then too rough.
* Counts: the score test that two Poisson rates are equal
  (``statsmodels.stats.rates.test_poisson_2indep``, ``method="score"``; Gu,
  Ng, Tang and Schucany, *Biometrical Journal* 50, 2008). Each quarter has
  exposure 1 (quarters differ by at most two days). No test when the two
  quarters together have fewer than :data:`MIN_RECORDS` records. Crime counts
  are usually over-dispersed (more variable than Poisson), so the test is
  somewhat liberal; year-on-year comparison removes the seasonal part.
* Many comparisons: every table corrects all the tests it makes at once with
  the Benjamini-Hochberg false discovery rate (``multipletests(method=
  "fdr_bh")``; Benjamini and Hochberg, *JRSS B* 57, 1995): among changes called
  significant, the expected share that are chance is at most ``alpha``
  (independent or positively dependent tests). When nothing has changed
  anywhere, the chance of any flag at all is then at most ``alpha``. ``significant`` is ``p_adjusted < alpha``.

Weighting: the functions work on unweighted answers. If the answers carry a
weight column (``weight`` by default, as lpt.stats.weighting would add), shares
are weighted and the test uses Kish's effective sample size
``(sum w)^2 / sum w^2`` (Kish, *Survey Sampling*, 1965, s. 11.7) in place of
the number of answers, which keeps the test's level under unequal weights.
``n`` and ``previous_n`` are always the number of answers.

Counts here come from personal data (``n``, ``previous_n``): they are returned
beside the shares so that the caller applies :mod:`lpt.disclosure` before they
leave lpt. Sentences carry shares and words, never answer counts.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportions_ztest
from statsmodels.stats.rates import test_poisson_2indep

from lpt.errors import LPTError
from lpt.vocab import QUESTIONS, TOPICS

__all__ = [
    "MIN_ANSWERS",
    "MIN_RECORDS",
    "SHARE_COLUMNS",
    "CRIME_COLUMNS",
    "confidence_change",
    "priority_change",
    "crime_change",
]

#: No test when either wave has fewer answers than this.
MIN_ANSWERS = 30
#: No test when the two quarters together have fewer crime records than this.
MIN_RECORDS = 10

#: Columns of :func:`confidence_change` (``priority_change`` adds ``topic`` after ``area_code``):
#: ``area_code`` (ward, district or ``force``); ``wave`` and ``previous_wave`` (like ``2025Q1``);
#: ``n``, ``previous_n`` (answers, personal-data counts); ``n_effective``, ``previous_n_effective``
#: (Kish effective sizes, equal to n without weights); ``share``, ``previous_share`` (0-1, NaN
#: without answers); ``change_points`` (percentage points, share minus previous); ``p_value``
#: (two-sided, NaN where not tested); ``p_adjusted`` (Benjamini-Hochberg); ``significant``
#: (bool); ``sentence``.
SHARE_COLUMNS = [
    "area_code", "wave", "previous_wave", "n", "previous_n", "n_effective", "previous_n_effective",
    "share", "previous_share", "change_points", "p_value", "p_adjusted", "significant", "sentence",
]
#: Columns of :func:`crime_change`: ``area_code``, ``wave`` and ``previous_wave`` (calendar
#: quarters like ``2025Q1``), ``records``, ``previous_records`` (public counts),
#: ``change_percent`` (NaN when the previous quarter had none), ``rate_ratio``, ``p_value``,
#: ``p_adjusted``, ``significant``, ``sentence``.
CRIME_COLUMNS = [
    "area_code", "wave", "previous_wave", "records", "previous_records", "change_percent", "rate_ratio",
    "p_value", "p_adjusted", "significant", "sentence",
]

_LEVELS = {"ward": "ward_code", "district": "district_code", "lsoa": "lsoa21_code", "force": None}
_LAGS = {"quarter": 1, "year": 4}
_AGAINST = {"quarter": "on the quarter before", "year": "on the same quarter a year before"}
_QUESTION_LABELS = {
    "trust": "Trust",
    "confidence": "Confidence",
    "understands_issues": "Agreement that the police understand local issues",
    "deals_with_concerns": "Agreement that the police deal with what matters",
}
_TOPIC_LABELS = {"asb": "anti-social behaviour", "litter_flytipping": "litter and fly-tipping"}
_PRIORITIES = ["priority_1", "priority_2", "priority_3"]


def confidence_change(
    answers: pd.DataFrame,
    *,
    question: str = "confidence",
    level: str = "ward",
    compare: str = "quarter",
    alpha: float = 0.05,
    at_least: int = 4,
    weight_column: str | None = "weight",
) -> pd.DataFrame:
    """Share answering ``question`` with ``at_least`` or more (default 4-5, "confident"), per area and wave,
    against the previous quarter or the same quarter a year before.

    ``answers``: one row per answer with ``wave``, the area column of ``level`` (``ward_code``,
    ``district_code``, ``lsoa21_code``; none for ``force``) and ``question`` (1-5, missing = not
    answered), optionally ``weight_column``. Returns :data:`SHARE_COLUMNS`, sorted by area and wave.

    Near the floor of the scale (a ward where almost no one answers 4 or 5) the top-two share
    cannot fall much; ``at_least=3`` then follows movement lower down the scale.
    """
    if question not in QUESTIONS:
        raise LPTError(f"unknown question {question!r}: one of {', '.join(QUESTIONS)}")
    if not 2 <= at_least <= 5:
        raise LPTError(f"at_least must be 2 to 5, not {at_least}")
    _check_columns(answers, ["wave", question])
    answered = answers[answers[question].notna()]
    positive = (pd.to_numeric(answered[question]) >= at_least).to_numpy(dtype=float)
    label = _QUESTION_LABELS[question]
    if at_least != 4:
        label = f"{label} (share answering {at_least} to 5)"
    return _share_change(answered, positive, label, level, compare, alpha, weight_column)


def priority_change(
    answers: pd.DataFrame,
    topic: str,
    *,
    level: str = "ward",
    compare: str = "quarter",
    alpha: float = 0.05,
    weight_column: str | None = "weight",
) -> pd.DataFrame:
    """Share naming ``topic`` among their priorities, per area and wave, against an earlier wave.

    The base is the answers naming at least one priority (``priority_1``..``priority_3``, '' =
    none); answers naming none are left out. Returns :data:`SHARE_COLUMNS` with ``topic`` after
    ``area_code``.
    """
    if topic not in TOPICS:
        raise LPTError(f"unknown topic {topic!r}: one of {', '.join(TOPICS)}")
    _check_columns(answers, ["wave", *_PRIORITIES])
    named = answers[_PRIORITIES].fillna("").astype(str)
    some = named.ne("").any(axis=1).to_numpy()
    answered = answers[some]
    positive = named[some].eq(topic).any(axis=1).to_numpy(dtype=float)
    label = f"The share naming {_TOPIC_LABELS.get(topic, topic.replace('_', ' '))} as a priority"
    table = _share_change(answered, positive, label, level, compare, alpha, weight_column)
    table.insert(1, "topic", topic)
    return table


def crime_change(
    ward_counts: pd.DataFrame, *, level: str = "ward", compare: str = "quarter", alpha: float = 0.05
) -> pd.DataFrame:
    """Crime records per area and calendar quarter against the quarter before or a year before.

    ``ward_counts``: as :func:`lpt.store.queries.ward_crime_counts` (``ward_code``, ``month``
    YYYY-MM, ``records``; ``district_code`` for ``level="district"``). A quarter counts only when
    all three of its months are in the data (a partial quarter would look like a fall); an area
    with no row for a month of a covered quarter had no records then. Returns
    :data:`CRIME_COLUMNS`, sorted by area and quarter.
    """
    _check_columns(ward_counts, ["month", "records"])
    area = _area_codes(ward_counts, level)
    quarter = pd.PeriodIndex(pd.to_datetime(ward_counts["month"].astype(str) + "-01"), freq="Q")
    months = pd.Series(pd.PeriodIndex(pd.to_datetime(ward_counts["month"].astype(str) + "-01"), freq="M"))
    covered = months.drop_duplicates().groupby(months.drop_duplicates().dt.asfreq("Q")).size()
    complete = sorted(str(q) for q in covered[covered == 3].index)
    counts = (
        pd.DataFrame({"area_code": area, "wave": quarter.astype(str), "records": ward_counts["records"].to_numpy()})
        .groupby(["area_code", "wave"])["records"].sum()
        .unstack(fill_value=0)
        .reindex(columns=complete, fill_value=0)
    )
    lag = _lag(compare)
    rows = []
    for wave in complete:
        previous = str(pd.Period(wave, freq="Q") - lag)
        if previous not in counts.columns:
            continue
        for code in counts.index:
            rows.append(_crime_row(code, wave, previous, int(counts.at[code, wave]), int(counts.at[code, previous])))
    table = pd.DataFrame(rows, columns=CRIME_COLUMNS[:7] + ["p_value"])
    return _finish(table, alpha, lambda r: _crime_sentence(r, compare), CRIME_COLUMNS)


# --- shares -------------------------------------------------------------------------------------


def _share_change(
    answered: pd.DataFrame,
    positive: np.ndarray,
    label: str,
    level: str,
    compare: str,
    alpha: float,
    weight_column: str | None,
) -> pd.DataFrame:
    lag = _lag(compare)
    weights = _weights(answered, weight_column)
    frame = pd.DataFrame(
        {
            "area_code": _area_codes(answered, level),
            "wave": answered["wave"].astype(str).to_numpy(),
            "w": weights,
            "wy": weights * positive,
            "w2": weights**2,
            "n": 1,
        }
    )
    sums = frame.groupby(["area_code", "wave"])[["w", "wy", "w2", "n"]].sum()
    waves = sorted(frame["wave"].unique())
    areas = sorted(frame["area_code"].unique())
    rows = []
    for wave in waves:
        previous = str(pd.Period(wave, freq="Q") - lag)
        if previous not in waves:
            continue
        for code in areas:
            now, before = _wave_sums(sums, code, wave), _wave_sums(sums, code, previous)
            rows.append({"area_code": code, "wave": wave, "previous_wave": previous, **_compare_shares(now, before)})
    table = pd.DataFrame(rows, columns=SHARE_COLUMNS[:11])
    return _finish(table, alpha, lambda r: _share_sentence(r, label, compare), SHARE_COLUMNS)


def _wave_sums(sums: pd.DataFrame, code: str, wave: str) -> dict[str, float]:
    if (code, wave) in sums.index:
        return sums.loc[(code, wave)].to_dict()
    return {"w": 0.0, "wy": 0.0, "w2": 0.0, "n": 0}


def _compare_shares(now: dict[str, float], before: dict[str, float]) -> dict[str, float]:
    """Shares, Kish effective sizes and the z-test p-value (NaN when a base is too small)."""
    share = now["wy"] / now["w"] if now["w"] > 0 else np.nan
    previous_share = before["wy"] / before["w"] if before["w"] > 0 else np.nan
    n_eff = _kish(now)
    previous_n_eff = _kish(before)
    p_value = np.nan
    if now["n"] >= MIN_ANSWERS and before["n"] >= MIN_ANSWERS:
        p_value = _two_proportion_p(share, n_eff, previous_share, previous_n_eff)
    return {
        "n": int(now["n"]),
        "previous_n": int(before["n"]),
        "n_effective": n_eff,
        "previous_n_effective": previous_n_eff,
        "share": share,
        "previous_share": previous_share,
        "change_points": 100 * (share - previous_share),
        "p_value": p_value,
    }


def _kish(sums: dict[str, float]) -> float:
    """Kish's effective sample size (sum w)^2 / sum w^2; the count itself when weights are equal."""
    return sums["w"] ** 2 / sums["w2"] if sums["w2"] > 0 else 0.0


def _two_proportion_p(share: float, n: float, previous_share: float, previous_n: float) -> float:
    """Two-sided p-value of the pooled two-proportion z-test (1 when both shares are 0 or both 1)."""
    pooled = (share * n + previous_share * previous_n) / (n + previous_n)
    if pooled <= 0 or pooled >= 1:
        return 1.0
    _, p_value = proportions_ztest([share * n, previous_share * previous_n], [n, previous_n])
    return float(p_value)


def _share_sentence(row: pd.Series, label: str, compare: str) -> str:
    against = _AGAINST[compare]
    if np.isnan(row["p_value"]):
        return f"Too few answers to compare {against} (fewer than {MIN_ANSWERS} in a quarter)."
    points = round(row["change_points"])
    span = f"{row['previous_share']:.0%} to {row['share']:.0%}"
    if points == 0:
        moved = f"{label} barely changed {against} ({span})"
    else:
        word = "rose" if points > 0 else "fell"
        unit = "point" if abs(points) == 1 else "points"
        moved = f"{label} {word} {abs(points)} {unit} {against} ({span})"
    return f"{moved}, {_verdict(row['significant'])}."


# --- crime --------------------------------------------------------------------------------------


def _crime_row(code: str, wave: str, previous: str, records: int, previous_records: int) -> dict:
    p_value = np.nan
    if records + previous_records >= MIN_RECORDS:
        p_value = float(test_poisson_2indep(records, 1, previous_records, 1, method="score").pvalue)
    return {
        "area_code": code,
        "wave": wave,
        "previous_wave": previous,
        "records": records,
        "previous_records": previous_records,
        "change_percent": 100 * (records / previous_records - 1) if previous_records else np.nan,
        "rate_ratio": records / previous_records if previous_records else np.nan,
        "p_value": p_value,
    }


def _crime_sentence(row: pd.Series, compare: str) -> str:
    against = _AGAINST[compare]
    counts = f"{row['previous_records']} to {row['records']} records"
    if np.isnan(row["p_value"]):
        return f"Too few crimes to compare {against} ({counts})."
    if np.isnan(row["change_percent"]):
        return f"Crime rose from none {against} ({counts}), {_verdict(row['significant'])}."
    percent = round(row["change_percent"])
    if percent == 0:
        moved = f"Crime barely changed {against} ({counts})"
    else:
        moved = f"Crime {'rose' if percent > 0 else 'fell'} {abs(percent)}% {against} ({counts})"
    return f"{moved}, {_verdict(row['significant'])}."


# --- shared -------------------------------------------------------------------------------------


def _finish(
    table: pd.DataFrame, alpha: float, sentence: Callable[[pd.Series], str], columns: list[str]
) -> pd.DataFrame:
    """Benjamini-Hochberg over every tested row, the significance flag and the sentences."""
    if not 0 < alpha < 1:
        raise LPTError(f"alpha must be between 0 and 1, not {alpha}")
    table["p_adjusted"] = _benjamini_hochberg(table["p_value"].to_numpy(dtype=float))
    table["significant"] = (table["p_adjusted"] < alpha).to_numpy(dtype=bool)
    table["sentence"] = [sentence(row) for _, row in table.iterrows()] if len(table) else []
    return table[columns].sort_values(["area_code", "wave"], ignore_index=True)


def _benjamini_hochberg(p_values: np.ndarray) -> np.ndarray:
    """BH-adjusted p-values of the non-missing entries (NaN stays NaN)."""
    adjusted = np.full(len(p_values), np.nan)
    tested = ~np.isnan(p_values)
    if tested.any():
        adjusted[tested] = multipletests(p_values[tested], method="fdr_bh")[1]
    return adjusted


def _verdict(significant: bool) -> str:
    return "unlikely to be chance" if significant else "could be chance"


def _lag(compare: str) -> int:
    if compare not in _LAGS:
        raise LPTError(f"compare must be one of {', '.join(_LAGS)}, not {compare!r}")
    return _LAGS[compare]


def _area_codes(frame: pd.DataFrame, level: str) -> np.ndarray:
    if level not in _LEVELS:
        raise LPTError(f"level must be one of {', '.join(_LEVELS)}, not {level!r}")
    column = _LEVELS[level]
    if column is None:
        return np.full(len(frame), "force", dtype=object)
    _check_columns(frame, [column])
    return frame[column].astype(str).to_numpy()


def _weights(frame: pd.DataFrame, weight_column: str | None) -> np.ndarray:
    if weight_column is None or weight_column not in frame.columns:
        return np.ones(len(frame))
    weights = pd.to_numeric(frame[weight_column]).to_numpy(dtype=float)
    if np.isnan(weights).any() or (weights < 0).any():
        raise LPTError(f"weights in {weight_column!r} must be present and non-negative")
    return weights


def _check_columns(frame: pd.DataFrame, columns: list[str]) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise LPTError(f"missing columns: {', '.join(missing)}")
