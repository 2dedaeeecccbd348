"""The synthetic community data: calibration to the real public data, planted truths, determinism."""

from __future__ import annotations

import filecmp
import json
from datetime import date

import numpy as np
import pandas as pd
import pytest

from lpt.access.users import add_user, get_user
from lpt.cli import main
from lpt.ingest.community import import_community_files
from lpt.setups.model import SetupArea, SetupSpec, create_setup
from lpt.store import open_store
from lpt.synth import PlantedChange, generate, write
from lpt.synth.calibration import load_calibration
from lpt.synth.generate import SAMPLE_WARDS, sample_wards
from lpt.vocab import AGE_BANDS, GROUPS, TOPICS, VISIT_OUTCOMES
from tests.conftest import backup_copy
from tests.synth_calibration import tiny_calibration


@pytest.fixture(scope="module")
def calibration(bundled_store):
    return load_calibration(bundled_store)


@pytest.fixture(scope="module")
def sample(calibration):
    return generate(calibration, seed=7, scale="sample")


def test_calibration_covers_every_census_lsoa_with_its_households(calibration):
    areas = calibration.areas
    assert len(areas) == 591 and areas["households"].sum() == 410_516
    assert set(areas["imd_decile"]) <= set(range(1, 11)) and areas["rural"].any()
    assert np.allclose(calibration.ethnicity.sum(axis=1), 1) and np.allclose(calibration.age.sum(axis=1), 1)
    assert set(calibration.postcodes["lsoa21_code"]) <= set(areas["lsoa21_code"])
    assert len(calibration.streets) > 5000


def test_sample_scale_is_the_four_sample_wards(sample, calibration):
    assert sample.truth["wards"] == sorted(SAMPLE_WARDS)
    assert sample_wards(calibration) == list(SAMPLE_WARDS)


def test_households_per_lsoa_match_the_census(sample, calibration):
    made = sample.households.groupby("lsoa21_code").size()
    census = calibration.areas.set_index("lsoa21_code")["households"].loc[made.index]
    assert (made == census).all()  # every household of the census, none invented
    assert made.sum() > 10_000


def test_addresses_read_like_real_ones(sample):
    homes = sample.households
    assert homes["address_id"].is_unique
    numbered = homes[homes["house_number"] != ""].assign(number=lambda h: h["house_number"].astype(int))
    street = numbered.groupby(["district_code", "street"])["number"]
    assert not numbered.duplicated(["district_code", "street", "number"]).any()
    assert (street.max() <= homes.groupby(["district_code", "street"]).size().loc[street.max().index]).all()
    assert (homes["house_number"] == "").sum() == (homes["house_name"] != "").sum()
    assert homes["postcode"].str.fullmatch(r"[A-Z]{1,2}\d[A-Z\d]? \d[A-Z]{2}").all()


def test_planted_registration_skews_are_present(sample, calibration):
    members = sample.members
    coverage = len(members.drop_duplicates("address_id")) / len(sample.households)
    assert 0.10 <= coverage <= 0.15
    # older residents over-represented against the adult population of the same LSOAs
    population = calibration.age.loc[sample.households["lsoa21_code"]].mean()
    members_by_age = members["true_age_band"].value_counts(normalize=True).reindex(list(AGE_BANDS))
    assert members_by_age["65-74"] > population["65-74"] and members_by_age["18-24"] < population["18-24"]
    # less deprived areas register more
    imd = calibration.areas.set_index("lsoa21_code")["imd_decile"]
    assert members["lsoa21_code"].map(imd).mean() > sample.households["lsoa21_code"].map(imd).mean()
    # White residents over-represented among members who state an ethnic group
    stated = members.loc[members["ethnic_group"] != "", "ethnic_group"]
    white_population = calibration.ethnicity.loc[sample.households["lsoa21_code"], "White"].mean()
    assert (stated == "White").mean() > white_population


