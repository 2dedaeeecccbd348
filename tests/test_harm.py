"""Harm weights: the bundled file, the reader's errors, the override, and harm beside counts."""

from __future__ import annotations

import csv
import json

import pandas as pd
import pytest

from lpt.cli import main
from lpt.errors import InputFileError, LPTError
from lpt.harm import (
    HARM_WEIGHTS_ENV,
    POLICE_UK_CRIME_TYPES,
    STATUSES,
    count_and_harm,
    harm_of,
    harm_weights,
    harm_weights_path,
)
from lpt.settings import bundled_crime_dir, data_dir

BUNDLED_FILE = data_dir() / "harm_weights.csv"
HEADER = "crime_type,weight,basis,status\n"


def _complete(**changes: str) -> str:
    """Rows for all 14 categories (weight 1, status derived), with some weights replaced by text."""
    lines = [f"{t},{changes.get(t, '1')},test,derived\n" for t in POLICE_UK_CRIME_TYPES]
    return "".join(lines)


def _write(tmp_path, text: str):
    path = tmp_path / "harm.csv"
    path.write_text(text)
    return path


def test_bundled_file_covers_exactly_the_14_categories_with_valid_rows():
    with open(BUNDLED_FILE, newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == ["crime_type", "weight", "basis", "status"]
    assert sorted(r["crime_type"] for r in rows) == sorted(POLICE_UK_CRIME_TYPES)
    assert len(rows) == 14
    for r in rows:
        assert float(r["weight"]) >= 0, r
        assert r["status"] in STATUSES, r
        assert r["basis"].strip(), r
    assert harm_weights(BUNDLED_FILE) == {r["crime_type"]: float(r["weight"]) for r in rows}


def test_bundled_weights_rank_violent_and_acquisitive_harm_sensibly():
    weights = harm_weights()
    assert weights["Robbery"] > weights["Burglary"] > weights["Vehicle crime"] > weights["Shoplifting"]
    assert weights["Violence and sexual offences"] > weights["Public order"] > weights["Anti-social behaviour"]
    with open(BUNDLED_FILE, newline="") as handle:
        provisional = {r["crime_type"] for r in csv.DictReader(handle) if r["status"] == "provisional"}
    assert provisional == {"Anti-social behaviour"}


def test_default_is_the_bundled_file_and_the_env_var_overrides_it(tmp_path, monkeypatch):
    monkeypatch.delenv(HARM_WEIGHTS_ENV, raising=False)
    assert harm_weights_path() == BUNDLED_FILE
    own = _write(tmp_path, HEADER + _complete(Burglary="1000"))
    monkeypatch.setenv(HARM_WEIGHTS_ENV, str(own))
    assert harm_weights_path() == own
    assert harm_weights()["Burglary"] == 1000
    assert harm_weights(BUNDLED_FILE)["Burglary"] != 1000  # an explicit path beats the env var


def test_data_dir_moves_the_default(tmp_path, monkeypatch):
    monkeypatch.delenv(HARM_WEIGHTS_ENV, raising=False)
    monkeypatch.setenv("LPT_DATA_DIR", str(tmp_path))
    with pytest.raises(InputFileError, match=f"harm_weights.csv: cannot read harm weights: no such file.*{HARM_WEIGHTS_ENV}"):
        harm_weights()
    (tmp_path / "harm_weights.csv").write_text(HEADER + _complete())
    assert set(harm_weights()) == set(POLICE_UK_CRIME_TYPES)


def test_only_crime_type_and_weight_are_required_and_extra_categories_are_kept(tmp_path):
    text = "crime_type,weight\n" + "".join(f"{t},2\n" for t in POLICE_UK_CRIME_TYPES) + "Violent crime,50\n"
    weights = harm_weights(_write(tmp_path, text))
    assert weights["Violent crime"] == 50 and weights["Drugs"] == 2


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        (HEADER + _complete(Drugs="-1"), 6, "field weight: not a non-negative number: '-1'"),
        (HEADER + _complete(Drugs="heavy"), 6, "field weight: not a non-negative number: 'heavy'"),
        (HEADER + _complete(Drugs=""), 6, "field weight: not a non-negative number: ''"),
        (HEADER + _complete(Drugs="nan"), 6, "field weight: not a non-negative number: 'nan'"),
        (HEADER + _complete() + "Burglary,3,again,derived\n", 16, "field crime_type: duplicate of line 4: 'Burglary'"),
        (HEADER + ",3,no name,derived\n" + _complete(), 2, "field crime_type: empty"),
        (HEADER + _complete().replace("Robbery,1,test,derived", "Robbery,1,test,guessed"), 11,
         "field status: not one of published, derived, provisional: 'guessed'"),
        (HEADER + _complete().replace("Robbery,1,test,derived", "Robbery,1,test"), 11, "expected 4 fields, found 3"),
        ("crime_type,value\nBurglary,1\n", 1, "harm weights need columns crime_type, weight; missing weight"),
        ("", 1, "empty file: harm weights need a header row"),
    ],
)
def test_bad_rows_name_file_line_and_field(tmp_path, text, line, message):
    path = _write(tmp_path, text)
    with pytest.raises(InputFileError) as caught:
        harm_weights(path)
    assert str(caught.value) == f"{path}, line {line}: {message}"
    assert (caught.value.path, caught.value.line) == (str(path), line)


