"""Community records placed by postcode, and their lines in the quality report, on both stores."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from lpt.ingest.community import import_community_files
from lpt.ingest.reference import import_reference
from lpt.linkage.link import link_all
from lpt.store.community import LARGE_USER, NO_MEMBER, NOT_LINKED, UNKNOWN_POSTCODE, community_links
from lpt.store.queries import quality_reasons, quality_summary, rejected_rows
from lpt.store.schema import survey_responses
from tests.community_files import row, write_export

#: The reason tests/reference_files.py's far-away postcode TE1 1AF is unlinked.
FAR = "no unique 2011 match, and no bundled LSOA 2021 polygon of its district within 1000 m"


def _listed(column) -> list:
    """Values of a column, None where missing (pandas may read a missing text as NaN)."""
    return [None if value is None or value != value else value for value in column]


def _load(store, folder, kind, rows):
    report = import_community_files(store, kind, [write_export(folder / f"{kind}.csv", kind, rows)])
    assert not report.failed


@pytest.fixture
def placed(store, reference_folder):
    """The tiny reference release, linked, and an export with every case of placement."""
    import_reference(store, reference_folder, progress=False)
    link_all(store)
    folder = reference_folder.parent / "export"
    homes = {"A1": "TE1 1AA", "A2": "TE1 1AB", "A3": "TE1 1AF", "A4": "ZZ9 9ZZ", "A5": "TE1 1AE"}
    _load(store, folder, "households", [row("households", address_id=a, postcode=p) for a, p in homes.items()])
    _load(
        store,
        folder,
        "members",
        [
            row("members", member_id="M1"),
            row("members", member_id="M2", address_id="A3", postcode="TE1 1AF", opted_in="2025-02-01"),
            row("members", member_id="M3", address_id="", postcode="TE1 1AB", groups="business"),
        ],
    )
    _load(
        store,
        folder,
        "surveys",
        [row("surveys", response_id="R1"), row("surveys", response_id="R2", member_id="M2", responded_on="2025-02-10")],
    )
    _load(
        store,
        folder,
        "visits",
        [
            row("visits", visit_id="V1"),
            row("visits", visit_id="V2", address_id="A2", postcode="TE1 1AB"),
            row("visits", visit_id="V3", visited_on="2025-03-09", outcome="maybe"),
            row("visits", visit_id="V4", visited_on="yesterday"),
        ],
    )
    return store


def test_households_get_lsoa_ward_district_and_rule_and_nothing_is_dropped(placed):
    links = community_links(placed, "households").set_index("address_id")
    assert list(links.columns) == [
        "street", "postcode", "month", "lsoa21_code", "ward_code", "district_code", "rule", "flagged_reason",
        "unlinked_reason",
    ]
    assert dict(zip(links.index, _listed(links["lsoa21_code"]))) == {
        "A1": "E01000001", "A2": "E01000003", "A3": None, "A4": None, "A5": "E01000003"
    }
    assert _listed(links["ward_code"]) == ["E05000001", "E05000002", None, None, "E05000002"]
    assert set(links["district_code"].dropna()) == {"E06000001"}
    assert _listed(links["rule"]) == ["lsoa11_unique", "point_in_polygon", None, None, "nearest_polygon"]
    assert _listed(links["flagged_reason"]) == [None, LARGE_USER, None, None, None]
    assert _listed(links["unlinked_reason"]) == [None, None, FAR, UNKNOWN_POSTCODE, None]
    assert links.loc["A1", "street"] == "Mill Lane"  # street key (E01000001, Mill Lane)


def test_members_visits_and_survey_answers_are_placed_by_postcode(placed):
    members = community_links(placed, "members").set_index("member_id")
    assert list(members.columns) == [
        "address_id", "postcode", "month", "lsoa21_code", "ward_code", "district_code", "rule", "flagged_reason",
        "unlinked_reason",
    ]
    assert _listed(members["ward_code"]) == ["E05000001", None, "E05000002"]
    assert _listed(members["month"]) == ["2025-01", "2025-02", "2025-01"]
    assert members["flagged_reason"].isna().all()  # a member at a business postcode may be a business
    visits = community_links(placed, "visits").set_index("visit_id")
    assert _listed(visits["flagged_reason"]) == [None, LARGE_USER]
    assert _listed(visits["month"]) == ["2025-03", "2025-03"]
    with placed.begin() as connection:  # an erased member leaves the answer unplaced
        erase = update(survey_responses).where(survey_responses.c.response_id == "R1")
        connection.execute(erase.values(member_id=None))
    surveys = community_links(placed, "surveys").set_index("response_id")
    assert _listed(surveys["postcode"]) == [None, "TE1 1AF"]
    assert _listed(surveys["unlinked_reason"]) == [NO_MEMBER, FAR]
    assert _listed(surveys["wave"]) == ["2025Q1", "2025Q1"]


def test_quality_counts_community_rows_per_source_and_month(placed):
    summary = quality_summary(placed)
    community = summary[summary["source"].isin(["households", "members", "surveys", "visits"])]
    households = community[community["source"] == "households"]
    assert len(households) == 1 and households["month"].str.fullmatch(r"\d{4}-\d{2}").all()
    counts = community.drop(columns="month").groupby("source").sum()
    assert counts.loc["households"].tolist() == [5, 1, 2, 0]  # stored, flagged, unlinked, rejected
    assert counts.loc["members"].tolist() == [3, 0, 1, 0]
    assert counts.loc["surveys"].tolist() == [2, 0, 1, 0]
    assert counts.loc["visits"].tolist() == [2, 1, 0, 2]
    by_month = community[community["source"] == "visits"].set_index("month")["rejected"].to_dict()
    assert by_month == {"-": 1, "2025-03": 1}  # a reject's month is that of its date, if it has one
    reasons = quality_reasons(placed)
    households_reasons = reasons[reasons["source"] == "households"]
    assert dict(zip(households_reasons["status"] + " " + households_reasons["reason"], households_reasons["rows"])) == {
        "flagged " + LARGE_USER: 1,
        "linked lsoa11_unique": 1,
        "linked nearest_polygon": 1,
        "linked point_in_polygon": 1,
        "unlinked " + FAR: 1,
        "unlinked " + UNKNOWN_POSTCODE: 1,
    }
    visit_rejects = reasons[(reasons["source"] == "visits") & (reasons["status"] == "rejected")]
    assert sorted(visit_rejects["reason"]) == [
        "outcome: 'maybe' is not one of not_in, visited, registered, declined",
        "visited_on: not a date in YYYY-MM-DD form: 'yesterday'",
    ]


def test_records_imported_before_linking_say_so(store, reference_folder):
    import_reference(store, reference_folder, progress=False)  # no link_all yet
    _load(store, reference_folder.parent, "households", [row("households")])
    assert community_links(store, "households")["unlinked_reason"].tolist() == [NOT_LINKED]


def test_a_bad_row_fixed_by_a_later_export_or_import_counts_once(store, tmp_path):
    bad = row("households", address_id="A2", postcode="")
    _load(store, tmp_path / "v1", "households", [row("households"), bad])
    _load(store, tmp_path / "v2", "households", [row("households", street="Mill Road"), bad])
    assert rejected_rows(store)["file"].tolist() == [str(tmp_path / "v2" / "households.csv")]
    assert len(rejected_rows(store, include_replaced=True)) == 2
    assert quality_summary(store)["rejected"].sum() == 1
    members = write_export(
        tmp_path / "members.csv", "members", [row("members", address_id="A9"), row("members", member_id="M2", sex="x")]
    )
    import_community_files(store, "members", [members])
    _load(store, tmp_path / "v3", "households", [row("households", address_id="A9")])
    import_community_files(store, "members", [members])  # imported again in full: M1 stored now
    assert rejected_rows(store)[["source", "line", "field"]].values.tolist() == [
        ["households", 3, "postcode"], ["members", 3, "sex"]
    ]