def test_members_leave_about_a_third_of_demographics_blank(sample):
    blank = (sample.members[["age_band", "sex", "ethnic_group", "religion", "first_language"]] == "").all(axis=1)
    assert 0.25 < blank.mean() < 0.42
    groups = sample.members["groups"].str.split(";").explode()
    assert set(groups[groups != ""]) <= set(GROUPS)


def test_contact_details_cannot_reach_anyone(sample):
    members = sample.members
    assert members["email"].str.fullmatch(r"[a-z.]+\d+@example\.(com|org|net)").all()
    assert members["phone"].str.fullmatch(r"07700 900\d{3}|01632 960\d{3}|0113 496 0\d{3}").all()


def test_survey_answers_come_from_registered_members_in_the_quarter(sample):
    surveys = sample.surveys.merge(sample.members[["member_id", "opted_in", "opted_out"]], on="member_id")
    assert len(surveys) == len(sample.surveys)
    answered = pd.to_datetime(surveys["responded_on"])
    assert (pd.to_datetime(surveys["opted_in"]) <= answered).all()
    left = pd.to_datetime(surveys["opted_out"].replace("", None))
    assert not (left <= pd.PeriodIndex(surveys["wave"], freq="Q").start_time).any()
    assert (pd.PeriodIndex(answered, freq="Q").astype(str) == surveys["wave"]).all()
    priorities = surveys[["priority_1", "priority_2", "priority_3"]].stack()
    assert set(priorities[priorities != ""]) <= set(TOPICS)


def test_doorstep_registrations_are_dated_to_the_visit(sample):
    visits = sample.visits
    assert set(visits["outcome"]) <= set(VISIT_OUTCOMES)
    registered = visits[visits["outcome"] == "registered"].merge(sample.members, on="address_id")
    assert len(registered) and (registered["visited_on"] == registered["opted_in"]).any()
    assert (registered.groupby("visit_id").apply(lambda g: (g["visited_on"] == g["opted_in"]).any())).all()


def test_priorities_follow_the_local_crime_mix():
    synthetic = generate(tiny_calibration(households=2000), seed=3, scale="force")
    answers = synthetic.surveys.merge(synthetic.members[["member_id", "lsoa21_code"]], on="member_id")
    drugs = answers[["priority_1", "priority_2", "priority_3"]].eq("drugs").any(axis=1)
    by_lsoa = drugs.groupby(answers["lsoa21_code"]).mean()
    assert by_lsoa["E01000001"] > by_lsoa["E01000003"] + 0.1  # 40% drugs crime against none


def test_a_planted_fall_in_confidence_shows_in_the_planted_ward():
    calibration = tiny_calibration(households=3000)
    plant = PlantedChange(wards=("E05000001",), wave="2025Q1", shift=-1.0)
    synthetic = generate(calibration, seed=5, scale="force", plant=plant)
    answers = synthetic.surveys.assign(after=synthetic.surveys["wave"] >= "2025Q1")
    means = answers.groupby(["ward_code", "after"])["confidence"].mean().unstack()
    change = means[True] - means[False]
    assert change["E05000001"] < change["E05000002"] - 0.3
    truth = synthetic.truth["planted_change"]
    assert {k: truth[k] for k in ("wards", "lsoas", "wave", "shift")} == {
        "wards": ["E05000001"], "lsoas": [], "wave": "2025Q1", "shift": -1.0}
    assert truth["true_effect_pp"] == truth["true_effect_wards_pp"] < -5


