"""``lpt evaluate setup ID`` renders notebooks/evaluation_setup.ipynb as an evaluator on a copy of the sample store:
a setup over two wards from July 2025, its effect on crime by difference-in-differences under the EMMIE headings,
with the Maryland level, threats and what the design could detect; HTML without code, listed in the index."""

from __future__ import annotations

import json
from datetime import date

import pytest

from lpt.access.users import add_user, get_user
from lpt.cli import main
from lpt.setups.model import SetupArea, SetupSpec, create_setup
from lpt.store import open_store
from tests.conftest import OFFICER_WARD, OTHER_WARD, backup_copy


@pytest.fixture(scope="module")
def evaluated(sample_store, tmp_path_factory) -> tuple[str, int]:
    """(URL, setup ID) of a copy of the sample store with evaluator 'ev1' and a setup over two wards."""
    engine, _ = sample_store
    url = backup_copy(engine, tmp_path_factory.mktemp("evaluate") / "lpt.sqlite")
    copy = open_store(url)
    admin = get_user(copy, "admin")
    add_user(copy, admin, "ev1", name="Evaluator One", role="evaluator")
    spec = SetupSpec("Central and West", SetupArea(wards=(OFFICER_WARD, OTHER_WARD)), date(2025, 7, 1), date(2025, 12, 31))
    setup_id = create_setup(copy, admin, spec, purpose="evaluation test")
    copy.dispose()
    return url, setup_id


def test_the_evaluation_report_follows_emmie(evaluated, tmp_path, monkeypatch, capsys):
    url, setup_id = evaluated
    monkeypatch.setenv("LPT_REPORTS_DIR", str(tmp_path))
    assert main(["--db", url, "--user", "ev1", "evaluate", "setup", str(setup_id), "--outcome", "crime"]) == 0
    path = tmp_path / f"evaluation-setup-{setup_id}-crime-did.html"
    assert capsys.readouterr().out.strip() == str(path)
    page = path.read_text()
    for heading in ("Effect", "Mechanism", "Moderators", "Implementation", "Economics", "Strength of the design",
                    "Threats to validity", "What the design could detect"):
        assert f">{heading}<" in page, heading
    assert "Central and West" in page and "rate ratio" in page and "comparison streets" in page
    assert "Level 3 of 5" in page or "Level 4 of 5" in page
    assert "Selection: the setup" in page and "Assumed cost of an officer hour" in page
    assert "import " not in page and url not in page  # no code, no parameters
    listed = json.loads((tmp_path / "reports.json").read_text())
    assert any(entry["file"] == path.name for entry in listed)


@pytest.mark.parametrize(("outcome", "method", "said"), [
    ("confidence", "did", ["percentage points", "comparison wards", "one change per ward", "points or more either way"]),
    ("asb", "its", ["Anti-social behaviour", "Level 2 of 5", "no comparison area", "would be found 80% of the time"]),
])
def test_confidence_and_a_time_series_of_asb(evaluated, tmp_path, monkeypatch, capsys, outcome, method, said):
    url, setup_id = evaluated
    monkeypatch.setenv("LPT_REPORTS_DIR", str(tmp_path))
    assert main(["--db", url, "--user", "ev1", "evaluate", "setup", str(setup_id), "--outcome", outcome,
                 "--method", method]) == 0
    page = (tmp_path / f"evaluation-setup-{setup_id}-{outcome}-{method}.html").read_text()
    assert ">Effect<" in page and ">Threats to validity<" in page and "Traceback" not in page
    for words in said:
        assert words in page, words


def test_an_officer_of_another_area_cannot_evaluate_it(evaluated, tmp_path, monkeypatch, capsys):
    url, setup_id = evaluated
    monkeypatch.setenv("LPT_REPORTS_DIR", str(tmp_path))
    copy = open_store(url)
    add_user(copy, get_user(copy, "admin"), "pc-far", name="PC Far", role="officer", areas=[("ward", "E05011530")])
    copy.dispose()
    assert main(["--db", url, "--user", "pc-far", "evaluate", "setup", str(setup_id)]) == 1
    assert "may not" in capsys.readouterr().err and not list(tmp_path.glob("*.html"))
