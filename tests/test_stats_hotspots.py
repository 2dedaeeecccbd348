"""Local hot spots: G* and local Moran on a synthetic lattice, FDR, islands, survey shares per LSOA."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

from lpt.stats import hotspots
from lpt.stats.hotspots import (
    MIN_ANSWERS,
    NOT_SIGNIFICANT,
    NOT_TESTED,
    RESULT_COLUMNS,
    concern_hotspots,
    local_hotspots,
    low_confidence_hotspots,
)
from lpt.store.queries import boundaries

N = 10  # lattice side
BLOCK = 4  # planted high block in the top-left corner: rows and columns 0..3


def _lattice(values: np.ndarray) -> gpd.GeoDataFrame:
    cells = [box(c, -r, c + 1, -r + 1) for r in range(N) for c in range(N)]
    codes = [f"r{r}c{c}" for r in range(N) for c in range(N)]
    return gpd.GeoDataFrame({"code": codes, "v": values}, geometry=cells)


def _rows_cols() -> tuple[np.ndarray, np.ndarray]:
    return np.divmod(np.arange(N * N), N)


def _planted(seed: int = 1) -> gpd.GeoDataFrame:
    rows, cols = _rows_cols()
    noise = np.random.default_rng(seed).uniform(0, 1, N * N)
    return _lattice(np.where((rows < BLOCK) & (cols < BLOCK), noise + 3, noise))


# With 100 areas, a two-sided pseudo p-value and FDR need more than 199
# permutations to reach significance at all (min p = 0.01); 999 on 100 cells
# takes a few milliseconds.
PERMS = 999


def test_planted_high_cluster_is_hot_and_nothing_hot_elsewhere():
    result = local_hotspots(_planted(), "v", permutations=PERMS, seed=7)
    assert list(result.columns) == RESULT_COLUMNS
    rows, cols = _rows_cols()
    block = (rows < BLOCK) & (cols < BLOCK)
    halo = (rows <= BLOCK) & (cols <= BLOCK)  # G* of a cell next to the block counts hot neighbours
    hot = (result["classification"] == "hot").to_numpy()
    assert hot[block].mean() >= 0.75
    assert not hot[~halo].any()
    assert set(result["classification"]) <= {"hot", "cold", NOT_SIGNIFICANT}
    assert (result["statistic"][block] > 0).all()
    assert (result["p_adjusted"] >= result["p_value"]).all()
    assert result["neighbours"].tolist()[0] == 3 and result["neighbours"].tolist()[11] == 8  # corner, interior


def test_moran_finds_high_high_in_the_planted_block():
    result = local_hotspots(_planted(), "v", method="moran", permutations=PERMS, seed=7)
    rows, cols = _rows_cols()
    block = (rows < BLOCK) & (cols < BLOCK)
    labels = result["classification"].to_numpy(object)
    assert (labels[block] == "HH").mean() >= 0.5
    assert set(labels[block]) <= {"HH", NOT_SIGNIFICANT}
    assert set(labels) <= {"HH", "LL", "HL", "LH", NOT_SIGNIFICANT}


@pytest.mark.parametrize("method", ["getis_ord", "moran"])
def test_random_field_has_few_or_no_spots_after_fdr(method):
    shares = []
    for seed in range(8):
        field = _lattice(np.random.default_rng(1000 + seed).uniform(0, 1, N * N))
        result = local_hotspots(field, "v", method=method, permutations=PERMS, seed=seed)
        shares.append((result["classification"] != NOT_SIGNIFICANT).mean())
    assert np.mean(shares) <= 0.05
    assert max(shares) <= 0.05


def test_same_seed_same_result_and_seed_matters():
    field = _planted(3)
    first = local_hotspots(field, "v", permutations=199, seed=11)
    again = local_hotspots(field, "v", permutations=199, seed=11)
    pd.testing.assert_frame_equal(first, again)
    other = local_hotspots(field, "v", permutations=199, seed=12)
    assert not np.array_equal(first["p_value"].to_numpy(), other["p_value"].to_numpy())


def test_islands_and_missing_values_are_not_tested():
    field = _planted()
    island = gpd.GeoDataFrame({"code": ["far"], "v": [10.0]}, geometry=[box(50, 50, 51, 51)])
    field = pd.concat([field, island], ignore_index=True)
    field.loc[55, "v"] = np.nan
    result = local_hotspots(field, "v", permutations=199, seed=1)
    assert len(result) == N * N + 1
    untested = result[result["classification"] == NOT_TESTED]
    assert set(untested["code"]) == {"far", "r5c5"}
    assert untested["statistic"].isna().all() and untested["p_value"].isna().all()
    assert result.loc[result["code"] == "far", "neighbours"].item() == 0
    assert result.loc[result["code"] == "r5c4", "neighbours"].item() == 7  # r5c5 set aside


def test_constant_values_and_bad_arguments():
    flat = local_hotspots(_lattice(np.ones(N * N)), "v", permutations=99)
    assert (flat["classification"] == NOT_SIGNIFICANT).all()
    with pytest.raises(ValueError, match="method"):
        local_hotspots(_planted(), "v", method="geary")
    with pytest.raises(ValueError, match=">= 0"):
        local_hotspots(_lattice(np.linspace(-1, 1, N * N)), "v", permutations=99)


def _fake_answers(codes: list[str]) -> pd.DataFrame:
    """Survey answers over real LSOAs: 6 per LSOA, one LSOA with only 3; drugs and low confidence in the first 40."""
    rows = []
    for i, code in enumerate(codes):
        for j in range(3 if i == len(codes) - 1 else 6):
            concerned = i < 40
            rows.append(
                {
                    "lsoa21_code": code,
                    "wave": "2025Q1",
                    "confidence": 1 if concerned and j < 5 else 4,
                    "priority_1": "drugs" if concerned and j < 5 else "speeding",
                    "priority_2": "",
                    "priority_3": "",
                }
            )
    return pd.DataFrame(rows)


def test_survey_hotspots_on_lsoa_polygons(bundled_store, monkeypatch):
    polygons = boundaries(bundled_store, "lsoa21_boundaries")
    # 40 mutually close LSOAs (nearest to one centroid) carry the concern.
    centres = polygons.to_crs(27700).geometry.centroid
    order = centres.distance(centres.iloc[0]).sort_values().index
    codes = polygons.loc[order, "code"].tolist()[:120]
    monkeypatch.setattr(hotspots, "respondents", lambda engine: _fake_answers(codes))

    concern = concern_hotspots(bundled_store, "drugs", permutations=199, seed=3)
    assert list(concern.columns) == [*RESULT_COLUMNS, "answers"]
    assert len(concern) == len(codes) - 1  # the LSOA with 3 answers (< MIN_ANSWERS) is set aside
    assert codes[-1] not in set(concern["code"]) and (concern["answers"] >= MIN_ANSWERS).all()
    shares = concern.set_index("code")["value"]
    assert shares[codes[0]] == pytest.approx(5 / 6) and shares[codes[50]] == 0
    hot = set(concern.loc[concern["classification"] == "hot", "code"])
    assert hot and hot <= set(codes[:60])

    low = low_confidence_hotspots(bundled_store, permutations=199, seed=3)
    pd.testing.assert_series_equal(low["value"], concern["value"])
    assert len(concern_hotspots(bundled_store, "drugs", wave="2024Q4", permutations=99)) == 0
    with pytest.raises(ValueError, match="unknown topic"):
        concern_hotspots(bundled_store, "aliens")
