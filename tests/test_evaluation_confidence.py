"""Confidence over time and who takes part, on the sample store: figures against the generated answers,
disclosure control, the trend test against a hand-worked sandwich, access and audit."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy.stats import t
from sqlalchemy import select

from lpt.access.guard import PermissionDenied
from lpt.access.users import add_user, get_user
from lpt.errors import LPTError
from lpt.evaluation import confidence
from lpt.evaluation.confidence import (
    ALL,
    DIVERSITY_COLUMNS,
    ENGAGEMENT_COLUMNS,
    GAP_COLUMNS,
    OVER_TIME_COLUMNS,
    RATE_COLUMNS,
    TREND_COLUMNS,
    advisory_group_diversity,
    confidence_over_time,
    engagement_of_underrepresented,
    response_rates_over_time,
)
from lpt.stats.weighting import NOT_STATED
from lpt.store.schema import audit_log
from lpt.synth.surveys import WAVES
from lpt.vocab import AGE_BANDS, ETHNIC_GROUPS, GROUPS

WARD = "E05011529"


@pytest.fixture(scope="module")
def analyst(sample_store):
    engine, _ = sample_store
    return get_user(engine, "an1")


def _registered(members: pd.DataFrame, day: str) -> pd.DataFrame:
    """Generated members registered on ``day`` (as lpt.stats.microdata.registered_members reads them)."""
    on = pd.Timestamp(day)
    left = pd.to_datetime(members["opted_out"].replace("", None))
    return members[(pd.to_datetime(members["opted_in"]) <= on) & ~(left <= on)]


def test_confidence_over_time_in_the_force_matches_the_answers(sample_store, analyst):
    engine, synthetic = sample_store
    result = confidence_over_time(engine, analyst)
    assert result.area == "the force" and result.waves == WAVES
    table = result.table.set_index("wave")
    assert list(result.table.columns) == OVER_TIME_COLUMNS and (result.table["group"] == ALL).all()
    answers = synthetic.surveys
    assert table["n"].tolist() == answers.groupby("wave").size().tolist()
    confident = answers["confidence"].isin([4, 5]).groupby(answers["wave"]).mean()
    np.testing.assert_allclose(table["unweighted"], confident.to_numpy())
    assert (table["ci_low"] <= table["weighted"]).all() and (table["weighted"] <= table["ci_high"]).all()
    assert table["efficiency"].between(0.3, 1).all() and not table["small_base"].any()
    trend = result.trends.iloc[0]
    assert list(result.trends.columns) == TREND_COLUMNS and trend["group"] == ALL
    assert trend["clustered_by"] == "member"  # four wards: too few to cluster by
    assert trend["ci_low"] < trend["odds_ratio"] < trend["ci_high"]
    assert result.sentence == trend["sentence"] and result.sentence.startswith("the force: ")


def test_confidence_by_age_band_in_a_ward_is_disclosure_controlled(sample_store, analyst):
    engine, synthetic = sample_store
    answers = synthetic.surveys[synthetic.surveys["ward_code"] == WARD].groupby("wave").size()
    result = confidence_over_time(engine, analyst, level="ward", code=WARD, first_wave="2024Q3", last_wave="2025Q2",
                                  by="age_band")
    table = result.table
    assert result.area == "Central" and result.waves == ("2024Q3", "2024Q4", "2025Q1", "2025Q2")
    assert set(table["group"]) <= {ALL, *AGE_BANDS, NOT_STATED} and NOT_STATED in set(table["group"])
    for name, wave in table.groupby("wave"):
        parts = wave.loc[wave["group"] != ALL, "n"]
        assert wave.loc[wave["group"] == ALL, "n"].iloc[0] == answers[name] and (parts.dropna() >= 5).all()
        assert parts.isna().sum() != 1  # a lone hidden group could be worked out from the total
    assert table.loc[table["n"].isna() & table["weighted"].notna(), "small_base"].all()
    assert table["small_base"].any()  # age bands of one ward are small bases
    assert result.trends["group"].iloc[0] == ALL and set(result.trends["group"]) == set(table["group"])


def test_bad_requests_are_named(sample_store, analyst):
    engine, _ = sample_store
    with pytest.raises(LPTError, match="by is one of age_band, ethnic_group, sex"):
        confidence_over_time(engine, analyst, by="religion")
    with pytest.raises(LPTError, match="first_wave is a survey wave like 2025Q1"):
        confidence_over_time(engine, analyst, first_wave="2025-01")
    with pytest.raises(LPTError, match="no survey wave held from 2027Q1"):
        confidence_over_time(engine, analyst, first_wave="2027Q1")
    with pytest.raises(LPTError, match="a ward needs its code"):
        confidence_over_time(engine, analyst, level="ward")
    with pytest.raises(LPTError, match="level is one of force, district, ward"):
        confidence_over_time(engine, analyst, level="street", code="x")
    with pytest.raises(LPTError, match="unknown code"):
        advisory_group_diversity(engine, analyst, level="ward", code="E05999999")


def test_an_officer_gets_their_ward_only_and_every_read_is_audited(sample_store):
    engine, _ = sample_store
    officer = add_user(engine, get_user(engine, "admin"), "pc-confidence", name="PC", role="officer",
                       areas=[("ward", WARD)])
    assert confidence_over_time(engine, officer, level="ward", code=WARD).area == "Central"
    with pytest.raises(PermissionDenied):
        confidence_over_time(engine, officer)
    query = select(audit_log.c.action, audit_log.c.outcome, audit_log.c.detail).where(audit_log.c.user_id == "pc-confidence")
    with engine.connect() as connection:
        logged = [tuple(row) for row in connection.execute(query.order_by(audit_log.c.id))]
    assert logged[0] == ("statistical_models", "allowed", "confidence over time")
    assert logged[-1][:2] == ("statistical_models", "refused")


def test_the_trend_test_finds_a_planted_trend_and_its_errors_are_the_clustered_sandwich():
    """Answers from a logistic model with log odds -0.5 + 0.15 x wave number over 24 wards (so clustered by
    ward); the standard error equals the pseudo-likelihood sandwich written out here."""
    rng = np.random.default_rng(5)
    n = 4000
    wave_number = rng.integers(0, 8, n)
    answers = pd.DataFrame({"wave": np.array(WAVES)[wave_number], "ward_code": rng.integers(0, 24, n).astype(str),
                            "member_id": [f"M{i}" for i in range(n)], "response_id": "", "weight": rng.uniform(0.5, 2, n)})
    answers["confident"] = (rng.random(n) < 1 / (1 + np.exp(0.5 - 0.15 * wave_number))).astype(float)
    figures = pd.DataFrame({"wave": ["2024Q1", "2025Q4"], "weighted": [0.4, 0.6]})
    row = confidence._trend("Here", ALL, answers, figures, list(WAVES))
    assert row["clustered_by"] == "ward" and row["p_value"] < 0.001
    assert np.log(row["odds_ratio"]) == pytest.approx(0.15, abs=0.05)
    assert row["sentence"].startswith("Here: 40% confident in 2024Q1, 60% in 2025Q4; a rising trend")
    x = np.column_stack([np.ones(n), wave_number])
    beta = sm.GLM(answers["confident"], x, family=sm.families.Binomial(), var_weights=answers["weight"]).fit().params.to_numpy()
    assert np.log(row["odds_ratio"]) == pytest.approx(beta[1])
    mu = 1 / (1 + np.exp(-x @ beta))
    w, y = answers["weight"].to_numpy(), answers["confident"].to_numpy()
    bread = np.linalg.inv((x * (w * mu * (1 - mu))[:, None]).T @ x)  # weighted information
    scores = pd.DataFrame(x * (w * (y - mu))[:, None]).groupby(answers["ward_code"].to_numpy()).sum().to_numpy()
    g = 24  # CR1: G / (G - 1) (N - 1) / (N - K), and t on G - 1 df
    sandwich = bread @ scores.T @ scores @ bread * g / (g - 1) * (n - 1) / (n - 2)
    assert np.log(row["ci_high"]) == pytest.approx(beta[1] + t.ppf(0.975, g - 1) * np.sqrt(sandwich[1, 1]), rel=1e-6)


def test_too_few_answers_give_no_trend_test():
    answers = pd.DataFrame({"wave": ["2024Q1", "2024Q2"] * 5, "ward_code": "W", "member_id": "M", "response_id": "",
                            "weight": 1.0, "confident": [0.0, 1.0] * 5})
    figures = pd.DataFrame({"wave": ["2024Q1", "2024Q2"], "weighted": [0.0, 1.0]})
    row = confidence._trend("Here", "18-24", answers, figures, list(WAVES))
    assert np.isnan(row["p_value"]) and row["sentence"] == "Residents aged 18-24 in Here: too few answers for a trend test."


def test_response_rates_count_the_members_registered_at_each_wave(sample_store, analyst):
    engine, synthetic = sample_store
    rates = response_rates_over_time(engine, analyst, last_wave="2025Q2")
    assert list(rates.columns) == RATE_COLUMNS and (rates["base"] == "registered").all()  # no invitations recorded
    assert rates["wave"].unique().tolist() == list(WAVES[:6])
    assert set(rates["group"]) <= {ALL, *GROUPS} and rates.groupby("wave")["group"].first().eq(ALL).all()
    every = rates[rates["group"] == ALL].set_index("wave")
    for wave in every.index:
        asked = _registered(synthetic.members, str(pd.Period(wave, freq="Q").start_time.date()))
        answered = synthetic.surveys.loc[synthetic.surveys["wave"] == wave, "member_id"]
        assert every.loc[wave, "invited"] == len(asked)
        assert every.loc[wave, "responded"] == answered.isin(asked["member_id"]).sum()
    shown = rates.dropna(subset=["invited", "responded"])
    assert len(shown) and np.allclose(shown["rate_pct"], 100 * shown["responded"] / shown["invited"], atol=0.05)


def test_under_represented_groups_over_time(sample_store, analyst):
    engine, _ = sample_store
    result = engagement_of_underrepresented(engine, analyst)
    assert len(result.named) and result.named["category"].isin(["18-24", "25-34", "35-44", *ETHNIC_GROUPS[:3], "Other"]).all()
    table, gaps = result.table, result.gaps
    assert list(table.columns) == ENGAGEMENT_COLUMNS and list(gaps.columns) == GAP_COLUMNS
    assert set(table["who"]) == {"members", "registrations", "respondents"} and set(table["wave"]) == set(WAVES)
    assert (table["people"].dropna() >= 5).all() and table.loc[table["people"].isna(), "index"].isna().all()
    last = table[(table["wave"] == WAVES[-1]) & (table["who"] == "members")].set_index("category")["index"]
    for _, gap in gaps.iterrows():
        assert gap["index_end"] == pytest.approx(last[gap["category"]])
        assert (gap["verdict"] == "no clear change") == (not gap["p_value"] < 0.05) and gap["category"] in gap["sentence"]
    assert result.sentence == " ".join(gaps["sentence"])


def test_advisory_group_diversity_against_the_census(sample_store, analyst):
    engine, synthetic = sample_store
    result = advisory_group_diversity(engine, analyst, last_wave="2025Q4")
    members = _registered(synthetic.members, "2025-12-31")
    advisory = members[members["groups"].str.contains("independent_advisory_group")]
    assert result.on == "2025-12-31" and result.members == (len(advisory) if len(advisory) >= 5 else None)
    table = result.table
    assert list(table.columns) == DIVERSITY_COLUMNS
    assert table[["dimension", "category"]].apply(tuple, axis=1).tolist() == [
        *(("age_band", a) for a in AGE_BANDS), *(("ethnic_group", e) for e in ETHNIC_GROUPS)]
    assert (table["members"].dropna() >= 5).all() and table.loc[table["members"].isna(), "share"].isna().all()
    stated = advisory.loc[advisory["ethnic_group"] != "", "ethnic_group"].value_counts()
    shown = table[(table["dimension"] == "ethnic_group") & table["members"].notna()].set_index("category")
    for category, row in shown.iterrows():
        assert row["members"] == stated[category] and row["share"] == pytest.approx(stated[category] / stated.sum())
    assert table.groupby("dimension")["members"].apply(lambda m: m.isna().sum() != 1).all()
    assert result.sentence.startswith(f"{result.members} members of the independent advisory group live in the force")
