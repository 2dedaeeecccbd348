"""Change over time: hand-computed tests, planted changes found, no-change flagged at the test's level."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from lpt.errors import LPTError
from lpt.stats.change import (
    CRIME_COLUMNS,
    SHARE_COLUMNS,
    _benjamini_hochberg,
    confidence_change,
    crime_change,
    priority_change,
)
from lpt.synth import PlantedChange, generate
from lpt.synth.surveys import CONFIDENCE_EFFECTS
from tests.synth_calibration import tiny_calibration


def _answers(area: str, wave: str, confident: int, n: int, **extra) -> pd.DataFrame:
    """n answers in one ward and wave, the first ``confident`` of them 4 (confident), the rest 2."""
    return pd.DataFrame(
        {"ward_code": area, "wave": wave, "confidence": [4] * confident + [2] * (n - confident), **extra}
    )


def _pooled_z_p(x1: float, n1: float, x0: float, n0: float) -> float:
    pooled = (x1 + x0) / (n1 + n0)
    z = (x1 / n1 - x0 / n0) / np.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n0))
    return 2 * stats.norm.sf(abs(z))


def test_two_proportion_z_test_matches_the_formula_and_reads_as_a_sentence():
    answers = pd.concat([_answers("W1", "2024Q4", 60, 100), _answers("W1", "2025Q1", 45, 100)])
    table = confidence_change(answers)
    assert list(table.columns) == SHARE_COLUMNS
    row = table.iloc[0]
    assert (row["wave"], row["previous_wave"], row["n"], row["previous_n"]) == ("2025Q1", "2024Q4", 100, 100)
    assert row["change_points"] == pytest.approx(-15)
    assert row["p_value"] == pytest.approx(_pooled_z_p(45, 100, 60, 100), rel=1e-9)
    assert row["p_value"] == pytest.approx(0.03367, abs=1e-5)
    assert row["p_adjusted"] == pytest.approx(row["p_value"])  # one comparison: nothing to correct
    assert row["significant"]
    assert row["sentence"] == "Confidence fell 15 points on the quarter before (60% to 45%), unlikely to be chance."


def test_a_small_change_could_be_chance_and_a_small_base_is_not_tested():
    answers = pd.concat(
        [
            _answers("W1", "2024Q4", 60, 100), _answers("W1", "2025Q1", 57, 100),
            _answers("W2", "2024Q4", 20, 29), _answers("W2", "2025Q1", 5, 40),
        ]
    )
    table = confidence_change(answers).set_index("area_code")
    assert not table.at["W1", "significant"]
    assert table.at["W1", "sentence"].endswith("(60% to 57%), could be chance.")
    assert np.isnan(table.at["W2", "p_value"]) and not table.at["W2", "significant"]
    assert table.at["W2", "sentence"].startswith("Too few answers to compare")
    assert "29" not in table.at["W2", "sentence"]  # counts from personal data stay out of sentences


def test_year_on_year_compares_the_same_quarter_and_unanswered_rows_are_left_out():
    answers = pd.concat(
        [_answers("W1", "2024Q1", 30, 50), _answers("W1", "2024Q4", 10, 50), _answers("W1", "2025Q1", 20, 50)]
    )
    answers.loc[answers.index[:5], "confidence"] = np.nan  # five of 2024Q1's confident did not answer
    table = confidence_change(answers, compare="year")
    assert table[["wave", "previous_wave"]].values.tolist() == [["2025Q1", "2024Q1"]]
    assert table.iloc[0]["previous_n"] == 45 and table.iloc[0]["previous_share"] == pytest.approx(25 / 45)
    assert "on the same quarter a year before" in table.iloc[0]["sentence"]


def test_weights_give_weighted_shares_and_kish_effective_sizes():
    rng = np.random.default_rng(1)
    before = _answers("W1", "2024Q4", 50, 80, weight=rng.uniform(0.5, 3, 80))
    after = _answers("W1", "2025Q1", 30, 90, weight=rng.uniform(0.5, 3, 90))
    row = confidence_change(pd.concat([before, after])).iloc[0]
    for frame, share, n_eff in ((after, "share", "n_effective"), (before, "previous_share", "previous_n_effective")):
        w, y = frame["weight"].to_numpy(), (frame["confidence"] >= 4).to_numpy()
        assert row[share] == pytest.approx((w * y).sum() / w.sum())
        assert row[n_eff] == pytest.approx(w.sum() ** 2 / (w**2).sum())
    expected = _pooled_z_p(
        row["share"] * row["n_effective"], row["n_effective"],
        row["previous_share"] * row["previous_n_effective"], row["previous_n_effective"],
    )
    assert row["p_value"] == pytest.approx(expected, rel=1e-9)
    assert row["n"] == 90 and row["n_effective"] < 90


def test_benjamini_hochberg_on_a_known_vector():
    adjusted = _benjamini_hochberg(np.array([0.01, 0.04, 0.03, 0.005, np.nan]))
    # sorted 0.005, 0.01, 0.03, 0.04 -> x4/1, x4/2, x4/3, x4/4 = .02, .02, .04, .04 (already monotone)
    np.testing.assert_allclose(adjusted[:4], [0.02, 0.04, 0.04, 0.02])
    assert np.isnan(adjusted[4])
    np.testing.assert_allclose(_benjamini_hochberg(np.array([0.02, 0.5, 0.04])), [0.06, 0.5, 0.06])


def test_the_table_corrects_all_its_comparisons_at_once():
    answers = pd.concat(
        [_answers(f"W{i}", w, c, 100) for i, (a, b) in enumerate([(60, 45), (60, 50), (60, 58), (60, 40)])
         for w, c in (("2024Q4", a), ("2025Q1", b))]
    )
    table = confidence_change(answers)
    p = table["p_value"].to_numpy()
    order = np.argsort(p)
    by_rank = p[order] * len(p) / np.arange(1, len(p) + 1)
    hand = np.minimum.accumulate(by_rank[::-1])[::-1]
    np.testing.assert_allclose(table["p_adjusted"].to_numpy()[order], np.minimum(hand, 1))
    assert (table["p_adjusted"] >= table["p_value"]).all()
    by_area = table.set_index("area_code")
    assert by_area.at["W3", "significant"]  # 60% to 40%: p about 0.005, 0.02 after correction
    assert by_area.at["W0", "p_value"] < 0.05 and not by_area.at["W0", "significant"]  # 0.034 alone, 0.067 of four


def test_priority_change_counts_the_topic_among_all_three_priorities():
    before = pd.DataFrame(
        {"ward_code": "W1", "wave": "2025Q1", "priority_1": ["drugs"] * 10 + ["asb"] * 30 + [""] * 5,
         "priority_2": [""] * 30 + ["drugs"] * 10 + [""] * 5, "priority_3": ""}
    )
    after = pd.DataFrame(
        {"ward_code": "W1", "wave": "2025Q2", "priority_1": ["speeding"] * 40, "priority_2": ["drugs"] * 4 + [""] * 36,
         "priority_3": ""}
    )
    row = priority_change(pd.concat([before, after]), "drugs").iloc[0]
    assert (row["topic"], row["n"], row["previous_n"]) == ("drugs", 40, 40)  # blanks are not in the base
    assert row["previous_share"] == pytest.approx(0.5) and row["share"] == pytest.approx(0.1)
    assert row["p_value"] == pytest.approx(_pooled_z_p(4, 40, 20, 40), rel=1e-9)
    assert row["sentence"].startswith("The share naming drugs as a priority fell 40 points")
    with pytest.raises(LPTError):
        priority_change(before, "dragons")


def _crime(rows: list[tuple[str, str, int]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["ward_code", "month", "records"])


def test_poisson_rate_test_matches_the_score_formula():
    months = [f"2024-{m:02d}" for m in range(10, 13)] + [f"2025-{m:02d}" for m in range(1, 4)]
    counts = [40, 30, 30, 41, 41, 41]  # 100 then 123
    table = crime_change(_crime([("W1", m, c) for m, c in zip(months, counts)]))
    assert list(table.columns) == CRIME_COLUMNS
    row = table.iloc[0]
    assert (row["wave"], row["previous_wave"], row["records"], row["previous_records"]) == ("2025Q1", "2024Q4", 123, 100)
    assert row["change_percent"] == pytest.approx(23)
    assert row["p_value"] == pytest.approx(2 * stats.norm.sf(23 / np.sqrt(223)), rel=1e-9)  # (y1 - y0) / sqrt(y1 + y0)
    assert row["sentence"] == "Crime rose 23% on the quarter before (100 to 123 records), could be chance."
    doubled = crime_change(_crime([("W1", m, c * (2 if m >= "2025" else 1)) for m, c in zip(months, counts)]))
    assert doubled.iloc[0]["significant"]
    assert doubled.iloc[0]["sentence"] == "Crime rose 146% on the quarter before (100 to 246 records), unlikely to be chance."


def test_crime_quarters_need_all_three_months_and_missing_ward_months_are_zero():
    rows = [("W1", f"2024-{m:02d}", 20) for m in range(1, 13)] + [("W1", "2025-01", 20)]
    rows += [("W2", "2024-01", 10), ("W2", "2025-01", 3)]  # W2 has nothing in most months
    table = crime_change(_crime(rows))
    assert sorted(table["wave"].unique()) == ["2024Q2", "2024Q3", "2024Q4"]  # 2025Q1 has one month only
    w2 = table[table["area_code"] == "W2"].set_index("wave")
    assert w2.at["2024Q2", "previous_records"] == 10 and w2.at["2024Q2", "records"] == 0
    assert np.isnan(w2.at["2024Q3", "p_value"]) and w2.at["2024Q3", "sentence"].startswith("Too few crimes")
    yearly = crime_change(_crime(rows + [("W1", "2025-02", 5), ("W1", "2025-03", 5)]), compare="year")
    assert yearly[["area_code", "wave", "previous_wave"]].values.tolist()[0] == ["W1", "2025Q1", "2024Q1"]
    assert yearly.iloc[0]["change_percent"] == pytest.approx(-50)


# --- planted truths of the community data generator ---------------------------------------------


@pytest.fixture(scope="module")
def planted():
    """Surveys where only the plant changes anything: the wards' own ups and downs from wave to wave are
    switched off, since a test of change rightly finds those too."""
    calibration = tiny_calibration(households=3000)
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(CONFIDENCE_EFFECTS, "ward_wave_sd", 0.0)
        north = generate(calibration, seed=5, scale="force", plant=PlantedChange(wards=("E05000001",), wave="2025Q1", shift=-1.0))
        south = generate(calibration, seed=5, scale="force", plant=PlantedChange(wards=("E05000002",), wave="2025Q1", shift=-1.0))
    return north.surveys, south.surveys


def _flags(table: pd.DataFrame) -> list[list[str]]:
    return table.loc[table["significant"], ["area_code", "wave"]].values.tolist()


def test_a_planted_fall_is_found_in_its_ward_and_wave_only(planted):
    north, south = planted
    # The south ward is mid-scale: its share confident (4-5) falls, and only there and then.
    table = confidence_change(south)
    assert _flags(table) == [["E05000002", "2025Q1"]]
    row = table[(table["area_code"] == "E05000002") & (table["wave"] == "2025Q1")].iloc[0]
    assert row["change_points"] < -10 and "fell" in row["sentence"] and "unlikely to be chance" in row["sentence"]
    # The north ward is deprived and high-crime: under 10% answer 4-5 even before, so the
    # planted shift shows lower down the scale (3 or more), and there only.
    table = confidence_change(north, at_least=3)
    assert _flags(table) == [["E05000001", "2025Q1"]]
    assert table.set_index(["area_code", "wave"]).at[("E05000001", "2025Q1"), "change_points"] < -10
    # Year on year, every wave after the plant differs from the year before, in the planted ward only.
    yearly = confidence_change(north, at_least=3, compare="year")
    assert {area for area, _ in _flags(yearly)} == {"E05000001"}
    assert ["E05000001", "2025Q1"] in _flags(yearly)


# --- planted no-change: flagged no more often than the test's level -----------------------------


def _null_draws(rng: np.random.Generator, draws: int, areas: int, n: int, weights: bool = False) -> list[pd.DataFrame]:
    out = []
    for _ in range(draws):
        p = rng.uniform(0.3, 0.8, areas).repeat(2 * n)  # the same true share in both waves
        frame = pd.DataFrame(
            {
                "ward_code": np.repeat([f"W{a}" for a in range(areas)], 2 * n),
                "wave": np.tile(np.repeat(["2024Q4", "2025Q1"], n), areas),
                "confidence": np.where(rng.random(len(p)) < p, 5, 1),
            }
        )
        if weights:
            frame["weight"] = rng.lognormal(0, 1, len(frame))
        out.append(frame)
    return out


def test_no_change_is_flagged_at_about_the_tests_level_and_less_after_correction():
    rng = np.random.default_rng(20251125)
    tables = [confidence_change(frame) for frame in _null_draws(rng, draws=200, areas=10, n=100)]
    p = np.concatenate([t["p_value"].to_numpy() for t in tables])
    assert len(p) == 2000
    assert (p < 0.05).mean() <= 0.065  # 0.05 + 3 binomial standard errors over 2000 comparisons
    assert (p < 0.05).mean() >= 0.035  # and the test is not dead
    any_raw = np.mean([(t["p_value"] < 0.05).any() for t in tables])
    any_bh = np.mean([t["significant"].any() for t in tables])
    assert any_raw > 0.25  # ten uncorrected tests: about 1 - 0.95^10 = 40% of draws flag something
    assert any_bh <= 0.09  # BH under no change anywhere: at most 5% of draws, plus a binomial margin


def test_kish_effective_size_keeps_the_level_under_unequal_weights():
    rng = np.random.default_rng(7)
    frames = _null_draws(rng, draws=100, areas=10, n=100, weights=True)
    p = np.concatenate([confidence_change(frame)["p_value"].to_numpy() for frame in frames])
    assert (p < 0.05).mean() <= 0.07
    # The same weighted shares tested on the raw number of answers flag far too often.
    naive = []
    for frame in frames:
        y = (frame["confidence"] >= 4).astype(float) * frame["weight"]
        sums = frame.assign(y=y).groupby(["ward_code", "wave"])[["y", "weight"]].sum()
        share = (sums["y"] / sums["weight"]).unstack()
        naive += [_pooled_z_p(s1 * 100, 100, s0 * 100, 100) for s0, s1 in share.to_numpy()]
    assert np.mean(np.array(naive) < 0.05) > 0.15


def test_no_change_in_crime_is_flagged_at_about_the_tests_level():
    rng = np.random.default_rng(3)
    months = [f"2024-{m:02d}" for m in range(10, 13)] + [f"2025-{m:02d}" for m in range(1, 4)]
    rows = [
        (f"D{d}W{w}", month, rng.poisson(rate))
        for d in range(100)
        for w, rate in enumerate(rng.uniform(5, 60, 10))
        for month in months
    ]
    table = crime_change(_crime(rows))
    assert len(table) == 1000
    assert (table["p_value"] < 0.05).mean() <= 0.07
    assert table["significant"].mean() <= 0.01


def test_bad_arguments_are_explained():
    answers = _answers("W1", "2025Q1", 10, 40)
    with pytest.raises(LPTError, match="compare"):
        confidence_change(answers, compare="month")
    with pytest.raises(LPTError, match="question"):
        confidence_change(answers, question="happiness")
    with pytest.raises(LPTError, match="missing columns"):
        confidence_change(answers, level="district")
    assert confidence_change(answers.assign(district_code="D1"), level="force")["area_code"].tolist() == []