def test_a_missing_category_names_the_file_field_and_categories(tmp_path):
    rows = _complete().splitlines(keepends=True)
    path = _write(tmp_path, HEADER + "".join(r for r in rows if not r.startswith(("Drugs", "Robbery"))))
    with pytest.raises(InputFileError) as caught:
        harm_weights(path)
    assert str(caught.value) == f"{path}: field crime_type: no weight for police.uk categories: Drugs, Robbery"


def test_harm_of_multiplies_counts_by_weight_and_refuses_unweighted_types():
    counts = pd.DataFrame({"Robbery": [1, 0], "Shoplifting": [0, 10]}, index=["E01000001", "E01000002"])
    weights = {"Robbery": 365.0, "Shoplifting": 1.0}
    assert harm_of(counts, weights).tolist() == [365.0, 10.0]
    assert harm_of(counts, weights).name == "harm"
    with pytest.raises(LPTError, match="harm weights missing for crime types: Shoplifting"):
        harm_of(counts, {"Robbery": 365.0})


def test_count_and_harm_puts_both_figures_side_by_side():
    counts = pd.DataFrame({"Robbery": [1, 0], "Shoplifting": [0, 9]}, index=["a", "b"])
    table = count_and_harm(counts, {"Robbery": 9.0, "Shoplifting": 1.0})
    assert list(table.columns) == ["crimes", "harm", "crime_share", "harm_share"]
    assert table["crimes"].tolist() == [1, 9] and table["harm"].tolist() == [9, 9]
    assert table["crime_share"].tolist() == pytest.approx([0.1, 0.9])
    assert table["harm_share"].tolist() == pytest.approx([0.5, 0.5])
    empty = count_and_harm(counts * 0, {"Robbery": 9.0, "Shoplifting": 1.0})
    assert empty["harm_share"].tolist() == [0, 0]


def test_count_and_harm_defaults_to_the_bundled_weights(monkeypatch):
    monkeypatch.delenv(HARM_WEIGHTS_ENV, raising=False)
    counts = pd.DataFrame({t: [1] for t in POLICE_UK_CRIME_TYPES})
    assert count_and_harm(counts)["harm"].iloc[0] == pytest.approx(sum(harm_weights().values()))


def test_backtest_shows_harm_weighted_hit_rates_by_default_and_harm_overrides(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv(HARM_WEIGHTS_ENV, raising=False)
    files = [str(f) for f in sorted(bundled_crime_dir().rglob("*.csv.gz"))[:4]]
    out = str(tmp_path / "scores.csv")
    assert main(["backtest", *files, "--out", out, "--json"]) == 0
    default = json.loads(capsys.readouterr().out)["methods"]
    assert set(default["lpt"]["harm_hit_rate"]) == {"1%", "5%", "10%"}
    assert main(["backtest", *files, "--out", out]) == 0
    text = capsys.readouterr().out
    assert "harm_hit_rate 5%" in text and f"Harm weights: {BUNDLED_FILE}" in text
    equal = _write(tmp_path, HEADER + _complete())
    assert main(["backtest", *files, "--out", out, "--json", "--harm", str(equal)]) == 0
    flat = json.loads(capsys.readouterr().out)["methods"]
    assert flat["lpt"]["harm_hit_rate"] == pytest.approx(flat["lpt"]["hit_rate"])
    assert default["lpt"]["harm_hit_rate"] != pytest.approx(default["lpt"]["hit_rate"])
