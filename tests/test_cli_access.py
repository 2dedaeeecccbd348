"""The access commands as an admin runs them: users, audit, opt-out, erasure, subject access, purge."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlparse

import pytest

from lpt.access.tokens import verify_app_token
from lpt.cli import main
from lpt.ingest.community import import_community_files
from lpt.ingest.reference import import_reference
from lpt.linkage.link import link_all
from lpt.store import open_store
from tests.community_files import row, write_export
from tests.reference_files import write_reference


@pytest.fixture
def db(tmp_path, monkeypatch) -> list[str]:
    monkeypatch.setenv("LPT_SECRET_KEY", "cli test secret")
    monkeypatch.delenv("LPT_USER", raising=False)
    url = f"sqlite:///{tmp_path / 'lpt.sqlite'}"
    engine = open_store(url)
    import_reference(engine, write_reference(tmp_path / "raw"), progress=False)
    link_all(engine)
    for kind in ("households", "members", "surveys"):
        import_community_files(engine, kind, [write_export(tmp_path / f"{kind}.csv", kind, [row(kind)])])
    engine.dispose()
    return ["--db", url]


def _run(args: list[str], capsys) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def test_first_admin_then_users_with_areas(db, capsys):
    assert _run([*db, "users", "add", "ada", "--name", "Ada", "--role", "admin", "--force", "E23000001"], capsys)[0] == 0
    code, out, _ = _run([*db, "--user", "ada", "users", "add", "pc1", "--name", "PC One", "--role", "officer", "--ward", "E05000001"], capsys)
    assert code == 0 and "ward E05000001" in out
    code, out, _ = _run([*db, "--user", "ada", "users", "list", "--json"], capsys)
    assert {u["user_id"]: u["areas"] for u in json.loads(out)} == {"ada": "force E23000001", "pc1": "ward E05000001"}
    assert _run([*db, "--user", "ada", "users", "disable", "pc1"], capsys)[0] == 0
    code, _, err = _run([*db, "--user", "pc1", "users", "list"], capsys)
    assert code == 1 and "disabled" in err


def test_nobody_but_the_first_user_skips_the_admin(db, capsys):
    _run([*db, "users", "add", "ada", "--name", "Ada", "--role", "admin"], capsys)
    code, _, err = _run([*db, "users", "add", "eve", "--name", "Eve", "--role", "admin"], capsys)
    assert code == 1 and "say who you are" in err


def test_audit_lists_reads_and_refusals(db, capsys):
    _run([*db, "users", "add", "ada", "--name", "Ada", "--role", "admin"], capsys)
    _run([*db, "--user", "ada", "users", "add", "an1", "--name", "An", "--role", "analyst"], capsys)
    assert _run([*db, "--user", "an1", "erase", "M1", "--purpose", "try"], capsys)[0] == 1
    code, out, _ = _run([*db, "--user", "ada", "audit", "--refused", "--json"], capsys)
    (entry,) = json.loads(out)
    assert (entry["user_id"], entry["action"], entry["outcome"]) == ("an1", "erase_member", "refused")


def test_subject_rights_commands(db, capsys, tmp_path):
    _run([*db, "users", "add", "ada", "--name", "Ada", "--role", "admin"], capsys)
    out_file = tmp_path / "sar.json"
    assert _run([*db, "--user", "ada", "export-subject", "M1", "--purpose", "SAR 1", "--out", str(out_file)], capsys)[0] == 0
    assert json.loads(out_file.read_text())["member"]["member_id"] == "M1"
    assert "opted out" in _run([*db, "--user", "ada", "opt-out", "M1", "--purpose", "asked"], capsys)[1]
    assert "1 survey answers kept" in _run([*db, "--user", "ada", "erase", "M1", "--purpose", "asked"], capsys)[1]
    assert "0 members erased" in _run([*db, "--user", "ada", "purge", "--days", "30"], capsys)[1]


def test_app_link_token_names_the_user(db, capsys):
    _run([*db, "users", "add", "ada", "--name", "Ada", "--role", "admin"], capsys)
    _run([*db, "--user", "ada", "users", "add", "pc1", "--name", "PC", "--role", "officer", "--ward", "E05000001"], capsys)
    code, out, _ = _run([*db, "--user", "ada", "users", "link", "pc1"], capsys)
    link = urlparse(out.strip())
    assert code == 0 and link.path == "/voila/render/officer.ipynb"
    assert verify_app_token(parse_qs(link.query)["token"][0], "officer", b"cli test secret") == "pc1"
