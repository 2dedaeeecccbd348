"""The store the messaging tests share: :func:`populate` fills a store with the tiny reference
release (tests/reference_files.py: wards North and South of district E06000001, force area
E23000001), one crime record per ward, 40 members with survey answers and the users below;
:class:`FakeTransport` records envelopes and bounces or fails chosen addresses.
The 40 members, M01..M40 (``member(i)``), all joined on 2025-01-15 with e-mail mNN@example.com:

* North: M01-M15 on Mill Lane (TE1 1AA, LSOA E01000001), M16-M30 on Church Road (TE11 1AD,
  E01000002); South: M31-M40 on High Street (TE1 1AE, E01000003).
* groups: M01-M10 neighbourhood_watch, M11-M15 faith_group; age band 25-34, 45-54 or 65-74 by
  i % 3 (0, 1, 2); Female when i is odd; Asian when i % 5 == 0, else White.
* survey 2025Q1 (2025-02-03): M01-M20 drugs, M21-M30 asb, M31-M33 speeding as priority_1 (and
  M01-M03 speeding as priority_2); confidence 4 for M01-M15, else 2; M34-M40 did not answer. M01 answered again in 2025Q2
  (2025-05-05) naming asb, so drugs is M02-M20's latest priority only.
"""

from __future__ import annotations

import threading
from datetime import date

from lpt.access.users import add_team, add_user, get_user
from lpt.ingest.community import import_community_files
from lpt.ingest.crime import import_crime_files
from lpt.ingest.reference import import_reference
from lpt.insight.refresh import refresh
from lpt.linkage.link import link_all
from lpt.messaging.transport import Envelope, Outcome
from tests.community_files import row, write_export
from tests.policeuk_files import crime_row, write_street_file
from tests.reference_files import write_reference

NORTH, SOUTH, DISTRICT, FORCE_CODE = "E05000001", "E05000002", "E06000001", "E23000001"
MILL, CHURCH, HIGH = ("E01000001", "Mill Lane"), ("E01000002", "Church Road"), ("E01000003", "High Street")
PURPOSE = "test of messaging"
#: A square around LSOA E01000001 (TE1 1AA at -1.505, 52.405) only.
MILL_SQUARE = "POLYGON ((-1.51 52.40, -1.501 52.40, -1.501 52.41, -1.51 52.41, -1.51 52.40))"
ON = date(2025, 6, 1)
#: user ID -> (role, areas, team)
USERS = {
    "pc-north": ("officer", [("ward", NORTH)], "north-team"),
    "pc-south": ("officer", [("ward", SOUTH)], None),
    "pc-both": ("officer", [("ward", NORTH), ("ward", SOUTH)], None),
    "sgt-one": ("supervisor", [("district", DISTRICT)], "north-team"),
    "sgt-two": ("supervisor", [("district", DISTRICT)], None),
    "sgt-force": ("supervisor", [("force", FORCE_CODE)], None),
    "an1": ("analyst", [], None),
    "ev1": ("evaluator", [], None),
    "scheduler": ("admin", [("force", FORCE_CODE)], None),
}


def member(i: int) -> str:
    return f"M{i:02d}"


def _place(i: int) -> tuple[str, str, str]:
    """(postcode, street, LSOA) of member i's household."""
    if i <= 15:
        return "TE1 1AA", MILL[1], MILL[0]
    if i <= 30:
        return "TE11 1AD", CHURCH[1], CHURCH[0]
    return "TE1 1AE", HIGH[1], HIGH[0]


def _export() -> dict[str, list[dict]]:
    households, people, answers = [], [], []
    for i in range(1, 41):
        postcode, street, _ = _place(i)
        households.append(row("households", address_id=f"A{i:02d}", house_number=str(i), street=street, postcode=postcode))
        people.append(row(
            "members", member_id=member(i), first_name=f"Name{i}", email=f"m{i:02d}@example.com", phone="",
            address_id=f"A{i:02d}", postcode=postcode, age_band=("25-34", "45-54", "65-74")[i % 3],
            sex="Female" if i % 2 else "Male", ethnic_group="Asian" if i % 5 == 0 else "White",
            groups="neighbourhood_watch" if i <= 10 else "faith_group" if i <= 15 else "",
        ))
        if i <= 33:
            topic = "drugs" if i <= 20 else "asb" if i <= 30 else "speeding"
            answers.append(row("surveys", response_id=f"R{i:02d}", member_id=member(i), priority_1=topic,
                               priority_2="speeding" if i <= 3 else "", confidence="4" if i <= 15 else "2"))
    answers.append(row("surveys", response_id="R01b", member_id="M01", wave="2025Q2", responded_on="2025-05-05", priority_1="asb"))
    return {"households": households, "members": people, "surveys": answers}


def populate(engine, folder) -> dict:
    """Fill ``engine`` as the module docstring says; returns the users by ID (and 'admin')."""
    assert not import_reference(engine, write_reference(folder / "raw"), progress=False).failed
    crime = [
        crime_row(LSOA_code="E01000001", Location="On or near Mill Lane", Longitude="-1.505", Latitude="52.405"),
        crime_row(LSOA_code="E01000003", Location="On or near High Street", Longitude="-1.485", Latitude="52.405", Crime_ID="b" * 64),
    ]
    assert not import_crime_files(engine, [write_street_file(folder / "2025-03-test-street.csv", crime)], progress=False).failed
    link_all(engine)
    for kind, rows in _export().items():
        report = import_community_files(engine, kind, [write_export(folder / f"{kind}.csv", kind, rows)])
        assert report.total("stored") == len(rows) and not report.failed
    refresh(engine)
    admin = add_user(engine, None, "admin", name="Admin", role="admin", areas=[("force", FORCE_CODE)])
    add_team(engine, admin, "north-team", "North team")
    for user_id, (role, areas, team) in USERS.items():
        add_user(engine, admin, user_id, name=user_id, role=role, areas=areas, team_id=team)
    return users_of(engine)


def users_of(engine) -> dict:
    """The users of a populated store by ID (and 'admin')."""
    return {user_id: get_user(engine, user_id) for user_id in ["admin", *USERS]}


class FakeTransport:
    """Records every envelope; ``bounce`` and ``fail`` addresses get those outcomes; ``crash`` makes
    ``deliver`` raise (a transport that went down)."""

    def __init__(self, bounce=(), fail=(), channel: str = "email", crash: bool = False) -> None:
        self.channel = channel
        self.bounce, self.fail, self.crash = set(bounce), set(fail), crash
        self.envelopes: list[Envelope] = []
        self._lock = threading.Lock()

    def deliver(self, envelopes: list[Envelope]) -> list[Outcome]:
        if self.crash:
            raise ConnectionError("mail server down")
        with self._lock:
            self.envelopes.extend(envelopes)
        return [
            Outcome("bounced", "550 no such user") if e.to in self.bounce
            else Outcome("failed", "421 try later") if e.to in self.fail else Outcome("sent")
            for e in envelopes
        ]

    @property
    def recipients(self) -> list[str]:
        return sorted(e.to for e in self.envelopes)


def address(i: int) -> str:
    return f"m{i:02d}@example.com"
