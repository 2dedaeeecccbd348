"""Import semantics of police.uk street files, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import gzip

import pytest
from sqlalchemy import func, select

from lpt.ingest.crime import import_crime_files
from lpt.settings import bundled_crime_dir
from lpt.store.queries import crime_summary, rejected_rows
from lpt.store.schema import crime_batches, crimes
from tests.policeuk_files import asb_row, crime_row, write_street_file

NAME = "2025-03-test-street.csv"


def _count(store, table=crimes, *where) -> int:
    with store.connect() as connection:
        return connection.execute(select(func.count()).select_from(table).where(*where)).scalar_one()


def _balanced(report) -> bool:
    return all(f.read == f.stored + f.duplicates + f.rejected for f in report.files)


def test_sound_file_stores_every_row(store, tmp_path):
    path = write_street_file(tmp_path / NAME, [crime_row(), asb_row(), crime_row(Crime_ID="b" * 64)])
    report = import_crime_files(store, [path])
    assert report.as_dict()["files"] == [
        {"path": str(path), "read": 3, "stored": 3, "duplicates": 0, "rejected": 0, "replaced": 0, "error": None}
    ]
    assert _count(store) == 3


def test_bad_rows_are_rejected_with_reason_and_the_rest_imports(store, tmp_path):
    rows = [crime_row(), crime_row(Crime_ID="b" * 64, Latitude="north"), crime_row(Crime_ID="c" * 64, LSOA_code="E1")]
    path = write_street_file(tmp_path / NAME, rows)
    report = import_crime_files(store, [path])
    assert (report.total("stored"), report.total("rejected")) == (1, 2)
    rejects = rejected_rows(store)
    assert rejects[["file", "line", "field"]].values.tolist() == [
        [str(path), 3, "Latitude"],
        [str(path), 4, "LSOA code"],
    ]
    assert "not a number" in rejects.reason[0]
    assert '"north"' in rejects.raw_values[0]


def test_broken_file_stores_nothing_and_the_others_still_import(store, tmp_path):
    broken = tmp_path / "2025-02-test-street.csv"
    broken.write_text("not,a,police,file\n1,2,3,4\n")
    good = write_street_file(tmp_path / NAME, [crime_row()])
    report = import_crime_files(store, [broken, good])
    assert [f.error is not None for f in report.files] == [True, False]
    assert report.files[0].error.startswith(f"{broken}, line 1: header")
    assert report.files[0].read == report.files[0].stored == 0
    assert _count(store) == 1 and _count(store, crime_batches) == 1


def test_identical_rows_with_a_crime_id_are_duplicates_first_kept(store, tmp_path):
    row = crime_row()
    report = import_crime_files(store, [write_street_file(tmp_path / NAME, [row, row, row])])
    assert (report.total("stored"), report.total("duplicates")) == (1, 2)
    with store.connect() as connection:
        assert connection.execute(select(crimes.c.source_line)).scalars().all() == [2]


def test_rows_sharing_a_crime_id_but_differing_are_kept_and_flagged(store, tmp_path):
    rows = [crime_row(), crime_row(Location="On or near Low Street"), crime_row(Crime_ID="z" * 64)]
    import_crime_files(store, [write_street_file(tmp_path / NAME, rows)])
    with store.connect() as connection:
        flags = connection.execute(select(crimes.c.shared_crime_id).order_by(crimes.c.source_line)).scalars()
        assert list(flags) == [True, True, False]


def test_identical_asb_rows_are_separate_incidents_with_stable_identity(store, tmp_path):
    path = write_street_file(tmp_path / NAME, [asb_row(), asb_row(), asb_row()])
    assert import_crime_files(store, [path]).total("stored") == 3
    identity = select(crimes.c.row_hash, crimes.c.ordinal).order_by(crimes.c.ordinal)
    with store.connect() as connection:
        first = connection.execute(identity).all()
    assert [ordinal for _, ordinal in first] == [0, 1, 2] and len({h for h, _ in first}) == 1
    # a republished month with one more incident keeps the identities of the others
    import_crime_files(store, [write_street_file(tmp_path / NAME, [asb_row()] * 4)])
    with store.connect() as connection:
        assert connection.execute(identity).all()[:3] == first


def test_the_same_file_again_stores_nothing_and_counts_duplicates(store, tmp_path):
    path = write_street_file(tmp_path / NAME, [crime_row(), asb_row(), crime_row(Month="bad")])
    import_crime_files(store, [path])
    again = import_crime_files(store, [path])
    assert again.as_dict()["files"][0] | {"path": None} == {
        "path": None, "read": 3, "stored": 0, "duplicates": 3, "rejected": 0, "replaced": 0, "error": None
    }
    assert _count(store) == 2 and len(rejected_rows(store, include_replaced=True)) == 1


def test_same_content_compressed_or_reordered_is_the_same_month(store, tmp_path):
    rows = [crime_row(), asb_row(), crime_row(Crime_ID="q" * 64)]
    import_crime_files(store, [write_street_file(tmp_path / NAME, rows)])
    again = import_crime_files(store, [write_street_file(tmp_path / "x" / (NAME + ".gz"), rows[::-1])])
    assert again.total("stored") == 0 and again.total("duplicates") == 3


def test_republished_month_replaces_the_earlier_version(store, tmp_path):
    first = write_street_file(tmp_path / "v1" / NAME, [crime_row(), asb_row(), crime_row(Month="bad")])
    import_crime_files(store, [first])
    second = write_street_file(
        tmp_path / "v2" / NAME,
        [crime_row(Last_outcome_category="Court result"), asb_row(), asb_row()],
    )
    report = import_crime_files(store, [second])
    assert (report.total("replaced"), report.total("stored")) == (2, 3)
    assert _count(store) == 3
    assert _count(store, crime_batches) == 2 and _count(store, crime_batches, crime_batches.c.active) == 1
    assert rejected_rows(store).empty  # the new version has no rejects...
    assert len(rejected_rows(store, include_replaced=True)) == 1  # ...and the old ones are kept


def test_other_months_and_forces_are_untouched_by_a_replacement(store, tmp_path):
    march = write_street_file(tmp_path / NAME, [crime_row()])
    other = write_street_file(
        tmp_path / "2025-03-other-street.csv", [crime_row(Reported_by="Other Police", Falls_within="Other Police")]
    )
    import_crime_files(store, [march, other])
    import_crime_files(store, [write_street_file(tmp_path / "v2" / NAME, [asb_row()])])
    summary = crime_summary(store)
    assert summary[["force", "records"]].values.tolist() == [["Other Police", 1], ["Test Constabulary", 1]]


def test_rows_without_coordinates_are_stored_and_flagged(store, tmp_path):
    path = write_street_file(tmp_path / NAME, [crime_row(Longitude="", Latitude="", Location="No Location")])
    import_crime_files(store, [path])
    with store.connect() as connection:
        row = connection.execute(select(crimes.c.has_location, crimes.c.longitude, crimes.c.lsoa_code)).one()
    assert tuple(row) == (False, None, "E01000001")
    assert crime_summary(store).no_location.tolist() == [1]


def test_folders_are_searched_and_missing_paths_reported(store, tmp_path):
    write_street_file(tmp_path / "force" / "2025-01-test-street.csv.gz", [crime_row(Month="2025-01")])
    write_street_file(tmp_path / "force" / "sub" / "2025-02-test-street.csv", [crime_row(Month="2025-02")])
    (tmp_path / "force" / "notes.txt").write_text("not data")
    report = import_crime_files(store, [tmp_path / "force", tmp_path / "nowhere"])
    assert report.total("stored") == 2
    assert [f.error for f in report.failed] == [f"{tmp_path / 'nowhere'}: no such file or folder"]


def _data_rows(path) -> int:
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        return sum(1 for _ in lines) - 1


def test_bundled_files_import_whole_and_a_second_import_stores_nothing(store):
    files = sorted(bundled_crime_dir().rglob("*.csv.gz"))
    assert len(files) == 12
    first = import_crime_files(store, files)
    assert [f.read for f in first.files] == [_data_rows(f) for f in files]
    assert first.total("read") == 95_739 and not first.failed and _balanced(first)
    assert _count(store) == first.total("stored")
    second = import_crime_files(store, files)
    assert second.total("stored") == 0 and second.total("duplicates") == second.total("read")


@pytest.mark.parametrize("rows", [[], [crime_row(Month="bad")]])
def test_empty_or_all_rejected_files_balance(store, tmp_path, rows):
    report = import_crime_files(store, [write_street_file(tmp_path / NAME, rows)])
    assert _balanced(report) and report.total("stored") == 0 and not report.failed
