"""Import semantics of community export files, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from lpt.ingest.community import import_community_files
from lpt.store.queries import read_table, rejected_rows
from lpt.store.schema import community_rejects, households, members, survey_responses, visits
from lpt.synth import generate, write
from tests.community_files import row, write_export
from tests.synth_calibration import tiny_calibration

TABLES = {"households": households, "members": members, "surveys": survey_responses, "visits": visits}


def _count(store, table) -> int:
    with store.connect() as connection:
        return connection.execute(select(func.count()).select_from(table)).scalar_one()


def _import(store, kind, path):
    """Import one file, checking ``read == stored + duplicates + rejected``."""
    report = import_community_files(store, kind, [path])
    assert all(f.read == f.stored + f.duplicates + f.rejected for f in report.files)
    return report


def _counts(report) -> tuple[int, ...]:
    return tuple(report.total(c) for c in ("read", "stored", "duplicates", "rejected", "replaced"))


@pytest.fixture
def seeded(store, tmp_path):
    """A store holding household A1 and member M1, so every kind's references resolve."""
    _import(store, "households", write_export(tmp_path / "seed" / "households.csv", "households", [row("households")]))
    _import(store, "members", write_export(tmp_path / "seed" / "members.csv", "members", [row("members")]))
    return store


@pytest.fixture(scope="module")
def synthetic_export(tmp_path_factory):
    """A small synthetic export written by lpt.synth, as a real one would arrive."""
    folder = tmp_path_factory.mktemp("export")
    write(generate(tiny_calibration(100), seed=3, scale="force"), folder)
    return folder


def test_a_synthetic_export_stores_every_row_and_again_stores_nothing(store, synthetic_export):
    for kind, table in TABLES.items():
        path = synthetic_export / f"{kind}.csv"
        lines = len(path.read_text().splitlines()) - 1
        assert _counts(_import(store, kind, path)) == (lines, lines, 0, 0, 0)
        assert _count(store, table) == lines > 0
    for kind in TABLES:
        again = _import(store, kind, synthetic_export / f"{kind}.csv")
        assert again.total("stored") == 0 and again.total("duplicates") == again.total("read")


def test_values_are_stored_normalised(seeded, tmp_path):
    path = write_export(tmp_path / "h.csv", "households", [row("households", address_id=" A2 ", postcode="te1  1ab")])
    _import(seeded, "households", path)
    stored = read_table(seeded, households).set_index("address_id")
    assert stored.loc["A2", "postcode"] == "TE1 1AB" and stored.loc["A1", "house_name"] is None
    member = read_table(seeded, members).iloc[0]
    stored_member = (str(member["opted_in"]), member["opted_out"], member["groups"])
    assert stored_member == ("2025-01-15", None, "neighbourhood_watch")


#: Per kind: (change to a sound row, field, start of the reason).
BAD_ROWS = {
    "households": [
        ({"postcode": "NOT A PC"}, "postcode", "not a UK postcode: 'NOT A PC'"),
        ({"street": "  "}, "street", "empty"),
        ({"address_id": "A 9"}, "address_id", "not an ID of letters, digits, '-' or '_': 'A 9'"),
    ],
    "members": [
        ({"opted_in": "2025-02-30"}, "opted_in", "not a date in YYYY-MM-DD form: '2025-02-30'"),
        ({"groups": "neighbourhood_watch;chess_club"}, "groups", "unknown value 'chess_club'"),
        ({"address_id": "A4"}, "address_id", "'A4' is not a stored households record (import households first)"),
        ({"opted_out": "2025-01-14"}, "opted_out", "'2025-01-14' is before opted_in '2025-01-15'"),
    ],
    "surveys": [
        ({"trust": "6"}, "trust", "'6' is not a whole number from 1 to 5"),
        ({"priority_2": "weather"}, "priority_2", "'weather' is not one of drugs, asb"),
        ({"member_id": "M404"}, "member_id", "'M404' is not a stored members record (import members first)"),
        ({"responded_on": "2025-04-01"}, "responded_on", "'2025-04-01' is not in wave 2025Q1"),
    ],
    "visits": [
        ({"outcome": "maybe"}, "outcome", "'maybe' is not one of not_in, visited, registered, declined"),
        ({"visited_on": "04/03/2025"}, "visited_on", "not a date in YYYY-MM-DD form: '04/03/2025'"),
        ({"address_id": "A404"}, "address_id", "'A404' is not a stored households record"),
    ],
}


