"""Survey weighting (lpt.stats.weighting): raking against hand-worked examples and samplics,
precision (Kish efficiency, intervals), small bases, and the synthetic generator's planted skews."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest

from lpt.disclosure import RULES, Audience
from lpt.stats.weighting import (
    NOT_STATED,
    RESULT_COLUMNS,
    SMALL_BASE,
    margins,
    rake,
    rake_cells,
    weighted_confidence,
    weighted_estimate,
)
from lpt.vocab import AGE_BANDS, ETHNIC_GROUPS

Z = 1.959963984540054
OLDER = ["55-64", "65-74", "75+"]


def _frame(cells: dict[tuple[str, str], int]) -> pd.DataFrame:
    rows = [pair for pair, count in cells.items() for _ in range(count)]
    return pd.DataFrame(rows, columns=["age_band", "ethnic_group"])


def _wilson(p: float, n: float) -> tuple[float, float]:
    """Textbook Wilson score interval, written out independently of the module."""
    denominator = 1 + Z**2 / n
    centre = (p + Z**2 / (2 * n)) / denominator
    half = Z * math.sqrt(p * (1 - p) / n + Z**2 / (4 * n**2)) / denominator
    return centre - half, centre + half


def _weighted_shares(weights: pd.Series, labels: pd.Series) -> pd.Series:
    totals = weights.groupby(labels.to_numpy()).sum()
    return totals / totals.sum()


# --- raking: hand-worked -------------------------------------------------------------------


def test_rake_two_by_two_matches_the_closed_form():
    """10 respondents, young/old by White/Other, targets 50/50 and 70/30 (weights sum to n = 10).

    Raking keeps the sample's cross-product ratio (Deming & Stephan; Mosteller 1968):
    with weighted cell totals T, T_yW*T_oO / (T_yO*T_oW) = (2*1)/(1*6) = 1/3. With
    margins young 5, old 5, White 7, Other 3 and T_yW = x: T_yO = 5 - x, T_oW = 7 - x,
    T_oO = x - 2, so 3x(x - 2) = (5 - x)(7 - x), i.e. 2x^2 + 6x - 35 = 0,
    x = (-6 + sqrt(316)) / 4 = 2.9441. Each cell's weight is T / n_cell.
    """
    sample = _frame({("young", "White"): 2, ("young", "Other"): 1, ("old", "White"): 6, ("old", "Other"): 1})
    targets = {
        "age_band": pd.Series({"young": 0.5, "old": 0.5}),
        "ethnic_group": pd.Series({"White": 0.7, "Other": 0.3}),
    }
    weights = rake(sample, targets, cap=None)
    x = (-6 + math.sqrt(316)) / 4
    by_cell = {
        ("young", "White"): x / 2,
        ("young", "Other"): 5 - x,
        ("old", "White"): (7 - x) / 6,
        ("old", "Other"): x - 2,
    }
    expected = [by_cell[pair] for pair in zip(sample["age_band"], sample["ethnic_group"])]
    np.testing.assert_allclose(weights.to_numpy(), expected, atol=1e-8)
    assert weights.sum() == pytest.approx(10)
    assert _weighted_shares(weights, sample["age_band"]).to_dict() == pytest.approx({"young": 0.5, "old": 0.5})
    assert _weighted_shares(weights, sample["ethnic_group"]).to_dict() == pytest.approx({"White": 0.7, "Other": 0.3})


def test_rake_matches_explicit_ipf_iterations_and_keeps_the_index():
    """A 3x2 example against a plain IPF loop written here (rows, then columns, 200 sweeps)."""
    sample = _frame({("a", "x"): 3, ("a", "y"): 1, ("b", "x"): 2, ("b", "y"): 4, ("c", "x"): 5, ("c", "y"): 1})
    sample.index = [f"R{i:02d}" for i in range(len(sample))][::-1]
    age, eth = pd.Series({"a": 2.0, "b": 5.0, "c": 3.0}), pd.Series({"x": 60.0, "y": 40.0})  # counts work too
    weights = rake(sample, {"age_band": age, "ethnic_group": eth}, cap=None)
    w = np.ones(len(sample))
    for _ in range(200):
        for column, target in (("age_band", age / age.sum()), ("ethnic_group", eth / eth.sum())):
            labels = sample[column].to_numpy()
            for category, share in target.items():
                w[labels == category] *= share * len(w) / w[labels == category].sum()
    assert list(weights.index) == list(sample.index)
    np.testing.assert_allclose(weights.to_numpy(), w, atol=1e-8)


def test_blank_answers_keep_their_sample_share_and_the_stated_match_the_census():
    sample = _frame(
        {
            ("young", "White"): 2,
            ("young", "Other"): 1,
            ("old", "White"): 5,
            ("", "White"): 1,
            ("old", ""): 1,
            ("", ""): 2,
        }
    )
    targets = {
        "age_band": pd.Series({"young": 0.5, "old": 0.5}),
        "ethnic_group": pd.Series({"White": 0.7, "Other": 0.3}),
    }
    weights = rake(sample, targets, cap=None)
    assert len(weights) == 12 and (weights > 0).all() and weights.mean() == pytest.approx(1)
    age = _weighted_shares(weights, sample["age_band"])
    assert age[""] == pytest.approx(3 / 12)  # blank: its own sample share
    assert age["young"] == pytest.approx(age["old"])  # stated: census 50/50
    eth = _weighted_shares(weights, sample["ethnic_group"])
    assert eth[""] == pytest.approx(3 / 12)
    assert eth["White"] / eth["Other"] == pytest.approx(0.7 / 0.3)


def test_census_categories_without_respondents_are_collapsed_and_census_less_answers_kept():
    sample = _frame({("young", "White"): 4, ("old", "White"): 4, ("old", "Black"): 2})
    targets = {
        "age_band": pd.Series({"young": 0.3, "middle": 0.3, "old": 0.4}),  # nobody middle-aged answered
        "ethnic_group": pd.Series({"White": 1.0, "Black": 0.0}),  # the census has no Black residents here
    }
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # converges
        weights = rake(sample, targets, cap=None)
    age = _weighted_shares(weights, sample["age_band"])
    assert age["young"] / age["old"] == pytest.approx(0.3 / 0.4)
    assert _weighted_shares(weights, sample["ethnic_group"])["Black"] == pytest.approx(0.2)  # as NOT_STATED
    assert NOT_STATED not in set(sample["ethnic_group"])


def test_cap_trims_and_re_rakes():
    sample = _frame({("young", "White"): 1, ("young", "Other"): 1, ("old", "White"): 30, ("old", "Other"): 8})
    targets = {
        "age_band": pd.Series({"young": 0.4, "old": 0.6}),
        "ethnic_group": pd.Series({"White": 0.8, "Other": 0.2}),
    }
    free = rake(sample, targets, cap=None)
    assert free.max() > 5
    capped = rake(sample, targets, cap=5.0)
    assert capped.max() == pytest.approx(5) and capped.mean() == pytest.approx(1)
    # both young are capped at 5 (10 of 40, short of the 16 wanted); the old are re-raked
    # to what is left: White 32 - 5 = 27 of the old's 30, so the ethnic margin still holds
    assert capped[sample["age_band"] == "young"].tolist() == pytest.approx([5, 5])
    assert _weighted_shares(capped, sample["ethnic_group"])["White"] == pytest.approx(0.8)
    assert _weighted_shares(capped, sample["age_band"])["young"] == pytest.approx(10 / 40)
    old = sample["age_band"] == "old"
    assert capped[old & (sample["ethnic_group"] == "White")].iloc[0] == pytest.approx(27 / 30)
    assert capped[old & (sample["ethnic_group"] == "Other")].iloc[0] == pytest.approx(3 / 8)
    with pytest.raises(ValueError):
        rake(sample, targets, cap=1.0)


def test_rake_cells_rakes_each_area_and_wave_to_its_own_area():
    """Two areas over two waves: each cell's weights have mean 1 and match its area's targets; an area the
    census lacks keeps weight 1."""
    sample = _frame({("young", "White"): 3, ("young", "Other"): 1, ("old", "White"): 5, ("old", "Other"): 1})
    sample = pd.concat([sample.assign(area=area, wave=wave) for area in ("A", "B", "Z") for wave in ("w1", "w2")],
                       ignore_index=True).iloc[::-1]  # any order
    shares = {"age_band": pd.DataFrame({"young": [0.5, 0.2], "old": [0.5, 0.8]}, index=["A", "B"]),
              "ethnic_group": pd.DataFrame({"White": [0.9, 0.6], "Other": [0.1, 0.4]}, index=["A", "B"])}
    weights = rake_cells(sample, shares, area="area", by=["wave"])
    assert weights.index.equals(sample.index)
    for (area, _), cell in sample.groupby(["area", "wave"]):
        w = weights.loc[cell.index]
        assert w.mean() == pytest.approx(1.0)
        if area == "Z":
            assert (w == 1).all()
            continue
        for variable, frame in shares.items():
            expected = frame.loc[area].to_dict()
            assert _weighted_shares(w, cell[variable]).to_dict() == pytest.approx(expected, abs=1e-6)


def test_rake_edge_cases():
    targets = {"age_band": pd.Series({"young": 0.5, "old": 0.5})}
    assert rake(pd.DataFrame({"age_band": []}, dtype=str), targets).empty
    everyone_blank = rake(pd.DataFrame({"age_band": ["", "", ""]}), targets)
    assert everyone_blank.tolist() == [1.0, 1.0, 1.0]


# --- raking: against a second library ---------------------------------------------------------


def test_rake_agrees_with_samplics():
    """weightipy (via rake) and samplics' SampleWeight.rake on a random 400-respondent example."""
    rng = np.random.default_rng(3)
    n = 400
    sample = pd.DataFrame(
        {
            "age_band": rng.choice(list(AGE_BANDS), n, p=[0.03, 0.07, 0.1, 0.15, 0.2, 0.25, 0.2]),
            "ethnic_group": rng.choice(list(ETHNIC_GROUPS), n, p=[0.05, 0.03, 0.02, 0.85, 0.05]),
        }
    )
    age = pd.Series([0.12, 0.18, 0.17, 0.16, 0.15, 0.12, 0.10], index=list(AGE_BANDS))
    eth = pd.Series([0.15, 0.06, 0.04, 0.72, 0.03], index=list(ETHNIC_GROUPS))
    ours = rake(sample, {"age_band": age, "ethnic_group": eth}, cap=None)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # samplics warns on import that it is archived
        from samplics.weighting import SampleWeight

        theirs = SampleWeight().rake(
            samp_weight=np.ones(n),
            margins={"age_band": sample["age_band"].to_numpy(), "ethnic_group": sample["ethnic_group"].to_numpy()},
            control={"age_band": (age * n).to_dict(), "ethnic_group": (eth * n).to_dict()},
            tol=1e-12,
            ctrl_tol=1e-12,
            max_iter=1000,
        )
    assert ours.std() > 0.3  # a real adjustment, not near-equal weights
    assert np.abs(ours.to_numpy() - theirs).max() < 1e-8


