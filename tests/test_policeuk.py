"""Reading and validating police.uk street files (no store involved)."""

from __future__ import annotations

import gzip

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lpt.errors import InputFileError
from lpt.ingest.policeuk import COLUMNS, parse_street_text, read_street_file
from tests.policeuk_files import asb_row, crime_row, street_csv, write_street_file

NAME = "2025-03-test-street.csv"


def test_sound_file_accepts_every_row_with_its_line(tmp_path):
    path = write_street_file(tmp_path / NAME, [crime_row(), asb_row(), crime_row(Crime_ID="b" * 64)])
    parsed = read_street_file(path)
    assert (parsed.force, parsed.month, parsed.read) == ("Test Constabulary", "2025-03", 3)
    assert [line for line, _ in parsed.rows] == [2, 3, 4]
    assert parsed.rejects == []


def test_gzip_and_plain_files_read_the_same(tmp_path):
    rows = [crime_row(), asb_row()]
    plain = read_street_file(write_street_file(tmp_path / NAME, rows))
    packed = read_street_file(write_street_file(tmp_path / (NAME + ".gz"), rows))
    assert plain.rows == packed.rows


def test_byte_order_mark_is_not_part_of_the_header(tmp_path):
    path = tmp_path / NAME
    path.write_bytes("\ufeff".encode() + street_csv([crime_row()]).encode())
    assert read_street_file(path).read == 1


@pytest.mark.parametrize(
    ("fields", "field", "reason"),
    [
        ({"Longitude": "west"}, "Longitude", "not a number"),
        ({"Latitude": "nan"}, "Latitude", "not a finite number"),
        ({"Latitude": "91"}, "Latitude", "outside"),
        ({"Longitude": "12.5"}, "Longitude", "outside"),
        ({"Longitude": ""}, "Longitude", "empty while Latitude is given"),
        ({"Month": "2025-04"}, "Month", "not the file's month 2025-03"),
        ({"Month": "March"}, "Month", "not a month"),
        ({"LSOA_code": "E0100001"}, "LSOA code", "malformed LSOA code"),
        ({"LSOA_code": "X01000001"}, "LSOA code", "malformed LSOA code"),
        ({"Crime_type": " "}, "Crime type", "empty"),
        ({"Reported_by": "Other Police"}, "Reported by", "not the file's force"),
    ],
)
def test_bad_row_is_rejected_with_line_field_and_reason(fields, field, reason):
    parsed = parse_street_text(street_csv([crime_row(), crime_row(**fields), crime_row()]), NAME)
    assert [line for line, _ in parsed.rows] == [2, 4]
    (reject,) = parsed.rejects
    assert (reject.line, reject.field) == (3, field)
    assert reason in reject.reason
    assert reject.values == tuple(crime_row(**fields))


def test_row_with_wrong_field_count_is_rejected_not_fatal():
    text = street_csv([crime_row()]) + "only,three,fields\r\n" + street_csv([crime_row()]).split("\r\n", 1)[1]
    parsed = parse_street_text(text, NAME)
    assert parsed.read == 3
    assert (parsed.rejects[0].line, parsed.rejects[0].field) == (3, "(row)")


def test_rows_without_coordinates_and_lsoa_are_accepted():
    parsed = parse_street_text(street_csv([crime_row(Longitude="", Latitude="", LSOA_code="")]), NAME)
    assert parsed.read == 1 and not parsed.rejects


def test_any_force_and_an_lsoa_outside_the_bundled_area_are_fine():
    row = crime_row(Reported_by="Dyfed-Powys Police", LSOA_code="W01000001", Longitude="-4.1")
    parsed = parse_street_text(street_csv([row]), "2025-03-dyfed-powys-street.csv")
    assert parsed.force == "Dyfed-Powys Police" and not parsed.rejects


def test_month_comes_from_the_rows_when_the_name_has_none():
    parsed = parse_street_text(street_csv([crime_row(Month="2024-11")] * 2), "export.csv")
    assert parsed.month == "2024-11" and not parsed.rejects


def test_quoted_field_with_newline_keeps_line_numbers_true():
    rows = [crime_row(Location="On or near\nTwo Lines"), crime_row(Month="bad")]
    parsed = parse_street_text(street_csv(rows), NAME)
    assert parsed.rows[0][0] == 2
    assert parsed.rejects[0].line == 4


@pytest.mark.parametrize(
    ("content", "line", "message"),
    [
        (b"", 1, "empty file"),
        (b"Crime ID,Month\n1,2025-03\n", 1, "header is not a police.uk street file"),
        (street_csv([crime_row()]).encode() + b"\xff\xfe,bad\n", 3, "not UTF-8"),
        (street_csv([crime_row()]).encode() + b'x,"unterminated', 3, "truncated"),
        (street_csv([crime_row()]).encode() + b"abc,2025-03,Test", 3, "truncated"),
        (b"\x00\x01\x02binary", 1, "NUL"),
    ],
)
def test_file_broken_as_a_whole_names_file_and_line(tmp_path, content, line, message):
    path = tmp_path / NAME
    path.write_bytes(content)
    with pytest.raises(InputFileError) as caught:
        read_street_file(path)
    assert caught.value.line == line
    assert message in str(caught.value)
    assert str(path) in str(caught.value)


def test_truncated_gzip_is_a_file_error(tmp_path):
    path = tmp_path / (NAME + ".gz")
    path.write_bytes(gzip.compress(street_csv([crime_row()] * 50).encode())[:-20])
    with pytest.raises(InputFileError, match="gzip"):
        read_street_file(path)


# Property-based: whatever the content, the parser either raises InputFileError or
# accounts for every data row (accepted + rejected == rows written).

_cell = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=12)
_field_choice = {
    "Longitude": st.one_of(_cell, st.floats(allow_nan=True).map(str), st.just("-1.2")),
    "Latitude": st.one_of(_cell, st.floats(allow_nan=True).map(str), st.just("53.1")),
    "Month": st.one_of(_cell, st.just("2025-03"), st.just("2025-13")),
    "LSOA code": st.one_of(_cell, st.just("E01000001"), st.just("")),
    "Crime ID": st.one_of(_cell, st.just("")),
}
_row = st.fixed_dictionaries(
    {c: _field_choice.get(c, _cell) for c in COLUMNS}
).map(lambda d: [d[c] for c in COLUMNS])


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(st.one_of(_row, st.builds(crime_row)), max_size=15))
def test_every_written_row_is_accepted_or_rejected(rows):
    parsed = parse_street_text(street_csv(rows), NAME)
    kept = sorted([(line, list(v)) for line, v in parsed.rows] + [(r.line, list(r.values)) for r in parsed.rejects])
    assert [values for _, values in kept] == rows
    assert all(r.field in COLUMNS or r.field == "(row)" for r in parsed.rejects)


@settings(max_examples=300, deadline=None)
@given(content=st.binary(max_size=400))
def test_arbitrary_bytes_never_crash_the_reader(tmp_path_factory, content):
    path = tmp_path_factory.mktemp("fuzz") / NAME
    path.write_bytes(street_csv([crime_row()]).encode() + content)
    try:
        parsed = read_street_file(path)
    except InputFileError as exc:
        assert exc.line is not None
    else:
        assert parsed.read >= 1