@pytest.mark.parametrize("kind", BAD_ROWS)
def test_bad_rows_are_rejected_with_line_field_and_reason_and_the_rest_imports(seeded, tmp_path, kind):
    key = next(iter(TABLES[kind].primary_key.columns)).name
    bad = [row(kind, **{key: f"X{i}", **change}) for i, (change, _, _) in enumerate(BAD_ROWS[kind])]
    rows = [row(kind, **{key: "G1"}), *bad, row(kind, **{key: "G2"})]
    path = write_export(tmp_path / f"{kind}.csv", kind, rows)
    assert _counts(_import(seeded, kind, path)) == (len(rows), 2, 0, len(bad), 0)
    rejects = rejected_rows(seeded)
    assert set(rejects["source"]) == {kind} and set(rejects["file"]) == {str(path)}
    assert rejects[["line", "field"]].values.tolist() == [[3 + i, f] for i, (_, f, _) in enumerate(BAD_ROWS[kind])]
    for reason, (_, _, expected) in zip(rejects["reason"], BAD_ROWS[kind]):
        assert reason.startswith(expected)
    with seeded.connect() as connection:
        raw = connection.execute(select(community_rejects.c.raw_values).order_by(community_rejects.c.line))
        assert [json.loads(r) for r in raw.scalars()] == bad  # kept whole, as read


def test_a_row_with_the_wrong_number_of_fields_is_rejected_whole(seeded, tmp_path):
    fields = list(row("visits").values())
    path = write_export(tmp_path / "v.csv", "visits", [fields + ["extra"], fields[:-1], row("visits", visit_id="V2")])
    assert _counts(_import(seeded, "visits", path)) == (3, 1, 0, 2, 0)
    rejects = rejected_rows(seeded)
    assert rejects[["line", "field", "reason"]].values.tolist() == [
        [2, "(row)", "expected 6 fields, found 7"],
        [3, "(row)", "expected 6 fields, found 5"],
    ]
    with seeded.connect() as connection:
        raw = connection.execute(select(community_rejects.c.raw_values).order_by(community_rejects.c.line)).first()[0]
    assert '"(extra)": ["extra"]' in raw  # kept whole


@pytest.mark.parametrize(
    ("header", "message"),
    [
        (
            "visit_id,address_id,postcode,visited_on,officer,outcome,notes",
            "missing officer_id; unexpected officer, notes",
        ),
        ("visit_id,address_id,postcode,visited_on,officer_id,outcome,outcome", "repeated columns"),
    ],
)
def test_a_wrong_header_stores_nothing_and_names_file_line_and_columns(seeded, tmp_path, header, message):
    path = tmp_path / "visits.csv"
    path.write_text(header + "\nV1,A1,TE1 1AA,2025-03-04,PC1,not_in,x\n")
    report = import_community_files(seeded, "visits", [path])
    (failed,) = report.failed
    assert failed.error.startswith(f"{path}, line 1: header is not a visits export: expected columns visit_id,")
    assert failed.error.endswith(message)
    assert (failed.read, failed.stored, _count(seeded, visits)) == (0, 0, 0)


