"""Similar wards: ward features, nearest-neighbour peer groups, comparison with peers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import select

from lpt.stats.peers import FEATURES, compare_with_peers, load_ward_features, peer_groups, ward_features
from lpt.store.frames import read_query
from lpt.store.schema import ref_lsoa21

HULL = "E06000010"  # Kingston upon Hull, City of


def _features() -> pd.DataFrame:
    """Two obvious families: deprived diverse high-crime (A*) and affluent older low-crime (B*)."""
    rows = {
        "A1": (60, 0.30, 0.10, 300),
        "A2": (59, 0.295, 0.10, 295),
        "A3": (62, 0.32, 0.09, 320),
        "A4": (55, 0.25, 0.12, 250),
        "B1": (8, 0.01, 0.40, 20),
        "B2": (9, 0.02, 0.38, 25),
        "B3": (7, 0.01, 0.42, 18),
        "B4": (10, 0.03, 0.36, 30),
    }
    return pd.DataFrame.from_dict(rows, orient="index", columns=list(FEATURES)).rename_axis("ward_code")


def test_nearest_peers_are_the_obvious_ones():
    peers = peer_groups(_features(), k=3)
    assert list(peers.columns) == ["ward_code", "peer_code", "rank", "distance"]
    for ward, group in peers.groupby("ward_code"):
        assert set(group["peer_code"]) == {f"{ward[0]}{i}" for i in range(1, 5)} - {ward}
        assert group["rank"].tolist() == [1, 2, 3]
        assert group["distance"].is_monotonic_increasing
    assert peers.set_index(["ward_code", "rank"]).loc[("A1", 1), "peer_code"] == "A2"


def test_never_its_own_peer_and_k_respected_even_with_duplicates():
    features = _features()
    features.loc["A5"] = features.loc["A1"]  # identical twin: distance 0
    features.loc["A6"] = features.loc["A1"]
    for k in (1, 2, 5):
        peers = peer_groups(features, k=k)
        assert (peers["ward_code"] != peers["peer_code"]).all()
        assert peers.groupby("ward_code").size().eq(k).all()
        assert peers["ward_code"].nunique() == len(features)
        assert not peers.duplicated(["ward_code", "peer_code"]).any()
    twins = peer_groups(features, k=2).query("ward_code == 'A1'")
    assert set(twins["peer_code"]) == {"A5", "A6"} and (twins["distance"] == 0).all()
    with pytest.raises(ValueError, match="k must be"):
        peer_groups(features, k=len(features))


def test_missing_features_left_out_and_constant_column_harmless():
    features = _features().assign(share_non_white=0.1)
    features.loc["B4", "crime_rate"] = np.nan
    peers = peer_groups(features, k=2)
    assert "B4" not in set(peers["ward_code"]) | set(peers["peer_code"])
    assert set(peers.query("ward_code == 'A1'")["peer_code"]) <= {"A2", "A3", "A4"}


def test_log_transform_of_rates_changes_distances():
    features = _features()
    plain = peer_groups(features, k=3, log_columns=())
    logged = peer_groups(features, k=3)
    assert not np.allclose(plain["distance"], logged["distance"])


def test_compare_with_peers():
    peers = peer_groups(_features(), k=3)
    values = pd.Series({"A1": 10.0, "A2": 20.0, "A3": 30.0, "A4": 40.0, "B1": 1, "B2": 2, "B3": 3, "B4": np.nan})
    out = compare_with_peers(values, peers)
    assert list(out.columns) == ["value", "peer_mean", "peer_median", "peers", "force_mean", "vs_peers", "vs_force"]
    a1 = out.loc["A1"]
    assert a1["peer_mean"] == pytest.approx(30) and a1["peer_median"] == pytest.approx(30) and a1["peers"] == 3
    assert a1["force_mean"] == pytest.approx(106 / 7)
    assert a1["vs_peers"] == pytest.approx(-20) and a1["vs_force"] == pytest.approx(10 - 106 / 7)
    b1 = out.loc["B1"]
    assert b1["peers"] == 2 and b1["peer_mean"] == pytest.approx(2.5)  # B4 has no figure
    assert np.isnan(out.loc["B4", "value"])


def test_ward_features_from_frames():
    lsoas = pd.DataFrame(
        {
            "lsoa21_code": ["L1", "L2", "L3", "L4"],
            "ward_code": ["W1", "W1", "W2", "W2"],
            "imd_score": [40.0, 10.0, 20.0, np.nan],
            "imd_decile": [1, 7, 4, np.nan],
        }
    )
    ethnic = pd.DataFrame(
        {
            "Asian": [10, 0, 0, 0],
            "Black": [0, 0, 0, 0],
            "Mixed": [0, 0, 0, 0],
            "White": [90, 300, 200, 100],
            "Other": [0, 0, 0, 0],
        },
        index=pd.Index(["L1", "L2", "L3", "L4"], name="lsoa21_code"),
    )
    bands = ["18-24", "25-34", "35-44", "45-54", "55-64", "65-74", "75+"]
    ages = pd.DataFrame([[10, 10, 10, 10, 10, 25, 25]] * 4, columns=bands, index=ethnic.index)
    crime = pd.DataFrame(
        {"ward_code": ["W1", "W1", "W2"], "month": ["2025-01", "2025-02", "2025-01"], "records": [40, 40, 6]}
    )
    out = ward_features(lsoas, ethnic, ages, crime)
    assert out.index.name == "ward_code" and list(out.index) == ["W1", "W2"]
    w1, w2 = out.loc["W1"], out.loc["W2"]
    assert w1["residents"] == 400 and w1["lsoas"] == 2
    assert w1["imd_score"] == pytest.approx((40 * 100 + 10 * 300) / 400)
    assert w2["imd_score"] == pytest.approx(20)  # L4 has no IMD figure
    assert w1["share_non_white"] == pytest.approx(10 / 400) and w2["share_non_white"] == 0
    assert w1["share_65_plus"] == pytest.approx(0.5)
    assert w1["crime_rate"] == pytest.approx(80 / 400 * 1000 * 12 / 2)
    assert w2["crime_rate"] == pytest.approx(6 / 300 * 1000 * 12 / 2)


@pytest.fixture(scope="module")
def humberside(bundled_store):
    return load_ward_features(bundled_store)


def test_bundled_features_cover_every_humberside_ward(humberside, bundled_store):
    from lpt.store.queries import boundaries

    wards = set(boundaries(bundled_store, "ward_boundaries")["code"])
    assert set(humberside.index) == wards and len(wards) == 81
    assert humberside[list(FEATURES)].notna().all().all()
    assert humberside["imd_decile"].between(1, 10).all()
    assert humberside["share_non_white"].between(0, 1).all() and humberside["share_65_plus"].between(0, 1).all()
    assert (humberside["crime_rate"] > 0).all()


def test_bundled_peer_groups(humberside, bundled_store):
    k = 7
    peers = peer_groups(humberside, k=k)
    assert peers.groupby("ward_code").size().eq(k).all() and peers["ward_code"].nunique() == 81
    assert (peers["ward_code"] != peers["peer_code"]).all()
    # the most deprived Hull ward: its peers are mostly deprived too
    lookup = read_query(bundled_store, select(ref_lsoa21.c.ward_code).where(ref_lsoa21.c.district_code == HULL))
    ward = humberside.loc[humberside.index.isin(lookup["ward_code"]), "imd_score"].idxmax()
    assert humberside.loc[ward, "imd_decile"] <= 2
    peer_deciles = humberside.loc[peers.query("ward_code == @ward")["peer_code"], "imd_decile"]
    assert (peer_deciles <= 3).mean() >= 0.7
    assert peer_deciles.mean() < humberside["imd_decile"].median()
