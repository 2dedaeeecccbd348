"""Area profiles against hand counts: a small hand-made store, then the sample data."""

from __future__ import annotations

import numpy as np
import pytest

from lpt import settings
from lpt.access.guard import PermissionDenied
from lpt.access.users import add_user, get_user
from lpt.harm import harm_weights
from lpt.ingest.community import import_community_files
from lpt.ingest.crime import import_crime_files
from lpt.ingest.reference import import_reference
from lpt.insight.profile import Filters, area_profile, street_code
from lpt.insight.refresh import refresh
from lpt.linkage.link import link_all
from lpt.store import open_store
from lpt.store.queries import ward_crime_counts
from tests.community_files import row, write_export
from tests.policeuk_files import asb_row, crime_row, write_street_file
from tests.reference_files import write_reference

NORTH, SOUTH = "E05000001", "E05000002"
TRUST = [5, 4, 4, 3, 2, 1]
CONFIDENCE = [5, 5, 4, 3, 2, 2]


def _households():
    north = [row("households", address_id=f"H{i}", house_number=str(i), postcode="TE1 1AA") for i in range(1, 6)]
    north += [row("households", address_id=f"H{i}", street="Church Road", postcode="TE11 1AD") for i in range(6, 9)]
    south = [row("households", address_id=f"H{i}", street="High Street", postcode="TE1 1AE") for i in (9, 10)]
    return north + south


def _members():
    north = [
        row("members", member_id=f"M{i}", address_id=f"H{i}", postcode="TE1 1AA" if i <= 5 else "TE11 1AD",
            groups="neighbourhood_watch" if i <= 5 else "", age_band="65-74" if i <= 3 else "25-34")
        for i in range(1, 7)
    ]
    return north + [row("members", member_id="M7", address_id="H9", postcode="TE1 1AE")]


def _surveys():
    north = [
        row("surveys", response_id=f"R{i}", member_id=f"M{i}", trust=str(TRUST[i - 1]),
            confidence=str(CONFIDENCE[i - 1]), priority_1="drugs", priority_2="asb" if i <= 5 else "speeding",
            priority_3="speeding" if i == 1 else "",
            concern="Dealing near the park" if i == 1 else "")
        for i in range(1, 7)
    ]
    return north + [row("surveys", response_id="R7", member_id="M7")]


def _crimes(month: str) -> list[list[str]]:
    return [
        crime_row(Month=month, Crime_ID=f"{month}a", Crime_type="Burglary", Location="On or near Mill Lane"),
        crime_row(Month=month, Crime_ID=f"{month}b", Crime_type="Drugs", Location="On or near Mill Lane"),
        asb_row(Month=month, Location="On or near Church Road", LSOA_code="E01000002", Longitude="-1.495"),
        crime_row(Month=month, Crime_ID=f"{month}c", LSOA_code="E01000003", Longitude="-1.485"),
        crime_row(Month=month, Crime_ID=f"{month}x", LSOA_code="E01000009"),  # outside the force area
    ]


@pytest.fixture(scope="module")
def small(tmp_path_factory):
    folder = tmp_path_factory.mktemp("profile")
    engine = open_store(f"sqlite:///{folder / 'lpt.sqlite'}")
    import_reference(engine, write_reference(folder / "raw"), progress=False)
    files = [write_street_file(folder / "crime" / f"{m}-test-street.csv", _crimes(m)) for m in ("2025-01", "2025-02", "2025-03")]
    import_crime_files(engine, files, progress=False)
    link_all(engine)
    for kind, rows in (("households", _households()), ("members", _members()), ("surveys", _surveys())):
        assert not import_community_files(engine, kind, [write_export(folder / f"{kind}.csv", kind, rows)]).failed
    refresh(engine)
    admin = add_user(engine, None, "admin", name="Admin", role="admin")
    add_user(engine, admin, "pc1", name="PC", role="officer", areas=[("ward", NORTH)])
    add_user(engine, admin, "an1", name="Analyst", role="analyst")
    yield engine
    engine.dispose()


def test_ward_profile_matches_hand_counts(small):
    profile = area_profile(small, get_user(small, "pc1"), "ward", NORTH, start="2025-01", end="2025-03")
    s = profile.summary
    assert (profile.name, s["households"], s["members"], s["coverage_pct"]) == ("North", 8, 6, 75.0)
    assert (s["responses"], s["response_rate_pct"]) == (6, 100.0)
    assert s["trust_mean"] == pytest.approx(np.mean(TRUST), abs=0.005)
    assert s["confidence_mean"] == pytest.approx(np.mean(CONFIDENCE), abs=0.005)
    assert s["confident_pct"] == 50.0  # 3 of 6 answered 4 or 5
    assert s["concerns"] is None  # one concern: below 5, suppressed
    assert profile.waves == ["2025Q1"]


def test_crime_counts_and_harm_side_by_side(small):
    profile = area_profile(small, get_user(small, "pc1"), "ward", NORTH, start="2025-01", end="2025-03")
    crime = profile.crime.set_index("crime_type")
    weights = harm_weights()
    assert crime.loc["Burglary", "records"] == 3 and crime.loc["Drugs", "records"] == 3
    assert crime.loc["Anti-social behaviour", "records"] == 3
    assert crime.loc["Burglary", "harm"] == pytest.approx(3 * weights["Burglary"])
    assert profile.summary["crime_records"] == 9  # the E01000009 rows lie outside the force area
    assert profile.crime_trend["records"].tolist() == [3, 3, 3]


