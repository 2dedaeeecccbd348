"""Reports: the ward report (internal and public) and the force overview, rendered on the sample data."""

from __future__ import annotations

import re

import pytest

from lpt.cli import main
from lpt.disclosure import Audience
from lpt.insight.profile import area_profile
from lpt.reports.content import HIDDEN
from lpt.reports.render import write_index

WARD = "E05011529"
WARD_SECTIONS = [
    "Headline figures", "What changed", "Priorities and confidence", "Crime and ASB with harm", "Streets to focus on",
    "What was done", "Door-knocking", "Map of the ward", "Members against population", "Similar wards",
]
FORCE_SECTIONS = ["Force headline figures", "Ward league table", "Confidence by ward", "Crime change by ward"]
PEOPLE_FIGURES = ["Households on the address list", "Registered members", "Survey answers", "Concerns raised"]


def _row(text: str, label: str) -> str:
    """The value cell of a headline-table row."""
    found = re.search(rf"<th>{re.escape(label)}</th>\s*<td>(.*?)</td>", text, re.S)
    assert found, f"no headline row {label!r}"
    return found.group(1).strip()


def test_ward_report_has_sections_figures_and_no_code(rendered, sample_store):
    engine, _ = sample_store
    text = (rendered / f"ward-{WARD}-internal.html").read_text()
    for section in WARD_SECTIONS:
        assert f">{section}<" in text, section
    profile = area_profile(engine, _analyst(engine), "ward", WARD)
    assert profile.name in text
    assert _row(text, "Households on the address list") == str(profile.summary["households"])
    assert _row(text, "Crimes and ASB incidents (police.uk)") == str(profile.summary["crime_records"])
    assert text.count('src="data:image/png;base64') == 2  # crime trend and map
    assert "area_profile(" not in text and "content.headline_table(" not in text  # no code cells
    assert "Warning" not in text
    assert "Street-level recommendations are for police use" not in text
    assert "No door-knocking setup covers this ward." in text  # the sample store has none


def test_public_report_holds_no_personal_data_or_small_counts(rendered, sample_store):
    engine, synthetic = sample_store
    text = (rendered / f"ward-{WARD}-public.html").read_text()
    for section in WARD_SECTIONS:
        assert f">{section}<" in text, section
    members = synthetic.members
    for email in members["email"].dropna():
        assert email not in text
    for first, last in members[["first_name", "last_name"]].itertuples(index=False):
        assert f"{first} {last}" not in text
    assert "Street-level recommendations are for police use" in text
    assert "Door-knocking figures are for police use and are not published." in text
    assert text.count('src="data:image/png;base64') == 2  # crime trend and map (without street points)
    internal = area_profile(engine, _analyst(engine), "ward", WARD).summary
    keys = {"Households on the address list": "households", "Registered members": "members",
            "Survey answers": "responses", "Concerns raised": "concerns"}
    for label in PEOPLE_FIGURES:
        value = _row(text, label)
        if value == HIDDEN:
            assert internal[keys[label]] is None or internal[keys[label]] < 10
            continue
        assert int(value) >= 10 and int(value) % 5 == 0, (label, value)


def test_public_profile_counts_are_publicly_controlled(sample_store):
    engine, _ = sample_store
    caller = _analyst(engine)
    for ward in ("E05011529", "E05011528", "E05001699", "E05001714"):
        public = area_profile(engine, caller, "ward", ward, audience=Audience.PUBLIC)
        internal = area_profile(engine, caller, "ward", ward)
        for key in ("households", "members", "responses", "concerns"):
            value = public.summary[key]
            assert value is None or (value >= 10 and value % 5 == 0), (ward, key, value)
            if internal.summary[key] is not None and internal.summary[key] < 10:
                assert value is None
        shown = public.priorities["respondents"].dropna()
        assert ((shown >= 10) & (shown % 5 == 0)).all()
        if internal.summary["responses"] is None or internal.summary["responses"] < 10:
            assert public.summary["confidence_mean"] is None and public.summary["confident_pct"] is None
        assert public.summary["crime_records"] == internal.summary["crime_records"]  # public data, as it is


def test_force_overview_has_sections(rendered):
    text = (rendered / "force.html").read_text()
    for section in FORCE_SECTIONS:
        assert f">{section}<" in text, section
    assert "Central" in text  # ward names in the league table
    assert 'src="data:image/png;base64' in text
    assert "force_code(" not in text


