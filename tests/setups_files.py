"""The store the setups tests share: :func:`populate` fills a store with the tiny reference release
(tests/reference_files.py: wards North E05000001 and South E05000002 of district E06000001, force
area E23000001), with IMD 2025 deciles and a census ethnic mix that differ by LSOA, a few crimes
(so the recommended streets have points), 31 households, 5 members with survey answers and the
users below. :func:`record_jobs` records visits in a worker process for the concurrency tests.

Households (address ID, street, postcode, LSOA):

* North: ``ML01``-``ML12`` Mill Lane 1-12 (TE1 1AA, E01000001: IMD decile 1, 10% Asian, 3 crimes);
  ``CR01``-``CR08`` Church Road 1-8 and ``CRRC`` Rose Cottage (TE11 1AD, E01000002: decile 5,
  60% Asian, 1 crime);
* South: ``HS01``-``HS10`` High Street 1-10 (TE1 1AE, E01000003: decile 9, 30% Asian, 1 crime).

Members (joined 2025-01-15 unless said): ``M1`` at ML02, neighbourhood watch, White, 45-54,
confidence 4 in 2025Q1 then 1 in 2025Q2 (low now); ``M2`` at ML04, faith group, Asian, 65-74,
confidence 1 in 2025Q1 then 5 in 2025Q2 (not low now); ``M3`` at CR03 left on 2025-03-01; ``M4`` at
ML06 joins on 2025-07-01 (not registered in June 2025); ``M5`` at HS01, confidence 2.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, date, datetime

from lpt.access.users import add_team, add_user, get_user
from lpt.ingest.community import import_community_files
from lpt.ingest.crime import import_crime_files
from lpt.ingest.reference import IMD2025_DOMAINS, import_reference
from lpt.insight.refresh import refresh
from lpt.linkage.link import link_all
from lpt.store import open_store
from tests.community_files import row, write_export
from tests.policeuk_files import crime_row, write_street_file
from tests.reference_files import write_reference

NORTH, SOUTH, DISTRICT, FORCE_CODE = "E05000001", "E05000002", "E06000001", "E23000001"
PURPOSE = "doorstep work test"
#: A morning in June 2025 (11:00 BST) and the setups' month.
ON = datetime(2025, 6, 2, 10, 0, tzinfo=UTC)
STARTS, ENDS = date(2025, 6, 1), date(2025, 6, 30)
#: A square around TE1 1AA (Mill Lane) only.
MILL_SQUARE = "POLYGON ((-1.51 52.40, -1.501 52.40, -1.501 52.41, -1.51 52.41, -1.51 52.40))"
MILL = [f"ML{i:02d}" for i in range(1, 13)]
CHURCH = [f"CR{i:02d}" for i in range(1, 9)] + ["CRRC"]
HIGH = [f"HS{i:02d}" for i in range(1, 11)]
#: IMD 2025 decile and Asian share (%) of each LSOA.
LSOAS = {"E01000001": (1, 10), "E01000002": (5, 60), "E01000003": (9, 30)}
#: user ID -> (role, areas, team)
USERS = {
    "pc1": ("officer", [("ward", NORTH)], "north-team"),
    "pc2": ("officer", [("ward", NORTH)], "north-team"),
    "pc3": ("officer", [("ward", NORTH)], "north-team"),
    "pc4": ("officer", [("ward", NORTH)], "north-team"),
    "pc-south": ("officer", [("ward", SOUTH)], "south-team"),
    "sgt-north": ("supervisor", [("ward", NORTH)], "north-team"),
    "sgt-district": ("supervisor", [("district", DISTRICT)], None),  # no team: sgt-north covers only North
    "an1": ("analyst", [], None),
}


def _reference_changes() -> dict[str, str]:
    """IMD 2025 deciles and the census ethnic mix per LSOA (:data:`LSOAS`) instead of the release's same-for-all."""
    imd_header = ",".join(["lsoa21_code"] + [f"{d}_{m}" for m in ("decile", "rank", "score") for d in IMD2025_DOMAINS])
    imd = [imd_header] + [",".join([code] + [str(decile)] * 8 + ["150"] * 8 + ["41.5"] * 8)
                          for code, (decile, _) in LSOAS.items()]
    ethnicity = ["lsoa21_code,total_residents,ethnic_group,n,prop"] + [
        f"{code},100,{group},{n},{n / 100}" for code, (_, asian) in LSOAS.items()
        for group, n in (("White", 100 - asian), ("Asian", asian))
    ]
    return {"deprivation_imd2025_england_lsoa21_csv_gz": "\n".join(imd) + "\n",
            "census_ethnicity21_lsoa21_humberside_csv": "\n".join(ethnicity) + "\n"}


