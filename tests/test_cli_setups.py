"""``lpt setups`` as supervisors, officers and an admin run it, on the store of tests/setups_files.py (SQLite;
the API is tested on both databases): North E05000001 has 21 households (Mill Lane ML01-ML12 in an IMD
decile 1 LSOA, Church Road CR01-CR08 and Rose Cottage), South 10 (High Street). Registered today: ML02,
ML04 and ML06 (M4 joined on 2025-07-01); on 2 June 2025 only ML02 and ML04."""

from __future__ import annotations

import json
import shutil

import pytest

from lpt.cli import main
from lpt.cli.common import HIDDEN_NOTE
from lpt.errors import LPTError
from lpt.setups.model import Criteria, SetupArea, SetupSpec, setups_of, update_setup
from lpt.setups.selection import priority_addresses
from lpt.setups.visits import record_visit
from lpt.setups.walklist import REMINDER
from tests.setups_files import MILL_SQUARE, NORTH, ON, PURPOSE, SOUTH

NORTH_SETUP = ["setups", "create", "--name", "North doors", "--ward", NORTH, "--starts", "2025-06-01", "--ends",
               "2025-06-30"]


@pytest.fixture
def doorstep(doorstep_sqlite, monkeypatch):
    """(engine, URL, users by ID) of a populated SQLite store."""
    monkeypatch.delenv("LPT_USER", raising=False)
    engine, users = doorstep_sqlite
    return engine, engine.url.render_as_string(hide_password=False), users


def _run(capsys, url: str, user: str, *args: str) -> tuple[int, str, str]:
    code = main(["--db", url, "--user", user, *args])
    out, err = capsys.readouterr()
    return code, out, err


def _usage_error(capsys, url: str, user: str, *args: str) -> str:
    """stderr of a command argparse refuses (exit 2)."""
    with pytest.raises(SystemExit) as exit_:
        main(["--db", url, "--user", user, *args])
    assert exit_.value.code == 2
    return capsys.readouterr().err


def _visits(engine, user, setup_id: int, doors: list[str], outcome: str = "not_in") -> None:
    for door in doors:
        record_visit(engine, user, setup_id, door, outcome, at=ON, purpose=PURPOSE)


def test_dry_run_counts_households_per_ward_and_stores_nothing(doorstep, capsys):
    _, url, _ = doorstep
    code, out, _ = _run(capsys, url, "sgt-north", *NORTH_SETUP, "--dry-run")
    assert code == 0 and "Dry run, nothing stored: ward E05000001" in out
    assert out.split()[-2:] == ["Total", "18"]  # 21 households, 3 registered
    code, out, _ = _run(capsys, url, "sgt-north", *NORTH_SETUP, "--imd-decile", "1", "--dry-run", "--json")
    assert json.loads(out)["by_ward"] == [{"ward_code": NORTH, "households": 9}, {"ward_code": "Total", "households": 9}]
    code, out, _ = _run(capsys, url, "sgt-north", *NORTH_SETUP, "--answer", "confidence<=2", "--revisit", "--dry-run")
    assert code == 0 and "confidence answered 2 or lower" in out  # M1 at ML02 only
    assert [line.split()[-1] for line in out.splitlines()[2:4]] == ["hidden", "hidden"] and HIDDEN_NOTE in out
    assert json.loads(_run(capsys, url, "sgt-north", "setups", "list", "--json")[1]) == []


def test_create_by_ward_with_criteria(doorstep, capsys):
    _, url, _ = doorstep
    code, out, _ = _run(capsys, url, "sgt-north", *NORTH_SETUP, "--imd-decile", "1")
    assert code == 0 and out.splitlines() == ["Setup 1 created: ward E05000001; IMD decile 1", "Households on the list: 9"]
    code, out, _ = _run(capsys, url, "sgt-north", *NORTH_SETUP, "--group", "faith_group", "--age-band", "65-74",
                        "--revisit", "--json")
    created = json.loads(out)
    assert code == 0 and created["setup_id"] == 2 and not created["dry_run"]
    assert created["households"] is None and "members of faith group; members 65-74" in created["description"]  # ML04