def test_index_links_reports_and_no_notebook_is_left(rendered):
    index = (rendered / "index.html").read_text()
    for name in (f"ward-{WARD}-internal.html", f"ward-{WARD}-public.html", "force.html"):
        assert f'href="{name}"' in index
    assert re.search(r"<time datetime=\"\d{4}-\d\d-\d\dT", index)
    assert not list(rendered.rglob("*.ipynb"))


def test_index_lists_html_files_without_manifest(tmp_path):
    (tmp_path / "old.html").write_text("<html></html>")
    index = write_index(tmp_path).read_text()
    assert 'href="old.html"' in index and "index.html\"" not in index


def _analyst(engine):
    from lpt.access.users import get_user

    return get_user(engine, "an1")


def test_ward_map_marks_recommended_streets(sample_store):
    from lpt.reports import content

    engine, _ = sample_store
    plain = content.ward_map(engine, WARD)
    focus = content.street_table(engine, _analyst(engine), WARD, top=3)
    marked = content.ward_map(engine, WARD, focus)
    assert len(focus) == 3 and focus["reasons"].str.len().gt(0).all()
    assert len(marked.axes[0].collections) == len(plain.axes[0].collections) + 1  # the street points
    assert {t.get_text() for t in marked.axes[0].texts} == {"1", "2", "3"}


def test_report_needs_a_user(sample_store, monkeypatch, tmp_path, capsys):
    engine, _ = sample_store
    monkeypatch.delenv("LPT_USER", raising=False)
    monkeypatch.setenv("LPT_REPORTS_DIR", str(tmp_path))
    assert main(["--db", engine.url.render_as_string(hide_password=False), "report", "force"]) == 1
    assert "--user" in capsys.readouterr().err
    assert not list(tmp_path.iterdir())


SAMPLE_WARDS = ["E05001699", "E05001714", "E05011528", "E05011529"]


def _need_chromium() -> None:
    """Skip (fail under CI, where make test installs it) when Debian's chromium is missing."""
    import os
    import shutil

    if shutil.which("chromium") is None:
        message = "chromium not found: install Debian's 'chromium' package (make test does so as root)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)


def test_report_force_pdf_from_the_command_line(rendered):
    """The ``rendered`` fixture ran ``lpt report force --pdf``: the PDF sits beside the HTML."""
    _need_chromium()
    pdf = rendered / "force.pdf"
    assert pdf.read_bytes().startswith(b"%PDF") and pdf.stat().st_size > 10_000


def test_pdf_without_chromium_is_a_clear_error(tmp_path, monkeypatch):
    from lpt.errors import LPTError
    from lpt.reports import pdf

    page = tmp_path / "r.html"
    page.write_text("<html><body>x</body></html>")
    monkeypatch.setattr(pdf, "chromium_path", lambda: None)
    with pytest.raises(LPTError, match="chromium"):
        pdf.to_pdf(page)


def test_report_all_renders_every_ward_in_parallel(sample_store, tmp_path, monkeypatch, capsys):
    """``lpt report all`` with 2 processes on the four sample wards (the only ones with households;
    crime covers every ward of the force) and one unknown ward, which fails on its own."""
    from lpt.reports import batch

    engine, _ = sample_store
    wards = batch.force_wards(engine)
    assert set(SAMPLE_WARDS) <= set(wards) and len(wards) > 50  # crime: the whole force
    monkeypatch.setattr(batch, "force_wards", lambda engine: [*SAMPLE_WARDS, "E05999999"])
    monkeypatch.setenv("LPT_REPORTS_DIR", str(tmp_path))
    url = engine.url.render_as_string(hide_password=False)
    assert main(["--db", url, "--user", "an1", "report", "all", "--processes", "2", "--audience", "public"]) == 1
    out, err = capsys.readouterr()
    assert "4 ward reports written" in out
    assert "E05999999:" in err and "1 of 5 ward reports failed" in err
    index = (tmp_path / "index.html").read_text()
    for ward in SAMPLE_WARDS:
        text = (tmp_path / f"ward-{ward}-public.html").read_text()
        assert ">Headline figures<" in text and text.count('src="data:image/png;base64') == 2
        assert "Street-level recommendations are for police use" in text
        assert f'href="ward-{ward}-public.html"' in index
    assert not list(tmp_path.rglob("*.ipynb"))
