"""``lpt messages`` and ``lpt surveys`` as officers, a supervisor and the scheduler run them, on the
messaging store of tests/messaging_files.py (North: M01-M30, South: M31-M40, all with e-mail),
delivering into a file outbox."""

from __future__ import annotations

import email
import json

import pytest

from lpt.cli import main
from tests.messaging_files import DISTRICT, NORTH, address


def _run(capsys, url: str, user: str, *args: str) -> tuple[int, str, str]:
    code = main(["--db", url, "--user", user, *args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def outbox(tmp_path, monkeypatch):
    folder = tmp_path / "outbox"
    monkeypatch.setenv("LPT_MAIL_TRANSPORT", "outbox")
    monkeypatch.setenv("LPT_OUTBOX_DIR", str(folder))
    return folder


def _recipients(outbox) -> list[str]:
    return sorted(email.message_from_bytes(p.read_bytes())["To"] for p in outbox.glob("*.eml"))


def test_compose_preview_send_and_never_twice(populated, outbox, capsys):
    engine, _ = populated
    url = engine.url.render_as_string(hide_password=False)
    code, out, _ = _run(capsys, url, "pc-north", "messages", "compose", "--ward", NORTH, "--subject", "What we did",
                        "--body", "Residents told us {top_concern} matters most.")
    assert code == 0 and "Message 1 composed" in out and "Status: approved" in out
    assert "will receive 30" in out and "opted out fewer than 5" in out
    assert "Residents told us drugs matters most." in out  # the figure filled in, as residents will read it
    code, out, _ = _run(capsys, url, "pc-north", "messages", "send", "1", "--json")
    report = json.loads(out)
    assert code == 0 and report["queued"] == 30 and report["delivered"]["sent"] == 30
    assert _recipients(outbox) == sorted(address(i) for i in range(1, 31))
    code, _, err = _run(capsys, url, "pc-north", "messages", "send", "1")
    assert code == 1 and "sent already" in err and len(_recipients(outbox)) == 30
    code, out, _ = _run(capsys, url, "pc-north", "messages", "list", "--json")
    assert code == 0 and json.loads(out)[0]["id"] == 1


def test_district_message_waits_for_a_supervisor_and_caps_hold(populated, outbox, capsys):
    engine, _ = populated
    url = engine.url.render_as_string(hide_password=False)
    _run(capsys, url, "pc-north", "messages", "compose", "--ward", NORTH, "--subject", "First", "--body", "Hello")
    assert _run(capsys, url, "pc-north", "messages", "send", "1")[0] == 0
    code, out, _ = _run(capsys, url, "pc-both", "messages", "compose", "--district", DISTRICT, "--subject", "District",
                        "--body", "News for everyone")
    assert code == 0 and "Message 2 composed" in out and "a supervisor must approve it" in out
    code, _, err = _run(capsys, url, "pc-both", "messages", "send", "2")
    assert code == 1 and "approval" in err
    assert _run(capsys, url, "pc-both", "messages", "approve", "2")[0] == 1  # an officer may not approve
    code, out, _ = _run(capsys, url, "sgt-one", "messages", "approve", "2", "--note", "fine")
    assert code == 0 and "approved" in out
    code, out, _ = _run(capsys, url, "pc-both", "messages", "send", "2", "--json")
    report = json.loads(out)
    assert code == 0 and report["held"] == 30 and report["delivered"]["sent"] == 10  # North had one this week
    assert len(_recipients(outbox)) == 40


def test_survey_invitations_wait_at_the_cap_and_rates_are_listed(populated, outbox, capsys):
    engine, _ = populated
    url = engine.url.render_as_string(hide_password=False)
    _run(capsys, url, "pc-north", "messages", "compose", "--ward", NORTH, "--subject", "First", "--body", "Hello")
    _run(capsys, url, "pc-north", "messages", "send", "1")
    code, out, _ = _run(capsys, url, "scheduler", "surveys", "send-due", "--json")
    first = json.loads(out)
    assert code == 0 and first["invited"] == 10 and first["waiting"] == 30  # South now; North after the cap
    code, out, _ = _run(capsys, url, "scheduler", "surveys", "send-due", "--json")
    again = json.loads(out)
    assert again["invited"] is None and again["already_invited"] == 10 and again["waiting"] == 30  # nothing twice
    assert len(_recipients(outbox)) == 40
    code, out, _ = _run(capsys, url, "an1", "surveys", "rates", "--by", "district", "--json")
    assert code == 0 and {row["district_code"] for row in json.loads(out)} >= {DISTRICT}
    code, _, err = _run(capsys, url, "pc-north", "surveys", "send-due")
    assert code == 1 and "may not" in err