def test_create_by_drawn_area_or_street(doorstep, capsys, tmp_path):
    _, url, _ = doorstep
    square = tmp_path / "mill.wkt"
    square.write_text(MILL_SQUARE + "\n")
    code, out, _ = _run(capsys, url, "sgt-north", "setups", "create", "--name", "Mill", "--area", str(square),
                        "--starts", "2025-06-01", "--json")
    assert code == 0 and json.loads(out)["households"] == 9  # Mill Lane's 12 but ML02, ML04, ML06
    code, out, _ = _run(capsys, url, "sgt-north", "setups", "create", "--name", "Church", "--street",
                        "E01000002|Church Road", "--starts", "2025-06-01", "--dry-run", "--json")
    assert code == 0 and json.loads(out)["households"] == 9  # CR01-CR08 and Rose Cottage; M3 left
    code, _, err = _run(capsys, url, "sgt-north", "setups", "create", "--name", "Gone", "--area",
                        str(tmp_path / "missing.wkt"), "--starts", "2025-06-01")
    assert code == 1 and "cannot read the area file" in err and "missing.wkt" in err


def test_bad_options_name_the_problem(doorstep, capsys):
    _, url, _ = doorstep
    err = _usage_error(capsys, url, "sgt-north", *NORTH_SETUP, "--answer", "confidence=2")
    assert "--answer: not QUESTION<=N (e.g. confidence<=2): 'confidence=2'" in err
    assert "not a date" in _usage_error(capsys, url, "sgt-north", "setups", "create", "--name", "X", "--starts", "2025-13-01")
    code, _, err = _run(capsys, url, "sgt-north", "setups", "create", "--name", "X", "--ward", NORTH)
    assert code == 1 and "--starts YYYY-MM-DD" in err
    code, _, err = _run(capsys, url, "sgt-north", *NORTH_SETUP, "--answer", "satisfaction<=2", "--revisit")
    assert code == 1 and err.startswith("lpt: error: unknown survey question 'satisfaction'")
    code, _, err = _run(capsys, url, "sgt-north", *NORTH_SETUP, "--group", "faith_group")
    assert code == 1 and "must revisit" in err
    code, _, err = _run(capsys, url, "sgt-north", "setups", "create", "--name", "X", "--ward", SOUTH, "--starts", "2025-06-01")
    assert code == 1 and "may not manage setups" in err and SOUTH in err
    code, _, err = _run(capsys, url, "sgt-north", "setups", "create", "--name", "Everywhere", "--starts", "2025-06-01")
    assert code == 1 and "may not manage setups for force" in err  # no area: force-wide, admins only


def test_spec_file_creates_the_setup_and_bad_ones_are_named(doorstep, capsys, tmp_path):
    _, url, _ = doorstep
    spec = SetupSpec("From a file", SetupArea(wards=(NORTH,)), "2025-06-01", criteria=Criteria(imd_deciles=(1,)))
    good, broken, unknown = tmp_path / "good.json", tmp_path / "broken.json", tmp_path / "unknown.json"
    good.write_text(spec.to_json())
    broken.write_text('{"name": "Half')
    unknown.write_text(json.dumps({**json.loads(spec.to_json()), "colour": "red"}))
    code, out, _ = _run(capsys, url, "sgt-north", "setups", "create", "--spec", str(good))
    assert code == 0 and out.startswith("Setup 1 created: ward E05000001; IMD decile 1")
    for path, problem in ((broken, "is a JSON object"), (unknown, "not colour"), (tmp_path / "none.json", "cannot read")):
        code, _, err = _run(capsys, url, "sgt-north", "setups", "create", "--spec", str(path))
        assert code == 1 and str(path) in err and problem in err
    code, _, err = _run(capsys, url, "sgt-north", "setups", "create", "--spec", str(good), "--ward", NORTH, "--revisit")
    assert code == 1 and "leave out --ward, --revisit" in err
    assert "not allowed with" in _usage_error(capsys, url, "sgt-north", *NORTH_SETUP, "--spec", str(good))


def test_list_shows_the_setups_of_the_callers_areas(doorstep, capsys):
    _, url, _ = doorstep
    _run(capsys, url, "sgt-north", *NORTH_SETUP)
    south = ["setups", "create", "--name", "South doors", "--ward", SOUTH, "--starts", "2025-06-01", "--team", "south-team"]
    code, _, err = _run(capsys, url, "sgt-district", *south)
    assert code == 1 and "only force-wide managers set up work for another team" in err
    assert _run(capsys, url, "admin", *south)[0] == 0
    code, out, _ = _run(capsys, url, "admin", "setups", "list")
    assert code == 0 and "North doors" in out and "South doors" in out and "2025-06-30" in out
    code, out, _ = _run(capsys, url, "pc1", "setups", "list", "--json")  # an officer of North
    assert json.loads(out) == [{
        "setup_id": 1, "name": "North doors", "kind": "targeted", "team_id": "north-team", "status": "active",
        "starts_on": "2025-06-01", "ends_on": "2025-06-30", "revisit": False, "description": "ward E05000001",
    }]