def test_change_against_the_previous_period(small):
    profile = area_profile(small, get_user(small, "an1"), "ward", NORTH, start="2025-03", end="2025-03")
    crime = profile.crime.set_index("crime_type")
    assert (crime.loc["Burglary", "records"], crime.loc["Burglary", "previous_records"]) == (1, 1)
    assert crime.loc["Burglary", "change_pct"] == 0.0


def test_priorities_go_through_disclosure_control(small):
    profile = area_profile(small, get_user(small, "pc1"), "ward", NORTH, start="2025-01", end="2025-03")
    priorities = profile.priorities.set_index("topic")
    assert priorities.loc["drugs", "respondents"] == 6 and priorities.loc["drugs", "share_pct"] == 100.0
    assert priorities.loc["asb", "respondents"] == 5
    assert priorities.loc["speeding"].isna()["respondents"]  # 2 respondents: suppressed
    assert (priorities["respondents"].dropna() >= 5).all()


def test_street_profile(small):
    profile = area_profile(small, get_user(small, "pc1"), "street", street_code("E01000001", "Mill Lane"), start="2025-01", end="2025-03")
    assert (profile.summary["households"], profile.summary["members"], profile.summary["crime_records"]) == (5, 5, 6)


def test_filters_on_group_and_age(small):
    analyst = get_user(small, "an1")
    watch = area_profile(small, analyst, "ward", NORTH, start="2025-01", end="2025-03", filters=Filters(group="neighbourhood_watch"))
    assert (watch.summary["members"], watch.summary["responses"]) == (5, 5)
    older = area_profile(small, analyst, "ward", NORTH, start="2025-01", end="2025-03", filters=Filters(age_band="65-74"))
    assert older.summary["members"] is None and older.summary["trust_mean"] is None  # 3: suppressed
    deprived = area_profile(small, analyst, "force", "E23000001", start="2025-01", end="2025-03", filters=Filters(imd_deciles=(11,)))
    assert deprived.summary["crime_records"] == 0


def test_small_areas_are_suppressed_and_other_wards_refused(small):
    south = area_profile(small, get_user(small, "an1"), "ward", SOUTH, start="2025-01", end="2025-03")
    assert south.summary["members"] is None and south.summary["coverage_pct"] is None
    with pytest.raises(PermissionDenied):
        area_profile(small, get_user(small, "pc1"), "ward", SOUTH)


def test_population_mix_against_the_force(small):
    mix = area_profile(small, get_user(small, "an1"), "ward", NORTH).population
    assert list(mix["category"]) == ["Asian", "Black", "Mixed", "White", "Other"]
    assert mix["force_pct"].sum() == pytest.approx(100, abs=0.5)


def test_unknown_areas_and_bad_periods_are_clear_errors(small):
    analyst = get_user(small, "an1")
    with pytest.raises(Exception, match="no ward"):
        area_profile(small, analyst, "ward", "E05999999")
    with pytest.raises(Exception, match="starts"):
        area_profile(small, analyst, "ward", NORTH, start="2025-04", end="2025-01")


# On the sample data: the profile of a sample ward equals counts made directly from the export.


def test_sample_ward_profile_matches_the_export(sample_store):
    engine, synthetic = sample_store
    ward = "E05011529"
    profile = area_profile(engine, get_user(engine, "an1"), "ward", ward, start="2025-01", end="2025-12")
    homes = synthetic.households
    assert profile.summary["households"] == int((homes["ward_code"] == ward).sum())
    members = synthetic.members
    registered = (members["ward_code"] == ward) & (members["opted_in"] <= "2025-12-31") & (
        (members["opted_out"] == "") | (members["opted_out"] > "2025-12-31")
    )
    assert profile.summary["members"] == int(registered.sum())
    answers = synthetic.surveys[(synthetic.surveys["ward_code"] == ward) & synthetic.surveys["wave"].str.startswith("2025")]
    assert profile.summary["responses"] == len(answers)
    assert profile.summary["confidence_mean"] == pytest.approx(answers["confidence"].mean(), abs=0.005)
    by_ward = ward_crime_counts(engine)
    assert profile.summary["crime_records"] == by_ward.loc[by_ward["ward_code"] == ward, "records"].sum()


def test_analyst_notebook_runs_with_papermill(sample_store, tmp_path):
    import papermill

    engine, _ = sample_store
    executed = tmp_path / "analyst_profiles.ipynb"
    papermill.execute_notebook(
        str(settings.PROJECT_ROOT / "notebooks" / "analyst_profiles.ipynb"),
        str(executed),
        parameters={"db_url": engine.url.render_as_string(hide_password=False), "user": "an1",
                    "code": "E05011529", "start": "2025-01", "end": "2025-12"},
        kernel_name="python3",
        progress_bar=False,
    )
    text = executed.read_text()
    assert "Central (ward E05011529), 2025-01 to 2025-12" in text
    assert text.count("image/png") >= 3  # trend, priorities and weighted confidence charts
    assert "Benjamini" in text and "classification" in text