def test_a_planted_effect_records_its_true_effect_on_the_share_confident():
    """The truth is the expected difference in the share confident between the planted answers and the same
    answers unplanted: the same seed without the plant draws the same noise, so the realised difference of
    the two datasets' shares estimates it closely."""
    calibration = tiny_calibration(households=8000)
    plant = PlantedChange(wards=(), lsoas=("E01000001",), wave="2025Q1", shift=0.4)
    planted = generate(calibration, seed=8, scale="force", plant=plant)
    unplanted = generate(calibration, seed=8, scale="force")
    truth = planted.truth["planted_change"]
    answers = planted.surveys
    assert answers["planted"].sum() > 300 and (answers.loc[~answers["planted"], "planted_effect"] == 0).all()
    lsoa = answers["member_id"].map(planted.members.set_index("member_id")["lsoa21_code"])
    assert (answers["planted"] == ((lsoa == "E01000001") & (answers["wave"] >= "2025Q1"))).all()
    confident = [s.loc[answers["planted"], "confidence"].isin([4, 5]).mean() for s in (planted.surveys, unplanted.surveys)]
    assert 100 * (confident[0] - confident[1]) == pytest.approx(truth["true_effect_pp"], abs=5)
    assert 4 < truth["true_effect_pp"] < 12  # a deprived LSOA: most answers lie well below the cut
    # E01000001 is half of ward E05000001: comparing whole wards dilutes the effect
    assert 0.3 * truth["true_effect_pp"] < truth["true_effect_wards_pp"] < 0.7 * truth["true_effect_pp"]


def test_same_seed_same_files_other_seed_other_files(tmp_path):
    calibration = tiny_calibration()
    first = write(generate(calibration, seed=11), tmp_path / "a")
    again = write(generate(calibration, seed=11), tmp_path / "b")
    other = write(generate(calibration, seed=12), tmp_path / "c")
    assert all(filecmp.cmp(x, y, shallow=False) for x, y in zip(first, again))
    assert not filecmp.cmp(first[1], other[1], shallow=False)  # members.csv


def test_the_export_imports_cleanly_through_the_real_importers(store, tmp_path):
    synthetic = generate(tiny_calibration(), seed=2, scale="force")
    folder = tmp_path / "export"
    write(synthetic, folder)
    for kind in ("households", "members", "visits", "surveys"):
        report = import_community_files(store, kind, [folder / f"{kind}.csv"])
        assert report.total("rejected") == 0 and not report.failed
        assert report.total("stored") == synthetic.truth["rows"][kind]


def test_synth_command_writes_the_export(bundled_store, tmp_path, capsys):
    url = bundled_store.url.render_as_string(hide_password=False)
    out = tmp_path / "out"
    code = main(["--db", url, "synth", "--seed", "1", "--scale", "sample", "--out", str(out), "--plant", "E05011529:2025Q2:-0.5"])
    assert code == 0
    assert sorted(p.name for p in out.iterdir()) == ["households.csv", "members.csv", "surveys.csv", "truth.json", "visits.csv"]
    assert json.loads((out / "truth.json").read_text())["planted_change"]["wards"] == ["E05011529"]
    assert "Rows:" in capsys.readouterr().out


def test_synth_command_plants_a_stored_setups_effect(bundled_store, tmp_path):
    url = backup_copy(bundled_store, tmp_path / "lpt.sqlite")
    copy = open_store(url)
    add_user(copy, None, "admin", name="Admin", role="admin")
    spec = SetupSpec("Planted", SetupArea(wards=("E05011529",)), date(2025, 4, 1))
    setup_id = create_setup(copy, get_user(copy, "admin"), spec, purpose="synthetic plant test")
    copy.dispose()
    assert main(["--db", url, "synth", "--seed", "1", "--out", str(tmp_path / "out"), "--plant-setup", f"{setup_id}:0.4"]) == 0
    truth = json.loads((tmp_path / "out" / "truth.json").read_text())["planted_change"]
    assert truth["wards"] == ["E05011529"] and truth["wave"] == "2025Q2" and truth["shift"] == 0.4
    assert 0 < truth["true_effect_pp"] < 40
    assert main(["--db", url, "synth", "--seed", "1", "--out", str(tmp_path / "out"), "--plant-setup", "x"]) == 1


def test_synth_command_refuses_a_bad_plant(bundled_store, tmp_path, capsys):
    url = bundled_store.url.render_as_string(hide_password=False)
    assert main(["--db", url, "synth", "--seed", "1", "--out", str(tmp_path), "--plant", "nonsense"]) == 1
    assert "--plant wants WARDS:WAVE:SHIFT" in capsys.readouterr().err
