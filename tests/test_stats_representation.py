"""Representativeness: hand-computed shares and indexes, and the generator's planted skews found."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.proportion import proportion_confint

from lpt.errors import LPTError
from lpt.stats.representation import (
    NAMED_COLUMNS,
    SUMMARY_COLUMNS,
    TABLE_COLUMNS,
    least_represented,
    representation,
    representation_summary,
)
from lpt.synth import generate
from lpt.vocab import AGE_BANDS, ETHNIC_GROUPS
from tests.synth_calibration import tiny_calibration

LOOKUP = pd.Series({"L1": "W1", "L2": "W1", "L3": "W2"}, name="ward_code")


def _census(columns: tuple[str, ...], rows: dict[str, dict[str, float]]) -> pd.DataFrame:
    return pd.DataFrame.from_dict(rows, orient="index").reindex(columns=list(columns)).fillna(0.0)


def _hand_case() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    # W1 adults: 18-24 100+100, 65-74 100+100 (half and half); residents: Asian 60+20, White 140+180 (20% Asian).
    age = _census(AGE_BANDS, {"L1": {"18-24": 100, "65-74": 100}, "L2": {"18-24": 100, "65-74": 100}, "L3": {"45-54": 50}})
    ethnic = _census(ETHNIC_GROUPS, {"L1": {"Asian": 60, "White": 140}, "L2": {"Asian": 20, "White": 180}, "L3": {"White": 50}})
    # W1 members: 40 with age (10 aged 18-24, 30 aged 65-74) and 5 without; 40 with ethnic group (4 Asian).
    people = pd.DataFrame(
        {
            "ward_code": "W1",
            "age_band": ["18-24"] * 10 + ["65-74"] * 30 + [""] * 5,
            "ethnic_group": ["Asian"] * 4 + ["White"] * 36 + [""] * 5,
        }
    )
    return people, age, ethnic


def test_shares_and_indexes_by_hand():
    people, age, ethnic = _hand_case()
    table = representation(people, age, ethnic, LOOKUP)
    assert list(table.columns) == TABLE_COLUMNS
    cell = table.set_index(["ward_code", "dimension", "category"])
    young = cell.loc[("W1", "age_band", "18-24")]
    assert (young["people"], young["stated"], young["not_stated"]) == (10, 40, 5)
    assert young["people_share"] == pytest.approx(0.25) and young["census_share"] == pytest.approx(0.5)
    assert young["index"] == pytest.approx(0.5) and young["expected"] == pytest.approx(20)
    low, high = proportion_confint(10, 40, method="wilson")
    assert (young["index_low"], young["index_high"]) == (pytest.approx(low / 0.5), pytest.approx(high / 0.5))
    assert cell.loc[("W1", "age_band", "65-74"), "index"] == pytest.approx(1.5)
    asian = cell.loc[("W1", "ethnic_group", "Asian")]
    assert asian["census"] == pytest.approx(80) and asian["census_share"] == pytest.approx(0.2)
    assert asian["people_share"] == pytest.approx(0.1) and asian["index"] == pytest.approx(0.5)
    assert np.isnan(cell.loc[("W1", "age_band", "75+"), "index"])  # nobody that age lives there
    w2 = cell.loc[("W2", "age_band", "45-54")]  # a census ward with no people: shares unknown, not zero
    assert w2["stated"] == 0 and np.isnan(w2["people_share"])


def test_dissimilarity_summary_by_hand():
    people, age, ethnic = _hand_case()
    summary = representation_summary(representation(people, age, ethnic, LOOKUP))
    assert list(summary.columns) == SUMMARY_COLUMNS
    by = summary.set_index(["ward_code", "dimension"])
    # age: |0.25 - 0.5| + |0.75 - 0.5| = 0.5, D = 0.25; ethnic: |0.1 - 0.2| + |0.9 - 0.8| = 0.2, D = 0.1
    assert by.at[("W1", "age_band"), "dissimilarity"] == pytest.approx(0.25)
    assert by.at[("W1", "age_band"), "representation_score"] == pytest.approx(0.75)
    assert by.at[("W1", "ethnic_group"), "dissimilarity"] == pytest.approx(0.1)
    assert by.at[("W1", "ethnic_group"), "not_stated"] == 5
    assert np.isnan(by.at[("W2", "age_band"), "dissimilarity"])


def test_least_represented_names_groups_by_the_documented_rule():
    people, age, ethnic = _hand_case()
    table = representation(people, age, ethnic, LOOKUP)
    named = least_represented(table, k=2)
    assert list(named.columns) == NAMED_COLUMNS
    assert named[["ward_code", "category", "rank"]].values.tolist() == [["W1", "18-24", 1], ["W1", "Asian", 2]]
    assert named.iloc[0]["sentence"] == "Residents aged 18-24: 25% of members, 50% of adult residents."
    assert named.iloc[1]["sentence"] == "Asian residents: 10% of members, 20% of residents."
    assert named.iloc[0]["clear"] and not named.iloc[1]["clear"]  # 4 of 40 could be chance against 20%
    # Asian expected 40 x 0.2 = 8: below a minimum of 10 expected it is not named
    assert least_represented(table, k=2, min_expected=10)["category"].tolist() == ["18-24"]
    assert least_represented(table, min_stated=41).empty  # too few people stated
    assert least_represented(table, dimension="ethnic_group", who="respondents")["sentence"].tolist() == [
        "Asian residents: 10% of respondents, 20% of residents."
    ]
    tiny = table.assign(census_share=np.where(table["category"] == "Asian", 0.015, table["census_share"]))
    assert "Asian" not in least_represented(tiny, k=5)["category"].tolist()  # under 2% of residents


def test_lookup_frame_and_bad_values():
    people, age, ethnic = _hand_case()
    frame = LOOKUP.rename_axis("lsoa21_code").reset_index()
    pd.testing.assert_frame_equal(representation(people, age, ethnic, frame), representation(people, age, ethnic, LOOKUP))
    with pytest.raises(LPTError, match="unknown age_band"):
        representation(people.assign(age_band="16-17"), age, ethnic, LOOKUP)
    with pytest.raises(LPTError, match="people need columns"):
        representation(people.drop(columns="ethnic_group"), age, ethnic, LOOKUP)


# --- the generator's planted skews ---------------------------------------------------------------


@pytest.fixture(scope="module")
def synthetic():
    calibration = tiny_calibration(households=3000)
    data = generate(calibration, seed=4, scale="force")
    households = calibration.areas.set_index("lsoa21_code")["households"]  # one adult per household drawn
    census_age = calibration.age.mul(households, axis=0)
    census_ethnic = calibration.ethnicity.mul(households, axis=0)
    lookup = calibration.areas[["lsoa21_code", "ward_code"]]
    return data, census_age, census_ethnic, lookup


def test_planted_skews_of_members_are_found(synthetic):
    data, census_age, census_ethnic, lookup = synthetic
    table = representation(data.members, census_age, census_ethnic, lookup)
    ages = table[table["dimension"] == "age_band"].set_index(["ward_code", "category"])["index"].unstack()
    by_age = table[table["dimension"] == "age_band"].assign(older=lambda t: t["category"].isin(["55-64", "65-74", "75+"]))
    older = by_age[by_age["older"]].groupby("ward_code")[["people_share", "census_share"]].sum()
    assert (older["people_share"] > older["census_share"]).all()  # 55 and over, together
    for ward in ("E05000001", "E05000002"):
        assert ages.loc[ward, "65-74"] > 1.2, ward  # the strongest planted age effect
        assert ages.loc[ward, "18-24"] < 1 and ages.loc[ward, "18-24"] < ages.loc[ward, "65-74"] / 2
    young = table[(table["dimension"] == "age_band") & (table["category"] == "18-24")]
    assert (young["index_high"] < 1).all()  # beyond chance in both wards
    ethnic = table[(table["dimension"] == "ethnic_group") & (table["ward_code"] == "E05000001")].set_index("category")
    assert ethnic.at["White", "index"] > 1 and ethnic.at["Asian", "index"] < 1  # the mixed ward
    named = least_represented(table, k=2)
    assert set(named["ward_code"]) == {"E05000001", "E05000002"}
    # every planted negative registration effect: under 45 or not White
    assert set(named["category"]) <= {"18-24", "25-34", "35-44", "Asian", "Black", "Mixed", "Other"}
    top3 = least_represented(table, k=3)
    assert top3.groupby("ward_code")["category"].agg(set).map(lambda named: "18-24" in named).all()
    summary = representation_summary(table).set_index(["ward_code", "dimension"])
    assert (summary["representation_score"] < 0.95).any() and (summary["representation_score"] > 0.5).all()
    assert (summary["not_stated"] > 0).all()  # a third of members give no demographics


def _share_65_and_over(table: pd.DataFrame) -> float:
    ages = table[table["dimension"] == "age_band"]
    return ages.loc[ages["category"].isin(["65-74", "75+"]), "people"].sum() / ages.groupby("ward_code")["stated"].first().sum()


def test_respondents_are_older_still(synthetic):
    data, census_age, census_ethnic, lookup = synthetic
    demographics = data.members[["member_id", "age_band", "ethnic_group"]]
    respondents = data.surveys[data.surveys["wave"] == "2025Q4"].merge(demographics, on="member_id")
    members = representation(data.members, census_age, census_ethnic, lookup)
    answering = representation(respondents, census_age, census_ethnic, lookup)
    assert _share_65_and_over(answering) > _share_65_and_over(members)  # older members answer more (planted response skew)
    named = least_represented(answering, k=2, who="respondents")
    assert set(named["category"]) <= {"18-24", "25-34", "35-44", "Asian", "Black", "Mixed", "Other"}
    assert named["sentence"].str.contains("of respondents").all()
