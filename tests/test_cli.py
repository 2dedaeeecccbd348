"""The lpt command line, as a user runs it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from lpt.cli import main
from tests.community_files import row, write_export
from tests.policeuk_files import crime_row, write_street_file
from tests.reference_files import write_reference

NAME = "2025-03-test-street.csv"
LPT = Path(sys.executable).with_name("lpt")


@pytest.fixture
def db(tmp_path) -> list[str]:
    return ["--db", f"sqlite:///{tmp_path / 'cli.sqlite'}"]


def test_ingest_json_is_the_only_thing_on_stdout(tmp_path, db):
    path = write_street_file(tmp_path / NAME, [crime_row(), crime_row(Month="x")])
    done = subprocess.run([LPT, *db, "ingest", "crime", path, "--json"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    payload = json.loads(done.stdout)
    assert {k: payload[k] for k in ("read", "stored", "duplicates", "rejected", "replaced")} == {
        "read": 2, "stored": 1, "duplicates": 0, "rejected": 1, "replaced": 0
    }
    assert payload["files"][0]["error"] is None


def test_broken_file_exits_non_zero_with_one_line_and_no_traceback(tmp_path, db):
    broken = tmp_path / "2025-01-test-street.csv"
    broken.write_bytes(b"\xff\xfe\x00garbage")
    good = write_street_file(tmp_path / NAME, [crime_row()])
    done = subprocess.run([LPT, *db, "ingest", "crime", broken, good], capture_output=True, text=True)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert f"lpt: error: {broken}, line 1: not UTF-8" in done.stderr
    assert "Total: 1 read, 1 stored" in done.stdout


def test_rejects_lists_file_line_field_and_reason(tmp_path, db, capsys):
    path = write_street_file(tmp_path / NAME, [crime_row(), crime_row(Longitude="far")])
    assert main([*db, "ingest", "crime", str(path)]) == 0
    capsys.readouterr()
    assert main([*db, "rejects", "--json"]) == 0
    (reject,) = json.loads(capsys.readouterr().out)
    assert (reject["file"], reject["line"], reject["field"]) == (str(path), 3, "Longitude")
    assert main([*db, "rejects"]) == 0
    table = capsys.readouterr().out
    assert "Longitude" in table and "not a number: 'far'" in table


def test_build_imports_reference_and_crime_links_and_reports_quality(tmp_path, db, capsys, monkeypatch):
    write_reference(tmp_path / "data" / "raw")
    write_street_file(tmp_path / "data" / "raw" / "crime" / "t" / NAME, [crime_row()])
    monkeypatch.setenv("LPT_DATA_DIR", str(tmp_path / "data"))
    assert main([*db, "build"]) == 0
    out = capsys.readouterr().out
    assert "lsoa21_ward_district imported" in " ".join(out.split())
    assert "Total: 1 read, 1 stored" in out
    assert "Test Constabulary 2025-03" in out
    assert "crime: Test Constabulary 1 0 0 0" in " ".join(out.split())  # per source, all months
    assert "Synthetic community data" in out and "households:" in out


def test_build_with_missing_reference_files_says_which_and_fails(tmp_path, db, capsys, monkeypatch):
    write_street_file(tmp_path / "data" / "raw" / "crime" / "t" / NAME, [crime_row()])
    monkeypatch.setenv("LPT_DATA_DIR", str(tmp_path / "data"))
    assert main([*db, "build"]) == 1
    assert "lookup_lsoa21_ward24_ltla24.csv.gz: cannot read file" in capsys.readouterr().err


def test_ingest_reference_json_then_again_stores_nothing(tmp_path, db, capsys):
    folder = write_reference(tmp_path / "raw")
    assert main([*db, "ingest", "reference", str(folder), "--json"]) == 0
    first = json.loads(capsys.readouterr().out)
    assert first["rows_imported"] > 0 and first["link"]["postcodes"] == 5
    assert main([*db, "ingest", "reference", str(folder), "--json"]) == 0
    again = json.loads(capsys.readouterr().out)
    assert again["rows_imported"] == 0 and {d["status"] for d in again["datasets"]} == {"unchanged"}


def test_ingest_reference_bad_file_exits_non_zero_naming_file_and_line(tmp_path, db, capsys):
    folder = write_reference(tmp_path / "raw")
    (folder / "geography" / "lookup_ltla24_csp24_pfa24.csv").write_text("nonsense\n1\n")
    assert main([*db, "ingest", "reference", str(folder)]) == 1
    err = capsys.readouterr().err
    assert "lookup_ltla24_csp24_pfa24.csv, line 1: missing column(s) 'ltla24_code'" in err


def test_quality_reports_stored_flagged_unlinked_rejected_and_why(tmp_path, db, capsys):
    assert main([*db, "ingest", "reference", str(write_reference(tmp_path / "raw"))]) == 0
    rows = [
        crime_row(),
        crime_row(Crime_ID="b" * 64, LSOA_code="E01000009"),
        crime_row(Crime_ID="c" * 64, LSOA_code="E01999999"),
        crime_row(Longitude="far"),
    ]
    assert main([*db, "ingest", "crime", str(write_street_file(tmp_path / NAME, rows))]) == 0
    capsys.readouterr()
    assert main([*db, "quality", "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    (crime,) = [r for r in payload["summary"] if r["source"] == "crime: Test Constabulary"]
    assert crime["month"] == "2025-03"
    assert [crime[c] for c in ("stored", "flagged", "unlinked", "rejected")] == [3, 1, 1, 1]
    reasons = {(r["status"], r["reason"]) for r in payload["reasons"] if r["source"].startswith("crime")}
    assert ("unlinked", "LSOA code not in the LSOA 2021 lookup") in reasons
    assert ("flagged", "LSOA outside the force's districts") in reasons
    assert ("rejected", "Longitude: not a number: 'far'") in reasons
    assert main([*db, "quality"]) == 0
    assert "LSOA outside the force's districts" in capsys.readouterr().out


def test_bad_store_url_is_one_clear_line(capsys):
    assert main(["--db", "nonsense", "rejects"]) == 1
    assert capsys.readouterr().err.strip() == "lpt: error: not a database URL: 'nonsense'"


def test_no_command_prints_help_and_exits_2(capsys):
    assert main([]) == 2
    assert "ingest" in capsys.readouterr().err


def test_backtest_writes_scores_and_prints_json(tmp_path, capsys):
    from lpt.settings import bundled_crime_dir

    files = [str(f) for f in sorted(bundled_crime_dir().rglob("*.csv.gz"))[:4]]
    out = tmp_path / "scores.csv"
    assert main(["backtest", *files, "--out", str(out), "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["test_months"] == ["2025-04"]
    assert set(payload["methods"]) == {"lpt", "lpt_harm", "last_month", "all_history", "ewma", "perfect"}
    assert set(payload["methods"]["lpt"]) == {"hit_rate", "harm_hit_rate", "pai", "pei"}  # bundled harm weights
    assert set(payload["methods"]["ewma"]["hit_rate"]) == {"1%", "5%", "10%"}
    assert out.read_text().splitlines()[0] == "month,location,lsoa_code,score"


def test_backtest_bad_harm_file_names_file_line_and_field(tmp_path, capsys):
    harm = tmp_path / "harm.csv"
    harm.write_text("crime_type,weight\nBurglary,heavy\n")
    path = write_street_file(tmp_path / NAME, [crime_row()])
    assert main(["backtest", str(path), "--out", str(tmp_path / "o.csv"), "--harm", str(harm)]) == 1
    assert capsys.readouterr().err.strip() == f"lpt: error: {harm}, line 2: field weight: not a non-negative number: 'heavy'"


@pytest.mark.parametrize("kind", ["households", "members", "surveys", "visits"])
def test_ingest_community_kind_prints_the_counts_as_json(tmp_path, db, capsys, kind):
    needs = {
        "households": [], "members": ["households"], "surveys": ["households", "members"], "visits": ["households"]
    }
    for name in [*needs[kind], kind]:
        short_row = list(row(name).values())[:-1]
        path = write_export(tmp_path / f"{name}.csv", name, [row(name), short_row])
        assert main([*db, "ingest", name, str(path), "--json"]) == 0
    payload = json.loads(capsys.readouterr().out.splitlines()[-1])
    assert (payload["read"], payload["stored"], payload["rejected"]) == (2, 1, 1)
    assert set(payload) == {"read", "stored", "duplicates", "rejected", "replaced", "files"}
    assert payload["files"][0]["path"] == str(tmp_path / f"{kind}.csv")


def test_ingest_community_broken_file_exits_non_zero_and_rejects_show_the_source(tmp_path, db, capsys):
    broken = tmp_path / "households.csv"
    broken.write_text("address_id,street\nA1,Mill Lane\n")
    assert main([*db, "ingest", "households", str(broken)]) == 1
    assert f"lpt: error: {broken}, line 1: header is not a households export" in capsys.readouterr().err
    rows = [row("households"), row("households", address_id="A2", street="")]
    path = write_export(tmp_path / "h2.csv", "households", rows)
    assert main([*db, "ingest", "households", str(path)]) == 0
    assert "Total: 2 read, 1 stored, 0 duplicates, 1 rejected, 0 replaced" in capsys.readouterr().out
    assert main([*db, "rejects"]) == 0
    assert "households " + str(path) + "    3 street  empty" in capsys.readouterr().out