def test_walk_list_in_walking_order_at_a_london_time(doorstep, capsys, tmp_path):
    engine, url, users = doorstep
    _run(capsys, url, "sgt-north", *NORTH_SETUP)
    _visits(engine, users["pc1"], 1, ["ML01"])  # nobody in at 11:00 BST: hidden until 18:00 BST

    def mill_lane_doors(at: str) -> list[str]:
        code, out, _ = _run(capsys, url, "pc1", "setups", "walk-list", "1", "--at", at)
        assert code == 0 and out.splitlines()[0] == REMINDER
        return [line.split()[3] for line in out.splitlines() if "Mill Lane" in line]

    assert mill_lane_doors("2025-06-02T17:30") == ["3", "5", "7", "9", "11", "12", "10", "8", "6"]  # odd up, even down
    assert "1" in mill_lane_doors("2025-06-02T18:00")  # Europe/London: back on the list at 18:00
    assert "1" in mill_lane_doors("2025-06-02T17:30+00:00")  # 18:30 in London
    assert "--at: not a date and time" in _usage_error(capsys, url, "pc1", "setups", "walk-list", "1", "--at", "tonight")
    code, out, _ = _run(capsys, url, "pc1", "setups", "walk-list", "1", "--at", "2025-06-02T17:30",
                        "--out", str(tmp_path / "lists" / "walk.html"))
    assert code == 0 and out == f"Walk list of 18 doors written to {tmp_path / 'lists' / 'walk.html'}\n"
    page = (tmp_path / "lists" / "walk.html").read_text()
    assert REMINDER in page and "Walk list: North doors" in page and "18 doors in 2 streets" in page
    assert ".html or .pdf" in _usage_error(capsys, url, "pc1", "setups", "walk-list", "1", "--out", "walk.txt")
    if shutil.which("chromium"):
        code, out, _ = _run(capsys, url, "pc1", "setups", "walk-list", "1", "--out", str(tmp_path / "walk.pdf"))
        assert code == 0 and (tmp_path / "walk.pdf").read_bytes().startswith(b"%PDF")


def test_archived_setups_are_listed_with_all_and_have_no_walk_list(doorstep, capsys):
    _, url, _ = doorstep
    _run(capsys, url, "sgt-north", *NORTH_SETUP)
    code, _, err = _run(capsys, url, "pc1", "setups", "archive", "1", "--no-report")
    assert code == 1 and "may not manage setups" in err
    code, out, _ = _run(capsys, url, "sgt-north", "setups", "archive", "1", "--no-report")
    assert code == 0 and out.startswith("Setup 1 archived") and "report" not in out
    assert json.loads(_run(capsys, url, "sgt-north", "setups", "list", "--json")[1]) == []
    code, out, _ = _run(capsys, url, "sgt-north", "setups", "list", "--all", "--json")
    assert [(s["setup_id"], s["status"]) for s in json.loads(out)] == [(1, "archived")]
    code, _, err = _run(capsys, url, "pc1", "setups", "walk-list", "1")
    assert code == 1 and "setup 1 is archived: it has no list" in err


def test_progress_per_ward_and_officer(doorstep, capsys):
    engine, url, users = doorstep
    _run(capsys, url, "sgt-north", *NORTH_SETUP)
    _visits(engine, users["pc1"], 1, ["ML01", "ML03", "ML05", "ML07"])
    record_visit(engine, users["pc1"], 1, "CR01", "spoke_not_registered", at=ON, survey={"confidence": 3}, purpose=PURPOSE)
    code, out, _ = _run(capsys, url, "sgt-north", "setups", "progress", "1", "--json")
    shown = json.loads(out)
    assert code == 0 and shown["by_ward"][0] == {  # registration as of the day before it started: 19 targeted
        "ward_code": NORTH, "targeted": 19, "visited": 5, "spoken_to": None, "registered": None, "survey_responses": None,
    }
    assert [(o["officer_id"], o["officer_name"], o["visits"]) for o in shown["by_officer"]] == [
        ("pc1", "Name of pc1", 5), ("Total", None, 5)]
    code, out, _ = _run(capsys, url, "sgt-north", "setups", "progress", "1")
    assert code == 0 and "by ward:" in out and "by officer:" in out and "Name of pc1" in out and HIDDEN_NOTE in out
    code, _, err = _run(capsys, url, "pc-south", "setups", "progress", "1")
    assert code == 1 and "may not" in err


