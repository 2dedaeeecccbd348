"""The street priority score and recommendations, on the sample data and on hand-made rows."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from lpt.access.guard import PermissionDenied
from lpt.access.users import add_user, get_user
from lpt.priorities.score import PARTS, ScoreConfig, _reasons, load_config, score_streets

SAMPLE_WARD = "E05011529"


@pytest.fixture(scope="module")
def scored(sample_store):
    engine, _ = sample_store
    return score_streets(engine)


def test_every_street_scored_and_ranked_within_its_ward(scored):
    assert len(scored) > 5000 and scored["score"].between(0, 1).all()
    for part in PARTS:
        assert scored[part].between(0, 1).all()
    ranks = scored.groupby("ward_code")["rank_in_ward"]
    assert (ranks.min() == 1).all() and not scored.duplicated(["ward_code", "rank_in_ward"]).any()
    assert scored.duplicated(["lsoa21_code", "street_name"]).sum() == 0


def test_score_is_the_weighted_sum_of_the_parts(scored):
    config = load_config()
    expected = sum(config.weights[p] * scored[p] for p in PARTS)
    assert (scored["score"] - expected).abs().max() < 1e-9
    assert sum(config.weights.values()) == pytest.approx(1)


def test_places_are_scored_and_labelled(scored):
    places = scored[scored["is_place"]]
    assert len(places) and places["street_name"].str.contains("Parking Area|Supermarket|Petrol Station").any()


def test_reasons_name_strong_parts_with_their_figures(scored):
    top = scored[(scored["ward_code"] == SAMPLE_WARD) & (scored["rank_in_ward"] <= 5)]
    kinds = {r["kind"] for reasons in top["reasons"] for r in reasons}
    assert "expected_harm" in kinds and "vulnerability" in kinds  # a deprived Hull ward
    for row in top.itertuples():
        for reason in row.reasons:
            assert reason["strength"] >= load_config().min_strength and reason["text"] and reason["figures"]


def test_engagement_reason_compares_the_street_with_its_ward(scored):
    engaged = [r for reasons in scored["reasons"] for r in reasons if r["kind"] == "engagement_gap"]
    assert engaged and all(r["figures"]["coverage_pct"] < r["figures"]["ward_coverage_pct"] + 50 for r in engaged)
    assert all(r["figures"]["households"] >= load_config().min_households for r in engaged)


def _row(**parts):
    values = dict.fromkeys(PARTS, 0.0) | {
        "expected_records": 2.0, "top_crime_type": "Burglary", "rise_pct": float("nan"), "rise_crime_type": None,
        "rise_from": 0, "rise_to": 0, "concern_topic": "asb", "concern_pct": 40.0, "ward_confident_pct": 20.0,
        "force_confident_pct": 40.0, "households": 30, "coverage_pct": 5.0, "ward_coverage_pct": 12.0,
        "imd2025_decile": 1,
    }
    return SimpleNamespace(**(values | parts))


CONFIG = ScoreConfig(weights=dict.fromkeys(PARTS, 1 / 6), min_strength=0.75, min_respondents=5, min_households=10)


def test_hand_made_reasons_in_plain_words():
    reasons = _reasons(_row(public_concern=0.9, engagement_gap=0.8, expected_harm=0.5), CONFIG)
    assert [r["kind"] for r in reasons] == ["public_concern", "engagement_gap"]
    assert reasons[0]["text"] == "anti-social behaviour the top concern of residents here (40% of respondents)"
    assert reasons[1]["text"] == "5% of households registered against 12% in the ward"


def test_small_streets_get_no_registration_figures():
    assert _reasons(_row(engagement_gap=0.95, households=4), CONFIG) == []


def test_a_rise_is_a_reason_even_without_weight():
    config = ScoreConfig(weights=dict.fromkeys(PARTS, 0.2) | {"crime_rise": 0.0}, min_strength=0.75, min_respondents=5, min_households=10)
    row = _row(crime_rise=0.9, rise_pct=40.0, rise_crime_type="Burglary", rise_from=5, rise_to=7)
    assert _reasons(row, config)[0]["text"] == "burglary up 40% on the previous quarter (5 to 7)"


def test_bad_weights_file_is_refused(tmp_path):
    bad = tmp_path / "weights.toml"
    bad.write_text("[weights]\nexpected_harm = -1\n")
    with pytest.raises(ValueError, match="non-negative"):
        load_config(bad)


def test_recommend_gives_ranked_streets_reasons_actions_and_the_audit(sample_store):
    from lpt.priorities.recommend import recommend

    engine, _ = sample_store
    officer = add_user(engine, get_user(engine, "admin"), "pc-rec", name="PC", role="officer", areas=[("ward", SAMPLE_WARD)])
    found = recommend(engine, officer, ward=SAMPLE_WARD, top=5)
    assert found.streets["rank_in_ward"].tolist() == [1, 2, 3, 4, 5]
    assert all(isinstance(a, list) for a in found.streets["actions"])
    assert any(found.streets["actions"].map(len))
    for dimension, shares in found.audit.groupby("dimension"):
        assert shares["recommended_pct"].sum() == pytest.approx(100, abs=0.5), dimension
        assert shares["force_pct"].sum() == pytest.approx(100, abs=0.5), dimension
    with pytest.raises(PermissionDenied):
        recommend(engine, officer, ward="E05011528")


def test_recommend_can_record_the_actions_once(sample_store):
    from lpt.priorities.lifecycle import actions_of
    from lpt.priorities.recommend import recommend

    engine, _ = sample_store
    officer = add_user(engine, get_user(engine, "admin"), "pc-rec2", name="PC", role="officer", areas=[("ward", "E05001714")])
    found = recommend(engine, officer, ward="E05001714", top=3, record=True)
    recommend(engine, officer, ward="E05001714", top=3, record=True)  # again: nothing new
    recorded = actions_of(engine, officer, purpose="test")
    assert len(recorded) == sum(len(a) for a in found.streets["actions"]) > 0
    assert set(recorded["status"]) == {"proposed"}