# --- precision ------------------------------------------------------------------------------


def test_equal_weights_give_efficiency_one_and_the_unweighted_intervals():
    values = np.array([1] * 18 + [0] * 22)
    share = weighted_estimate(values, np.full(40, 2.5), kind="proportion")
    assert (share.n, share.efficiency, share.estimate) == (40, pytest.approx(1), pytest.approx(18 / 40))
    assert (share.ci_low, share.ci_high) == pytest.approx(_wilson(18 / 40, 40))
    scores = np.array([1, 2, 2, 3, 3, 3, 4, 4, 5, 5, 4, 3] * 3, dtype=float)
    mean = weighted_estimate(scores, None, kind="mean")
    half = Z * scores.std(ddof=1) / math.sqrt(len(scores))
    assert (mean.ci_low, mean.ci_high) == pytest.approx((scores.mean() - half, scores.mean() + half))
    assert mean.efficiency == pytest.approx(1)


def test_unequal_weights_lower_efficiency_and_widen_the_interval():
    values = np.array([1, 0] * 30, dtype=float)
    weights = np.tile([1.0, 3.0, 3.0, 1.0], 15)  # same weighted share (0.5) as unweighted
    flat = weighted_estimate(values, None, kind="proportion")
    weighted = weighted_estimate(values, weights, kind="proportion")
    n_eff = weights.sum() ** 2 / (weights**2).sum()
    assert weighted.estimate == pytest.approx(0.5)
    assert weighted.efficiency == pytest.approx(n_eff / 60) and weighted.efficiency < 1
    assert (weighted.ci_low, weighted.ci_high) == pytest.approx(_wilson(0.5, n_eff))
    assert weighted.ci_high - weighted.ci_low > flat.ci_high - flat.ci_low
    mean_flat = weighted_estimate(values * 4 + 1, None)
    mean_weighted = weighted_estimate(values * 4 + 1, weights)
    assert mean_weighted.ci_high - mean_weighted.ci_low > mean_flat.ci_high - mean_flat.ci_low