def _households() -> list[dict]:
    rows = [row("households", address_id=a, house_number=str(i), street="Mill Lane", postcode="TE1 1AA")
            for i, a in enumerate(MILL, 1)]
    rows += [row("households", address_id=a, house_number=str(i), street="Church Road", postcode="TE11 1AD")
             for i, a in enumerate(CHURCH[:-1], 1)]
    rows.append(row("households", address_id="CRRC", house_number="", house_name="Rose Cottage", street="Church Road",
                    postcode="TE11 1AD"))
    rows += [row("households", address_id=a, house_number=str(i), street="High Street", postcode="TE1 1AE")
             for i, a in enumerate(HIGH, 1)]
    return rows


def _members() -> list[dict]:
    return [
        row("members", member_id="M1", address_id="ML02", postcode="TE1 1AA", groups="neighbourhood_watch",
            ethnic_group="White", age_band="45-54"),
        row("members", member_id="M2", address_id="ML04", postcode="TE1 1AA", groups="faith_group",
            ethnic_group="Asian", age_band="65-74", first_name="Bob"),
        row("members", member_id="M3", address_id="CR03", postcode="TE11 1AD", groups="", opted_out="2025-03-01"),
        row("members", member_id="M4", address_id="ML06", postcode="TE1 1AA", groups="", opted_in="2025-07-01"),
        row("members", member_id="M5", address_id="HS01", postcode="TE1 1AE", groups="", ethnic_group="Asian"),
    ]


def _surveys() -> list[dict]:
    answers = [("M1", "2025Q1", "4"), ("M1", "2025Q2", "1"), ("M2", "2025Q1", "1"), ("M2", "2025Q2", "5"),
               ("M5", "2025Q2", "2")]
    return [row("surveys", response_id=f"R{i}", member_id=m, wave=w, confidence=c,
                responded_on="2025-02-03" if w == "2025Q1" else "2025-05-05")
            for i, (m, w, c) in enumerate(answers, 1)]


def populate(engine, folder) -> dict:
    """Fill ``engine`` as the module docstring says; returns the users by ID (and 'admin')."""
    assert not import_reference(engine, write_reference(folder / "raw", **_reference_changes()), progress=False).failed
    places = [("E01000001", "Mill Lane", "-1.505", "52.405")] * 3 + [("E01000002", "Church Road", "-1.4995", "52.4045"),
                                                                   ("E01000003", "High Street", "-1.485", "52.405")]
    crime = [crime_row(LSOA_code=lsoa, Location=f"On or near {street}", Longitude=lon, Latitude=lat, Crime_ID=f"{i:064d}")
             for i, (lsoa, street, lon, lat) in enumerate(places)]
    assert not import_crime_files(engine, [write_street_file(folder / "2025-03-test-street.csv", crime)], progress=False).failed
    link_all(engine)
    for kind, rows in (("households", _households()), ("members", _members()), ("surveys", _surveys())):
        report = import_community_files(engine, kind, [write_export(folder / f"{kind}.csv", kind, rows)])
        assert report.total("stored") == len(rows) and not report.failed
    refresh(engine)
    admin = add_user(engine, None, "admin", name="Admin", role="admin", areas=[("force", FORCE_CODE)])
    add_team(engine, admin, "north-team", "North team")
    add_team(engine, admin, "south-team", "South team")
    for user_id, (role, areas, team) in USERS.items():
        add_user(engine, admin, user_id, name=f"Name of {user_id}", role=role, areas=areas, team_id=team)
    return users_of(engine)


def users_of(engine) -> dict:
    """The users of a populated store by ID (and 'admin')."""
    return {user_id: get_user(engine, user_id) for user_id in ["admin", *USERS]}


def record_jobs(url: str, jobs: list[tuple], threads: int) -> list[tuple[int, float, float]]:
    """Record ``jobs`` ((officer ID, setup ID, address ID, outcome, ISO time, consent or None)) on the store
    at ``url`` from ``threads`` threads of this process, started together; returns (visit ID, start, end)
    per visit (wall-clock seconds). Run in worker processes by the concurrency tests."""
    from lpt.setups.visits import record_visit

    engine = open_store(url)
    callers = {officer: get_user(engine, officer) for officer in {job[0] for job in jobs}}
    done: list[tuple[int, float, float]] = []
    errors: list[BaseException] = []
    lock, start = threading.Lock(), threading.Barrier(threads)

    def work(share: list[tuple]) -> None:
        start.wait()
        for officer, setup_id, address_id, outcome, at, consent in share:
            began = time.time()
            try:
                visit_id = record_visit(engine, callers[officer], setup_id, address_id, outcome,
                                        at=datetime.fromisoformat(at), consent=consent, purpose=PURPOSE)
            except BaseException as exc:  # reported to the test, which fails on any
                with lock:
                    errors.append(exc)
                continue
            with lock:
                done.append((visit_id, began, time.time()))

    workers = [threading.Thread(target=work, args=(jobs[i::threads],)) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    engine.dispose()
    if errors:
        raise RuntimeError(f"{len(errors)} visits failed, first: {errors[0]!r}")
    return done
