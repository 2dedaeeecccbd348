"""Linking stored crimes and postcodes: hand-made cases on both stores, and the bundled data."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

from lpt.ingest.crime import import_crime_files
from lpt.ingest.reference import import_reference
from lpt.linkage.link import NO_LSOA, NO_REFERENCE, UNKNOWN_LSOA21, link_all
from lpt.store.queries import boundaries, read_table
from lpt.store.schema import crime_links, crimes, postcode_links
from tests.policeuk_files import crime_row, write_street_file


def _links(engine) -> pd.DataFrame:
    links = read_table(engine, crime_links)
    records = read_table(engine, crimes, ["id", "month", "location", "source_line"])
    return records.merge(links, left_on="id", right_on="record_id").sort_values(["month", "source_line"])


def _import(engine, folder, name, rows):
    report = import_crime_files(engine, [write_street_file(folder / name, rows)], progress=False)
    assert not report.failed


def _linked(engine, reference_folder, name, rows):
    """Links of ``rows``, imported as file ``name`` next to the tiny reference release."""
    import_reference(engine, reference_folder, progress=False)
    _import(engine, reference_folder.parent, name, rows)
    return link_all(engine), _links(engine)


def test_each_crime_gets_street_lsoa_ward_district_and_force(store, reference_folder):
    report, links = _linked(
        store,
        reference_folder,
        "2025-03-test-street.csv",
        [
            crime_row(LSOA_code="E01000002", Location="On or near  Mill   Lane"),
            crime_row(LSOA_code="E01000003", Location="On or near Supermarket", Crime_ID="b" * 64),
            crime_row(LSOA_code="E01000009", Crime_ID="c" * 64),  # another force's district
            crime_row(LSOA_code="", LSOA_name="", Crime_ID="d" * 64),
            crime_row(LSOA_code="E01999999", Crime_ID="e" * 64),
        ],
    )
    assert (report.crimes, report.crimes_unlinked, report.crimes_outside_force_area) == (5, 2, 1)
    assert links["street_name"].tolist()[:2] == ["Mill Lane", "Supermarket"]
    assert links["is_place"].tolist()[:2] == [False, True]
    assert links["ward_code"].tolist()[:3] == ["E05000001", "E05000002", "E05000009"]
    assert links["district_code"].tolist()[:3] == ["E06000001", "E06000001", "E06000009"]
    assert set(links["pfa_code"]) == {"E23000001"}
    assert links["outside_force_area"].tolist() == [False, False, True, False, False]
    assert links["unlinked_reason"].tolist()[3:] == [NO_LSOA, UNKNOWN_LSOA21]
    assert set(links["lsoa_vintage"].dropna()) == {2021}


def test_a_2011_file_is_mapped_to_2021_codes(store, reference_folder):
    _, links = _linked(
        store,
        reference_folder,
        "2022-01-test-street.csv",
        [
            crime_row(Month="2022-01", LSOA_code="E01100004"),
            crime_row(
                Month="2022-01",
                LSOA_code="E01100002",
                Longitude="-1.485",
                Latitude="52.405",
                Crime_ID="b" * 64,
            ),
        ],
    )
    assert links["lsoa21_code"].tolist() == ["E01000001", "E01000003"]
    assert links["lsoa_rule"].tolist() == ["lsoa11_unique", "lsoa11_split_in_polygon"]
    assert links["ward_code"].tolist() == ["E05000001", "E05000002"]
    assert set(links["lsoa_vintage"]) == {2011}


def test_linking_again_and_replacing_a_month_keep_one_link_per_record(store, reference_folder, tmp_path):
    import_reference(store, reference_folder, progress=False)
    _import(store, tmp_path / "a", "2025-03-test-street.csv", [crime_row(), crime_row(Crime_ID="b" * 64)])
    link_all(store)
    link_all(store)
    assert len(read_table(store, crime_links)) == 2
    _import(
        store, tmp_path / "b", "2025-03-test-street.csv", [crime_row(Crime_type="Robbery")]
    )  # republished
    assert len(read_table(store, crime_links)) == 0  # links of the replaced rows went with them
    link_all(store)
    assert read_table(store, crime_links)["record_id"].tolist() == read_table(store, crimes)["id"].tolist()


def test_without_reference_data_every_record_says_why(store, tmp_path):
    _import(store, tmp_path, "2025-03-test-street.csv", [crime_row()])
    link_all(store)
    assert read_table(store, crime_links)["unlinked_reason"].tolist() == [NO_REFERENCE]


def test_postcodes_are_linked_with_their_rule(store, reference_folder):
    import_reference(store, reference_folder, progress=False)
    link_all(store)
    links = read_table(store, postcode_links).set_index("postcode")
    assert links["rule"].to_dict() == {
        "TE1 1AA": "lsoa11_unique",
        "TE1 1AB": "point_in_polygon",
        "TE11 1AD": "point_in_polygon",
        "TE1 1AE": "nearest_polygon",
        "TE1 1AF": "unlinked",
    }
    assert links.loc["TE1 1AB", "ward_code"] == "E05000002"


# --- the bundled data -------------------------------------------------------


def test_every_bundled_crime_row_has_a_ward_or_a_reason(bundled_store):
    links = _links(bundled_store)
    assert len(links) == len(read_table(bundled_store, crimes, ["id"]))
    assert (links["ward_code"].notna() ^ links["unlinked_reason"].notna()).all()
    in_2025 = links[links["month"].str.startswith("2025")]
    assert len(in_2025) == 95_721 and (in_2025["unlinked_reason"].notna()).sum() == 1
    assert in_2025["lsoa_rule"].dropna().eq("as_published").all()
    assert in_2025.loc[in_2025["street_name"] == "Parking Area", "is_place"].all()


def test_the_2022_file_maps_its_2011_codes_to_the_polygons_holding_its_points(bundled_store):
    links = _links(bundled_store)
    old = links[links["month"] == "2022-01"].merge(
        read_table(bundled_store, crimes, ["id", "longitude", "latitude", "lsoa_code"]), on="id"
    )
    assert set(old["lsoa_vintage"]) == {2011} and old["ward_code"].notna().all()
    assert (
        old["lsoa_rule"].str.startswith("lsoa11_").all() and (old["lsoa_rule"] != "lsoa11_unique").sum() > 100
    )
    polygons = boundaries(bundled_store, "lsoa21_boundaries").set_index("code").to_crs(27700)
    inside = old[old["lsoa21_code"].isin(polygons.index)]
    points = gpd.GeoSeries.from_xy(inside["longitude"], inside["latitude"], crs=4326).to_crs(27700)
    distance = points.distance(polygons.geometry.reindex(inside["lsoa21_code"]).set_axis(points.index))
    assert len(inside) > 7_900 and (distance <= 200).mean() > 0.995