def test_missing_values_are_dropped_and_bad_input_refused():
    estimate = weighted_estimate([1, 0, None, 1, 1, 0, 1], [1, 1, 50, 1, 1, 1, 1], kind="proportion")
    assert estimate.n == 6 and estimate.estimate == pytest.approx(4 / 6)
    with pytest.raises(ValueError):
        weighted_estimate([1, 2, 3], kind="proportion")
    with pytest.raises(ValueError):
        weighted_estimate([1, 0, 1], [1, 1], kind="proportion")
    with pytest.raises(ValueError):
        weighted_estimate([1, 0, 1], kind="median")


def test_small_bases_are_flagged_and_tiny_ones_suppressed():
    threshold = RULES[Audience.INTERNAL].threshold
    assert not weighted_estimate([1, 0] * (SMALL_BASE // 2), kind="proportion").small_base
    small = weighted_estimate([1, 0] * ((SMALL_BASE - 1) // 2), kind="proportion")
    assert small.small_base and not small.suppressed and small.estimate == pytest.approx(0.5)
    shown = weighted_estimate([1] * threshold, kind="proportion")
    assert not shown.suppressed
    hidden = weighted_estimate([1] * (threshold - 1), kind="proportion")
    assert hidden.suppressed and hidden.small_base and hidden.n == threshold - 1
    assert (hidden.estimate, hidden.ci_low, hidden.ci_high, hidden.efficiency) == (None, None, None, None)


# --- margins and the per-area table ------------------------------------------------------------


def _census() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    lsoas = pd.Index(["L1", "L2", "L3"], name="lsoa21_code")
    age = pd.DataFrame(0.0, index=lsoas, columns=list(AGE_BANDS))
    age.loc["L1", ["18-24", "75+"]] = [30, 10]
    age.loc["L2", ["18-24", "75+"]] = [10, 30]
    age.loc["L3", ["18-24", "75+"]] = [50, 50]
    eth = pd.DataFrame(0.0, index=lsoas, columns=list(ETHNIC_GROUPS))
    eth.loc[:, ["White", "Asian"]] = [[20, 20], [40, 0], [90, 10]]
    areas = pd.DataFrame({"lsoa21_code": lsoas, "ward_code": ["W1", "W1", "W2"], "district_code": "D1"})
    return age, eth, areas


def test_margins_sum_lsoas_into_areas():
    age, eth, areas = _census()
    shares = margins(age, eth, areas.set_index("lsoa21_code")["ward_code"])
    assert shares["age_band"].loc["W1", ["18-24", "75+"]].tolist() == [0.5, 0.5]
    assert shares["ethnic_group"].loc["W1", ["White", "Asian"]].tolist() == [0.75, 0.25]
    assert shares["ethnic_group"].loc["W2", "White"] == 0.9
    assert np.allclose(shares["age_band"].sum(axis=1), 1) and list(shares["age_band"].columns) == list(AGE_BANDS)
    district = margins(age, eth, areas.set_index("lsoa21_code")["district_code"])
    assert district["age_band"].loc["D1", "18-24"] == pytest.approx(90 / 180)


def test_weighted_confidence_per_area_with_suppression():
    age, eth, areas = _census()
    # W1: 40 answers, the old over-represented and more confident; W2: 3 answers (suppressed)
    young = [("W1", "18-24", "White", 2)] * 10
    old = [("W1", "75+", "White", 5)] * 26 + [("W1", "75+", "Asian", 2)] * 4
    rows = young + old + [("W2", "18-24", "White", 4)] * 3
    answers = pd.DataFrame(rows, columns=["ward_code", "age_band", "ethnic_group", "confidence"])
    answers = answers.assign(district_code="D1", wave=["2025Q1", "2025Q2"] * 21 + ["2025Q1"])
    table = weighted_confidence(answers, age, eth, areas=areas)
    assert list(table.columns) == RESULT_COLUMNS and table["area_code"].tolist() == ["W1", "W2"]
    w1, w2 = table.iloc[0], table.iloc[1]
    assert w1["n"] == 40 and w1["unweighted"] == pytest.approx(26 / 40)
    # weighted: young (all not confident) are half of W1's adults; old White 26 of 30 old
    assert w1["weighted"] < w1["unweighted"] and w1["efficiency"] < 1
    assert w1["ci_low"] < w1["weighted"] < w1["ci_high"] and not w1["small_base"]
    assert w2["n"] == 3 and w2["small_base"] and np.isnan(w2["weighted"]) and np.isnan(w2["unweighted"])
    one_wave = weighted_confidence(answers, age, eth, areas=areas, waves=["2025Q2"], level="district", measure="mean")
    assert one_wave["area_code"].tolist() == ["D1"] and one_wave["n"].tolist() == [21]
    assert 1 <= one_wave["weighted"].iloc[0] <= 5
    with pytest.raises(ValueError):
        weighted_confidence(answers, age, eth, areas=areas, level="lsoa")


# --- the synthetic generator's planted skews ----------------------------------------------------


@pytest.fixture(scope="module")
def synthetic():
    """Tiny calibration (2 wards, 4 LSOAs, ~12,000 households), its census and survey answers."""
    from lpt.synth import generate
    from tests.synth_calibration import tiny_calibration

    calibration = tiny_calibration(households=3000)
    data = generate(calibration, seed=11, scale="force")
    members = data.members.set_index("member_id")[["age_band", "ethnic_group", "lsoa21_code", "true_age_band"]]
    answers = data.surveys.join(members, on="member_id").assign(district_code="E06000001")
    # the calibration has shares per LSOA; one adult is drawn per household, so shares x households
    households = calibration.areas.set_index("lsoa21_code")["households"]
    census_age = calibration.age.mul(households, axis=0)
    census_ethnic = calibration.ethnicity.mul(households, axis=0)
    areas = calibration.areas[["lsoa21_code", "ward_code", "district_code"]]
    return answers, census_age, census_ethnic, areas


def test_planted_age_skew_is_found_and_weighted_away(synthetic):
    answers, census_age, census_ethnic, areas = synthetic
    targets = margins(census_age, census_ethnic, areas.set_index("lsoa21_code")["ward_code"])
    for ward, group in answers.groupby("ward_code"):
        weights = rake(group, {name: frame.loc[ward] for name, frame in targets.items()})
        census = targets["age_band"].loc[ward]
        stated = group["age_band"] != ""
        assert (~stated).mean() > 0.2  # the generator's blanks are there, and kept
        unweighted = group.loc[stated, "age_band"].value_counts(normalize=True).reindex(census.index, fill_value=0)
        weighted = _weighted_shares(weights[stated], group.loc[stated, "age_band"]).reindex(census.index)
        # the planted skew: older people over-represented among respondents ...
        assert unweighted[OLDER].sum() > census[OLDER].sum() + 0.1
        # ... and the weighted respondents match the census
        assert np.abs(weighted - census).max() < 0.01
        white = census_ethnic.groupby(areas.set_index("lsoa21_code")["ward_code"]).sum().loc[ward]
        white = white["White"] / white.sum()
        eth_stated = group["ethnic_group"] != ""
        eth_weighted = _weighted_shares(weights[eth_stated], group.loc[eth_stated, "ethnic_group"])
        assert eth_weighted["White"] == pytest.approx(white, abs=0.01)
        assert (group.loc[eth_stated, "ethnic_group"] == "White").mean() > white  # White over-represented


def test_weighting_lowers_confidence_where_the_confident_old_are_over_represented(synthetic):
    answers, census_age, census_ethnic, areas = synthetic
    table = weighted_confidence(answers, census_age, census_ethnic, areas=areas)
    assert table["area_code"].tolist() == ["E05000001", "E05000002"]
    assert (table["n"] > 500).all() and not table["small_base"].any()
    assert (table["efficiency"] < 0.9).all() and (table["efficiency"] > 0.3).all()
    # the generator makes older members more confident, so removing their excess lowers the share
    assert (table["weighted"] < table["unweighted"]).all()
    assert ((table["ci_low"] < table["weighted"]) & (table["weighted"] < table["ci_high"])).all()


# --- reading from the store ---------------------------------------------------------------------


def test_load_inputs_from_the_bundled_store(bundled_store):
    from lpt.stats.weighting import load_inputs

    inputs = load_inputs(bundled_store)
    assert inputs.respondents.empty  # no community data in the bundled store
    assert list(inputs.census_age.columns) == list(AGE_BANDS) and len(inputs.census_age) > 0
    assert list(inputs.census_ethnic.columns) == list(ETHNIC_GROUPS)
    assert set(inputs.census_age.index) <= set(inputs.areas["lsoa21_code"])
    table = weighted_confidence(inputs.respondents, inputs.census_age, inputs.census_ethnic, areas=inputs.areas)
    assert table.empty and list(table.columns) == RESULT_COLUMNS
