"""Access control over personal data: every role × own or other area × every personal-data function.

The store holds the tiny reference release of tests/reference_files.py (wards
North E05000001 and South E05000002 of force area E23000001) and a small
community export with residents in both wards. Each role has a user covering
North only. Allowed reads must return data from North only; forbidden ones
must raise PermissionDenied and leave a 'refused' audit entry. The matrix store
also holds a street with crime in each ward and its insight tables, for the
officer app's area reads (priority streets, residents' priority areas). Runs on
SQLite and PostgreSQL.
"""

from __future__ import annotations

import time
from datetime import date

import pandas as pd
import pytest
from sqlalchemy import text

from lpt.access import rights
from lpt.access.audit import audit_entries
from lpt.access.data import PERSONAL_DATA_FUNCTIONS, address_status, key_contacts, member_records, survey_records
from lpt.access.guard import FORCE, Area, PermissionDenied
from lpt.access.permissions import ROLES, grant
from lpt.access.tokens import issue_app_token, verify_app_token
from lpt.access.users import add_team, add_user, change_user, disable_user, get_user, list_users
from lpt.ingest.community import import_community_files
from lpt.ingest.crime import import_crime_files
from lpt.ingest.reference import import_reference
from lpt.insight.maps import priority_areas
from lpt.insight.refresh import refresh
from lpt.linkage.link import link_all
from lpt.priorities.streets import area_streets
from lpt.store import open_store
from tests.community_files import row, write_export
from tests.conftest import database_url
from tests.policeuk_files import crime_row, write_street_file
from tests.reference_files import write_reference

NORTH, SOUTH = "E05000001", "E05000002"
OWN, OTHER = Area("ward", NORTH), Area("ward", SOUTH)
PURPOSE = "test of access control"

HOUSEHOLDS = [
    row("households", address_id="A1", postcode="TE1 1AA"),  # North
    row("households", address_id="A2", street="Church Road", postcode="TE11 1AD"),  # North
    row("households", address_id="A3", street="High Street", postcode="TE1 1AE"),  # South
]
MEMBERS = [
    row("members", member_id="M1", address_id="A1", postcode="TE1 1AA", groups="neighbourhood_watch"),
    row("members", member_id="M2", address_id="A3", postcode="TE1 1AE", first_name="Bob", groups="independent_advisory_group"),
    row("members", member_id="M3", address_id="A2", postcode="TE11 1AD", first_name="Cat", groups="key_individual_network"),
]
SURVEYS = [row("surveys", response_id="R1", member_id="M1"), row("surveys", response_id="R2", member_id="M2")]
VISITS = [row("visits", visit_id="V1", address_id="A1"), row("visits", visit_id="V2", address_id="A3", postcode="TE1 1AE")]