def test_every_door_is_started_by_an_admin_and_shown_per_ward(doorstep, capsys):
    engine, url, users = doorstep
    code, _, err = _run(capsys, url, "sgt-north", "setups", "every-door")
    assert code == 1 and err == "lpt: error: there is no every-door setup yet: an admin starts it with " \
                                "'lpt --user ADMIN setups every-door'\n"
    code, out, _ = _run(capsys, url, "admin", "setups", "every-door", "--starts", "2025-06-01")
    assert code == 0 and out.splitlines() == [  # admins start it but see no counts (lpt/access/permissions.toml)
        "Every-door setup 1 started from 2025-06-01.",
        "Households visited per ward are not shown to you: admin may not team progress for mine: the admin role "
        "does not allow it",
    ]
    code, out, _ = _run(capsys, url, "an1", "setups", "every-door")
    assert code == 0 and out.startswith("Every-door setup 1 runs from 2025-06-01.")
    assert [line.split()[:3] for line in out.splitlines()[2:5]] == [[NORTH, "21", "hidden"], [SOUTH, "10", "hidden"],
                                                                   ["Total", "31", "hidden"]]  # nobody visited yet
    _visits(engine, users["pc1"], 1, ["ML01", "ML03", "ML05", "ML07", "CR01"])
    code, out, _ = _run(capsys, url, "an1", "setups", "every-door", "--json")
    force = json.loads(out)
    assert force["setup_id"] == 1 and not force["started"] and [w["households"] for w in force["by_ward"]] == [21, 10, 31]
    assert [w["visited"] for w in force["by_ward"]] == [None, None, None]  # South's 0 would give North's 5 away
    code, out, _ = _run(capsys, url, "sgt-north", "setups", "every-door", "--json")
    assert code == 0 and json.loads(out)["by_ward"][0] == {"ward_code": NORTH, "households": 21, "visited": 5,
                                                           "share_pct": 23.8}
    assert _run(capsys, url, "admin", "setups", "every-door")[0] == 1  # started already: only the counts were asked


def test_archiving_writes_the_final_report_and_a_report_of_an_archived_setup_renders_later(doorstep, capsys, tmp_path,
                                                                                          monkeypatch):
    engine, url, users = doorstep
    reports = tmp_path / "reports"
    monkeypatch.setenv("LPT_REPORTS_DIR", str(reports))
    _run(capsys, url, "sgt-north", *NORTH_SETUP)
    _visits(engine, users["pc1"], 1, ["ML01", "ML03", "ML05", "ML07", "ML08", "CR01", "CR02", "CR04", "CR05", "CR06"])
    code, out, _ = _run(capsys, url, "sgt-north", "setups", "archive", "1")
    assert code == 0 and out.splitlines() == ["Setup 1 archived: it has left every list and takes no more visits.",
                                              f"Final report: {reports / 'setup-1.html'}"]
    final = (reports / "setup-1.html").read_text()
    # read-only: no edits, no visits, no list, off the active lists
    spec = SetupSpec("North doors", SetupArea(wards=(NORTH,)), "2025-06-01", "2025-07-31")
    with pytest.raises(LPTError, match="setup 1 is archived: it cannot be edited"):
        update_setup(engine, users["sgt-north"], 1, spec, purpose=PURPOSE)
    with pytest.raises(LPTError, match="setup 1 is archived: it takes no more visits"):
        record_visit(engine, users["pc1"], 1, "ML09", "not_in", at=ON, purpose=PURPOSE)
    with pytest.raises(LPTError, match="setup 1 is archived: it has no list"):
        priority_addresses(engine, users["pc1"], 1, on=ON, purpose=PURPOSE)
    assert setups_of(engine, users["sgt-north"], purpose=PURPOSE).empty
    assert list(setups_of(engine, users["an1"], include_archived=True, purpose=PURPOSE)["status"]) == ["archived"]
    # rendered again later, by an analyst: the same figures, to its last day
    code, out, _ = _run(capsys, url, "an1", "report", "setup", "1")
    assert code == 0 and out == f"{reports / 'setup-1.html'}\n"
    again = (reports / "setup-1.html").read_text()
    for text in (final, again):
        for section in ("Totals and plan", "Per ward", "Per street", "Per officer",
                        "Residents registered and surveys by group"):
            assert f">{section}<" in text, section
        assert "North doors" in text and "archived on" in text and "Figures to 2025-06-30" in text
        assert "Behind plan by 9: 10 of 19 households visited by 2025-06-30" in text
        assert text.count('src="data:image/png;base64') == 1 and "setup_heading(" not in text
    assert 'href="setup-1.html"' in (reports / "index.html").read_text()
    assert not list(reports.rglob("*.ipynb"))
