"""Importing reference data: every dataset, all or nothing, safe to repeat."""

from __future__ import annotations

import gzip

import pandas as pd
import pytest
from sqlalchemy import func, select

from lpt.ingest.reference import DATASETS, import_reference, normalise_postcodes
from lpt.store.queries import boundaries, read_table
from lpt.store.schema import ref_census, ref_deprivation, ref_districts, ref_postcodes, reference_imports
from tests.reference_files import POSTCODES, write_reference


def _counts(engine) -> dict[str, int]:
    with engine.connect() as connection:
        return {
            d.table.name: connection.execute(select(func.count()).select_from(d.table)).scalar_one()
            for d in DATASETS
        }


def test_every_dataset_imports_and_repeating_stores_nothing_new(store, reference_folder):
    first = import_reference(store, reference_folder, progress=False)
    assert [d.status for d in first.datasets] == ["imported"] * len(DATASETS)
    counts = _counts(store)
    again = import_reference(store, reference_folder, progress=False)
    assert [d.status for d in again.datasets] == ["unchanged"] * len(DATASETS)
    assert _counts(store) == counts
    assert counts["ref_postcodes"] == len(POSTCODES)
    assert len(read_table(store, reference_imports)) == len(DATASETS)


def test_values_are_typed_and_shaped(store, reference_folder):
    import_reference(store, reference_folder, progress=False)
    imd = read_table(store, ref_deprivation).set_index(["dataset", "domain", "lsoa_code"])
    assert imd.loc[("imd2019", "IMD", "E01000001"), "rank"] == 1234  # published as "1,234"
    assert imd.loc[("imd2025", "Crime", "E01000002"), "score"] == 41.5
    population = read_table(store, ref_census).query("dataset == 'population_age_mid2020'")
    assert sorted(population["category"]) == ["0", "90+"] and set(population["total"]) == {3}
    postcodes = read_table(store, ref_postcodes).set_index("postcode")
    assert postcodes.loc["TE1 1AB", "is_large_user"] and not postcodes.loc["TE1 1AA", "is_large_user"]
    assert pd.isna(postcodes.loc["TE11 1AD", "lsoa11_code"])  # newer than the ONS lookup
    assert abs(postcodes.loc["TE1 1AA", "longitude"] + 1.505) < 1e-4
    polygons = boundaries(store, "lsoa21_boundaries")
    assert polygons.crs.to_epsg() == 4326 and polygons.geometry.is_valid.all() and len(polygons) == 3


def test_a_new_release_replaces_only_its_dataset(store, reference_folder):
    import_reference(store, reference_folder, progress=False)
    path = reference_folder / "geography/lookup_ltla24_csp24_pfa24.csv"
    path.write_text(
        path.read_text().replace("Otherborough,E23000009,Other", "Otherborough,E23000009,Elsewhere")
    )
    report = import_reference(store, reference_folder, progress=False)
    assert [d.dataset for d in report.datasets if d.status == "imported"] == ["district_csp_force"]
    assert sorted(read_table(store, ref_districts)["pfa_name"]) == ["Elsewhere", "Test"]


@pytest.mark.parametrize(
    ("file", "old", "new", "message"),
    [
        (
            "census/household_tenure21_lsoa21_humberside.csv",
            "E01000002,40",
            "E01000002,forty",
            "line 3: field 'total_households'",
        ),
        (
            "census/household_tenure21_lsoa21_humberside.csv",
            "E01000003,",
            ",",
            "line 4: field 'lsoa21_code': empty",
        ),
        ("geography/lookup_lsoa11_lsoa21_ltla22.csv.gz", ",S,", ",Q,", "line 3: field 'change_code'"),
        (
            "geography/lookup_lsoa21_ward24_ltla24.csv.gz",
            "E01000002,Test 001B",
            "E01000001,Test 001B",
            "lsoa21_code E01000001 appears more than once",
        ),
        ("geography/ruc21_lsoa21.csv.gz", "ruc21_code", "ruc_code", "line 1: missing column(s) 'ruc21_code'"),
        (
            "geography/lsoa21_humberside.geojson",
            '"lsoa21_code"',
            '"code"',
            "feature 1: property 'lsoa21_code' missing",
        ),
        (
            "geography/lsoa21_humberside.geojson",
            "FeatureCollection",
            "Nonsense",
            "not a readable boundary file",
        ),
    ],
)
def test_a_bad_row_names_file_line_and_field_and_stores_nothing_of_its_dataset(
    store, tmp_path, file, old, new, message
):
    folder = write_reference(tmp_path / "good")
    import_reference(store, folder, progress=False)
    before = _counts(store)
    path = folder / file
    read = (lambda: gzip.decompress(path.read_bytes()).decode()) if file.endswith(".gz") else path.read_text
    text = read().replace(old, new, 1)
    path.write_bytes(gzip.compress(text.encode()) if file.endswith(".gz") else text.encode())
    report = import_reference(store, folder, progress=False)
    (failed,) = report.failed
    assert failed.error.startswith(str(path)) and message in failed.error
    assert _counts(store) == before


def test_a_missing_file_is_reported_and_the_rest_imports(store, reference_folder):
    (reference_folder / "geography/ruc21_lsoa21.csv.gz").unlink()
    report = import_reference(store, reference_folder, progress=False)
    (failed,) = report.failed
    assert failed.dataset == "rural_urban" and "cannot read file" in failed.error
    assert len(report.datasets) - len(report.failed) == len(DATASETS) - 1


def test_postcodes_are_normalised():
    assert normalise_postcodes(pd.Series(["hu106aa", "HU1  1AA", "DN1 1AB"])).tolist() == [
        "HU10 6AA",
        "HU1 1AA",
        "DN1 1AB",
    ]
