"""Matching comparison units on the before period: features, nearest neighbours, balance."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lpt.errors import LPTError
from lpt.evaluation.matching import (
    BALANCE_COLUMNS,
    FEATURE_COLUMNS,
    PAIR_COLUMNS,
    match_comparisons,
    matched_counts,
    matching_features,
)
from lpt.evaluation.panel import UNIT_COLUMNS, UnitCounts, panel_of
from tests.evaluation_panels import START, synthetic_panel


def _features() -> pd.DataFrame:
    """Two treated units, T1 high and rising, T2 low and flat, and candidates near each or far from both."""
    rows = [
        ("T1", True, -2.0, 0.10, 2), ("T2", True, -5.0, 0.00, 9),
        ("A1", False, -2.1, 0.09, 2), ("A2", False, -1.9, 0.11, 3), ("A3", False, -2.2, 0.10, 1),
        ("B1", False, -5.1, 0.00, 9), ("B2", False, -4.9, 0.01, 10), ("B3", False, -5.0, -0.01, 8),
        ("F1", False, -3.5, -0.20, 5), ("F2", False, -8.0, 0.30, 6),
    ]
    return pd.DataFrame(rows, columns=FEATURE_COLUMNS)


def test_nearest_candidates_are_the_obvious_ones():
    matching = match_comparisons(_features(), k=3)
    assert list(matching.pairs.columns) == PAIR_COLUMNS
    chosen = matching.pairs.groupby("treated_unit")["comparison_unit"].apply(set)
    assert chosen["T1"] == {"A1", "A2", "A3"} and chosen["T2"] == {"B1", "B2", "B3"}
    assert matching.comparison == ["A1", "A2", "A3", "B1", "B2", "B3"]
    assert (matching.pairs.groupby("treated_unit")["distance"].apply(lambda d: d.is_monotonic_increasing)).all()
    assert matching.pairs.groupby("treated_unit")["rank"].apply(list).tolist() == [[1, 2, 3], [1, 2, 3]]


def test_with_replacement_and_k_above_the_candidates():
    features = _features()
    features.loc[features["unit"] == "T2", ["level", "trend", "imd_decile"]] = [-2.0, 0.10, 2]  # a twin of T1
    matching = match_comparisons(features, k=1)
    assert matching.pairs["comparison_unit"].tolist() == ["A1", "A1"]  # both take the same nearest candidate
    everything = match_comparisons(features, k=50)
    assert len(everything.pairs) == 2 * 8 and len(everything.comparison) == 8
    with pytest.raises(LPTError, match="treated units and candidates"):
        match_comparisons(features[features["treated"]])
    with pytest.raises(LPTError, match="1 or more"):
        match_comparisons(features, k=0)


def test_balance_improves_and_imbalance_is_noted():
    features = _features()
    balance = match_comparisons(features, k=3).balance.set_index("variable")
    assert list(balance.reset_index().columns) == BALANCE_COLUMNS
    assert balance.loc["level", "treated"] == pytest.approx(-3.5)
    assert balance.loc["level", "matched"] == pytest.approx(np.mean([-2.1, -1.9, -2.2, -5.1, -4.9, -5.0]))
    assert (balance["std_diff_matched"].abs() <= balance["std_diff_candidates"].abs() + 1e-12).all()
    assert balance["balanced"].all()
    lonely = pd.concat([features, pd.DataFrame([("T3", True, 5.0, 1.0, 10)], columns=FEATURE_COLUMNS)])
    noted = match_comparisons(lonely, k=1)
    assert not noted.balance.set_index("variable").loc["level", "balanced"]
    assert any("level still differs" in note for note in noted.notes)


def test_units_missing_a_variable_are_left_out():
    features = _features()
    features.loc[features["unit"] == "A1", "imd_decile"] = np.nan
    matching = match_comparisons(features, k=3)
    assert "A1" not in matching.comparison
    assert matching.notes[0].startswith("1 units without")


def test_features_of_a_small_panel():
    months = [f"2023-{m:02d}" for m in range(9, 13)] + ["2024-01"]
    counts = pd.DataFrame([[0, 1, 3, 7, 9], [2, 2, 2, 2, 2]], index=pd.Index(["T", "C"], name="unit"), columns=months)
    units = pd.DataFrame({"unit": ["T", "C"], "ward_code": "W", "lsoa21_code": None, "street_name": None,
                          "exposure": [10.0, 40.0], "imd_decile": [3.0, 7.0]})[UNIT_COLUMNS]
    panel = panel_of(UnitCounts("crime", "street", units, counts), ["T"], START, before_months=4)
    features = matching_features(panel).set_index("unit")
    assert features.loc["T", "level"] == pytest.approx(np.log(11.5 / 40))
    assert features.loc["C", "level"] == pytest.approx(np.log(8.5 / 160))
    assert features.loc["T", "trend"] == pytest.approx(np.polyfit([0, 1, 2, 3], np.log1p([0, 1, 3, 7]), 1)[0])
    assert features.loc["C", "trend"] == pytest.approx(0.0)
    assert features.loc["T", "treated"] and features.loc["T", "imd_decile"] == 3


def test_matched_counts_keep_the_treated_and_their_matches():
    panel = synthetic_panel(3, treated=5, comparison=40)
    matching = match_comparisons(matching_features(panel), k=2)
    rows = matched_counts(panel, matching)
    assert set(rows["unit"]) == set(panel.units.loc[panel.units["treated"], "unit"]) | set(matching.comparison)
    assert len(matching.pairs) == 10 and not set(matching.comparison) & set(panel.units.loc[panel.units["treated"], "unit"])