def _populated(url: str, folder) -> object:
    engine = open_store(url)
    assert not import_reference(engine, write_reference(folder / "raw"), progress=False).failed
    link_all(engine)
    for kind, rows in (("households", HOUSEHOLDS), ("members", MEMBERS), ("surveys", SURVEYS), ("visits", VISITS)):
        report = import_community_files(engine, kind, [write_export(folder / f"{kind}.csv", kind, rows)])
        assert report.total("stored") == len(rows) and not report.failed
    admin = add_user(engine, None, "admin", name="Ada Admin", role="admin", areas=[("force", "E23000001")])
    add_team(engine, admin, "north-team", "North neighbourhood team")
    for role in ROLES:
        add_user(engine, admin, f"{role}1", name=f"{role} one", role=role, areas=[("ward", NORTH)], team_id="north-team")
    return engine


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def access_store(request, tmp_path_factory):
    """A populated store per database kind, shared by the read-only matrix cases."""
    folder = tmp_path_factory.mktemp("access")
    engine = _populated(database_url(request, folder), folder)
    crime = [
        crime_row(LSOA_code="E01000001", Location="On or near Mill Lane", Longitude="-1.505", Latitude="52.405"),
        crime_row(LSOA_code="E01000003", Location="On or near High Street", Longitude="-1.485", Latitude="52.405",
                  Crime_ID="b" * 64),
    ]
    assert not import_crime_files(engine, [write_street_file(folder / "2025-03-test-street.csv", crime)], progress=False).failed
    link_all(engine)
    refresh(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def fresh_store(store_url, tmp_path):
    """A populated store per test, for cases that change data."""
    engine = _populated(store_url, tmp_path)
    yield engine
    engine.dispose()


def _refusals(engine, user_id: str, action: str) -> int:
    admin = get_user(engine, "admin")
    entries = audit_entries(engine, admin, user_id=user_id, action=action, outcome="refused")
    return len(entries)


#: Every area read of personal data or of figures derived from it, by the action its grant is named after:
#: lpt.access.data's functions and the officer app's (priority streets, residents' priority areas).
AREA_READS = {**PERSONAL_DATA_FUNCTIONS, "recommendations": area_streets, "area_profile": priority_areas}
MATRIX = [(role, where, action) for role in ROLES for where in ("own", "other") for action in AREA_READS]


@pytest.mark.parametrize(("role", "where", "action"), MATRIX)
def test_matrix_role_area_function(access_store, role, where, action):
    caller = get_user(access_store, f"{role}1")
    area = OWN if where == "own" else OTHER
    permission = grant(role, action)
    allowed = permission is not None and (permission.scope == "force" or where == "own")
    read = AREA_READS[action]
    if not allowed:
        before = _refusals(access_store, caller.user_id, action)
        with pytest.raises(PermissionDenied):
            read(access_store, caller, purpose=PURPOSE, area=area)
        assert _refusals(access_store, caller.user_id, action) == before + 1
        return
    result = read(access_store, caller, purpose=PURPOSE, area=area)
    assert len(result) > 0
    if "ward_code" in result.columns:
        assert set(result["ward_code"]) == {NORTH if where == "own" else SOUTH}
    elif action == "area_counts":
        assert set(result.index) - {"Total"} == {NORTH if where == "own" else SOUTH}
    if permission.view == "pseudonymised":
        assert not {"first_name", "last_name", "email", "phone", "house_number", "member_id"} & set(result.columns)
        assert result["pseudonym"].dropna().str.fullmatch(r"P[0-9a-f]{16}").all()


def test_matrix_size():
    assert len(MATRIX) == len(ROLES) * 2 * len(AREA_READS) == 70


def test_officer_sees_key_contacts_of_own_wards_only(access_store):
    officer = get_user(access_store, "officer1")
    contacts = key_contacts(access_store, officer, purpose=PURPOSE)
    assert sorted(contacts["member_id"]) == ["M1", "M3"]  # M2 lives in South
    assert {"email", "phone"} <= set(contacts.columns)


def test_supervisor_covers_the_team_wards(fresh_store):
    admin = get_user(fresh_store, "admin")
    change_user(fresh_store, admin, "officer1", areas=[("ward", NORTH), ("ward", SOUTH)])
    supervisor = get_user(fresh_store, "supervisor1")  # covers North; the team's officer covers South too
    assert set(address_status(fresh_store, supervisor, purpose=PURPOSE, area=OTHER)["address_id"]) == {"A3"}


def test_every_read_is_audited_with_purpose_and_count(access_store):
    analyst = get_user(access_store, "analyst1")
    records = member_records(access_store, analyst, purpose="representation study")
    entries = audit_entries(access_store, get_user(access_store, "admin"), user_id="analyst1", action="member_records")
    last = entries.iloc[-1]
    assert (last["purpose"], last["records"], last["outcome"]) == ("representation study", len(records), "allowed")


def test_a_purpose_is_required(access_store):
    with pytest.raises(PermissionDenied, match="purpose"):
        key_contacts(access_store, get_user(access_store, "officer1"), purpose=" ")


@pytest.mark.parametrize("action", ["opt_out", "erase_member", "subject_access", "purge", "read_audit", "manage_users"])
@pytest.mark.parametrize("role", [r for r in ROLES if r != "admin"])
def test_only_admins_administer(access_store, role, action):
    caller = get_user(access_store, f"{role}1")
    calls = {
        "opt_out": lambda: rights.opt_out(access_store, caller, "M1", purpose=PURPOSE),
        "erase_member": lambda: rights.erase_member(access_store, caller, "M1", purpose=PURPOSE),
        "subject_access": lambda: rights.export_subject(access_store, caller, "M1", purpose=PURPOSE),
        "purge": lambda: rights.purge_expired(access_store, caller, purpose=PURPOSE),
        "read_audit": lambda: audit_entries(access_store, caller),
        "manage_users": lambda: list_users(access_store, caller),
    }
    before = _refusals(access_store, caller.user_id, action)
    with pytest.raises(PermissionDenied):
        calls[action]()
    assert _refusals(access_store, caller.user_id, action) == before + 1


def test_a_disabled_user_is_refused_everything(fresh_store):
    disable_user(fresh_store, get_user(fresh_store, "admin"), "officer1")
    with pytest.raises(PermissionDenied, match="disabled"):
        key_contacts(fresh_store, get_user(fresh_store, "officer1"), purpose=PURPOSE)


def test_opt_out_holds_on_every_read_path(fresh_store):
    admin, officer, analyst = (get_user(fresh_store, u) for u in ("admin", "officer1", "analyst1"))
    rights.opt_out(fresh_store, admin, "M1", purpose="member asked to leave")
    assert "M1" not in set(key_contacts(fresh_store, officer, purpose=PURPOSE)["member_id"])
    status = address_status(fresh_store, officer, purpose=PURPOSE).set_index("address_id")
    assert not status.loc["A1", "registered"]
    pseudonyms = set(member_records(fresh_store, analyst, purpose=PURPOSE)["pseudonym"])
    answers = survey_records(fresh_store, analyst, purpose=PURPOSE).set_index("response_id")
    assert len(pseudonyms) == 2 and pd.isna(answers.loc["R1", "pseudonym"])  # answer kept, unlinked
    assert answers.loc["R1", "pseudonym"] not in pseudonyms


def test_erasure_holds_on_every_read_path_and_keeps_answers_counted(fresh_store):
    admin, officer, analyst = (get_user(fresh_store, u) for u in ("admin", "officer1", "analyst1"))
    assert rights.erase_member(fresh_store, admin, "M1", purpose="erasure request 42") == 1
    assert "M1" not in set(key_contacts(fresh_store, officer, purpose=PURPOSE)["member_id"])
    assert len(member_records(fresh_store, analyst, purpose=PURPOSE)) == 2
    answers = survey_records(fresh_store, analyst, purpose=PURPOSE).set_index("response_id")
    assert answers.loc["R1", "ward_code"] == NORTH and pd.isna(answers.loc["R1", "pseudonym"])
    with pytest.raises(Exception, match="no member"):
        rights.export_subject(fresh_store, admin, "M1", purpose=PURPOSE)


def test_subject_access_export_gives_everything_held(fresh_store):
    admin = get_user(fresh_store, "admin")
    key_contacts(fresh_store, get_user(fresh_store, "officer1"), purpose=PURPOSE)
    export = rights.export_subject(fresh_store, admin, "M1", purpose="SAR 7")
    assert export["member"]["first_name"] == "Ann" and export["member"]["opted_in"] == "2025-01-15"
    assert [a["response_id"] for a in export["survey_answers"]] == ["R1"]
    assert [v["outcome"] for v in export["visits"]] == ["not_in"]


def test_purge_erases_long_opted_out_members_and_old_visits(fresh_store):
    admin = get_user(fresh_store, "admin")
    rights.opt_out(fresh_store, admin, "M2", purpose="left", on=date(2020, 1, 1))
    counts = rights.purge_expired(fresh_store, admin, purpose="retention", days=365)
    assert counts == {"members_erased": 1, "visits_deleted": 2, "setup_visits_deleted": 0}


def test_audit_log_is_append_only_in_the_database(access_store):
    with pytest.raises(Exception, match="append-only"):
        with access_store.begin() as connection:
            connection.execute(text("UPDATE audit_log SET purpose = 'nothing to see'"))
    with pytest.raises(Exception, match="append-only"):
        with access_store.begin() as connection:
            connection.execute(text("DELETE FROM audit_log"))


def test_only_the_first_user_may_bootstrap(access_store):
    with pytest.raises(PermissionDenied):
        add_user(access_store, None, "intruder", name="X", role="admin")


def test_areas_and_roles_are_checked(access_store):
    admin = get_user(access_store, "admin")
    with pytest.raises(Exception, match="unknown ward code"):
        add_user(access_store, admin, "x1", name="X", role="officer", areas=[("ward", "E05999999")])
    with pytest.raises(Exception, match="unknown role"):
        add_user(access_store, admin, "x2", name="X", role="chief", areas=[("ward", NORTH)])


SECRET = b"test secret key"


def test_app_tokens_map_to_their_user():
    assert verify_app_token(issue_app_token("officer1", "officer", SECRET), "officer", SECRET) == "officer1"


@pytest.mark.parametrize(
    ("token", "app", "secret", "message"),
    [
        (issue_app_token("officer1", "officer", SECRET)[:-2] + "xx", "officer", SECRET, "not valid"),  # tampered
        (issue_app_token("officer1", "officer", b"another force"), "officer", SECRET, "not valid"),  # foreign
        (issue_app_token("officer1", "supervisor", SECRET), "officer", SECRET, "not for the officer app"),
        ("not-a-token", "officer", SECRET, "not valid"),
    ],
)
def test_bad_app_tokens_are_refused(token, app, secret, message):
    with pytest.raises(PermissionDenied, match=message):
        verify_app_token(token, app, secret)


def test_expired_app_tokens_are_refused():
    token = issue_app_token("officer1", "officer", SECRET)
    time.sleep(1.1)
    with pytest.raises(PermissionDenied, match="expired"):
        verify_app_token(token, "officer", SECRET, max_age=0)


def test_force_scope_user_may_narrow_to_any_area(access_store):
    analyst = get_user(access_store, "analyst1")
    assert set(member_records(access_store, analyst, purpose=PURPOSE, area=Area("ward", SOUTH))["ward_code"]) == {SOUTH}
    assert len(member_records(access_store, analyst, purpose=PURPOSE, area=FORCE)) == 3


@pytest.mark.parametrize("where", ["own", "other"])
@pytest.mark.parametrize("role", ROLES)
def test_matrix_area_profile(access_store, role, where):
    from lpt.insight.profile import area_profile
    from lpt.insight.refresh import refresh

    refresh(access_store)
    caller = get_user(access_store, f"{role}1")
    permission = grant(role, "area_profile")
    ward = NORTH if where == "own" else SOUTH
    if permission is None or (permission.scope == "own_area" and where == "other"):
        with pytest.raises(PermissionDenied):
            area_profile(access_store, caller, "ward", ward, start="2025-01", end="2025-03")
        return
    profile = area_profile(access_store, caller, "ward", ward, start="2025-01", end="2025-03")
    assert profile.summary["households"] > 0 and profile.summary["members"] is None  # 1-2 members: suppressed