def test_a_file_broken_as_a_whole_stores_nothing_and_the_others_import(seeded, tmp_path):
    broken = tmp_path / "a.csv"
    broken.write_text(",".join(row("visits")) + '\nV1,A1,TE1 1AA,2025-03-04,PC1,not_in\nV2,"A1,TE1 1AA\n')
    good = write_export(tmp_path / "b.csv", "visits", [row("visits", visit_id="V3")])
    report = import_community_files(seeded, "visits", [broken, good, tmp_path / "nowhere.csv"])
    assert [f.error for f in report.files] == [
        f"{tmp_path / 'nowhere.csv'}: no such file or folder",
        f"{broken}, line 3: not valid CSV: file ends inside a quoted field (truncated?)",
        None,
    ]
    assert read_table(seeded, visits, ["visit_id"])["visit_id"].tolist() == ["V3"]


def test_the_same_file_again_is_all_duplicates_with_no_new_rejects(seeded, tmp_path):
    path = write_export(tmp_path / "s.csv", "surveys", [row("surveys"), row("surveys", response_id="R2", trust="0")])
    assert _counts(_import(seeded, "surveys", path)) == (2, 1, 0, 1, 0)
    assert _counts(_import(seeded, "surveys", path)) == (2, 0, 2, 0, 0)
    assert len(rejected_rows(seeded)) == 1


def test_a_changed_export_replaces_changed_rows_and_stores_new_ones(seeded, tmp_path):
    first = [row("households", address_id="A2"), row("households", address_id="A3")]
    _import(seeded, "households", write_export(tmp_path / "v1.csv", "households", first))
    second = [
        row("households", address_id="A2"),
        row("households", address_id="A3", street="Mill  Road"),
        row("households", address_id="A4"),
    ]
    report = _import(seeded, "households", write_export(tmp_path / "v2.csv", "households", second))
    assert _counts(report) == (3, 2, 1, 0, 1)
    stored = read_table(seeded, households).set_index("address_id")
    assert stored["street"].to_dict() == {"A1": "Mill Lane", "A2": "Mill Lane", "A3": "Mill  Road", "A4": "Mill Lane"}


def test_a_repeated_id_is_a_duplicate_if_identical_else_rejected_naming_the_earlier_line(seeded, tmp_path):
    rows = [
        row("visits", visit_id="V7", postcode="XX"),  # rejected: does not count as the ID's first row
        row("visits", visit_id="V7"),
        row("visits", visit_id="V7"),
        row("visits", visit_id="V7", outcome="declined"),
    ]
    assert _counts(_import(seeded, "visits", write_export(tmp_path / "v.csv", "visits", rows))) == (4, 1, 1, 2, 0)
    assert rejected_rows(seeded)[["line", "field", "reason"]].values.tolist() == [
        [2, "postcode", "not a UK postcode: 'XX'"],
        [5, "visit_id", "'V7' appears earlier (line 3) with other values"],
    ]
    assert read_table(seeded, visits)["outcome"].tolist() == ["not_in"]


def test_a_key_with_spaces_around_it_is_the_same_record(seeded, tmp_path):
    path = write_export(tmp_path / "h.csv", "households", [row("households", address_id=" A1"), row("households")])
    assert _counts(_import(seeded, "households", path)) == (2, 0, 2, 0, 0)


def test_rows_rejected_for_a_missing_household_import_once_it_is_stored(store, tmp_path):
    members_file = write_export(tmp_path / "members.csv", "members", [row("members")])
    assert _counts(_import(store, "members", members_file)) == (1, 0, 0, 1, 0)
    _import(store, "households", write_export(tmp_path / "households.csv", "households", [row("households")]))
    assert _counts(_import(store, "members", members_file)) == (1, 1, 0, 0, 0)
    assert _counts(_import(store, "members", members_file)) == (1, 0, 1, 0, 0)


@pytest.mark.parametrize("rows", [[], [row("households", postcode="")]])
def test_empty_or_all_rejected_files_balance(store, tmp_path, rows):
    report = _import(store, "households", write_export(tmp_path / "h.csv", "households", rows))
    assert report.total("stored") == 0 and not report.failed


def test_an_unknown_kind_is_refused(store):
    from lpt.errors import LPTError

    with pytest.raises(LPTError, match="unknown kind of community data 'pets'"):
        import_community_files(store, "pets", [])
