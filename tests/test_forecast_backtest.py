"""Street history and the back-test end to end, checked by an independent scorer."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lpt.errors import LPTError
from lpt.forecast import records_from_files, run_backtest, street_history
from lpt.forecast.backtest import summary_table
from lpt.settings import bundled_crime_dir
from tests.policeuk_files import crime_row, write_street_file

BUNDLED = sorted(bundled_crime_dir().rglob("*.csv.gz"))


def _records(rows):
    return pd.DataFrame(rows, columns=["month", "location", "lsoa_code", "crime_type"])


def test_history_counts_rows_per_street_in_location_order():
    history = street_history(
        _records(
            [
                ("2025-01", "On or near B Road", "E01000002", "Burglary"),
                ("2025-01", "On or near A Road", "E01000002", "Burglary"),
                ("2025-02", "On or near A Road", "E01000001", "Drugs"),
                ("2025-02", "On or near A Road", "E01000001", "Drugs"),
                ("2025-02", "On or near A Road", "", "Drugs"),  # no LSOA: no street
            ]
        )
    )
    assert history.months == ("2025-01", "2025-02")
    assert history.streets.values.tolist() == [
        ["On or near A Road", "E01000001"],
        ["On or near A Road", "E01000002"],
        ["On or near B Road", "E01000002"],
    ]
    assert history.totals.tolist() == [[0, 1, 1], [2, 0, 0]]
    assert history.crime_types == ("Burglary", "Drugs")


def test_history_refuses_a_gap_in_months():
    with pytest.raises(LPTError, match="missing 2025-02"):
        street_history(_records([("2025-01", "x", "E01000001", "Drugs"), ("2025-03", "x", "E01000001", "Drugs")]))


def test_files_of_two_forces_are_refused(tmp_path):
    write_street_file(tmp_path / "2025-03-a-street.csv", [crime_row()])
    write_street_file(
        tmp_path / "2025-03-b-street.csv", [crime_row(Reported_by="B Police", Falls_within="B Police")]
    )
    with pytest.raises(LPTError, match="exactly one force"):
        records_from_files([tmp_path])


def test_too_few_months_is_a_clear_error():
    history = street_history(_records([(m, "x", "E01000001", "Drugs") for m in ("2025-01", "2025-02", "2025-03")]))
    with pytest.raises(LPTError, match="at least 4 consecutive months"):
        run_backtest(history)


def _independent_hit_rate(files, scores: pd.DataFrame, coverage: float) -> float:
    """The scoring rules, written again from the issue text with plain pandas on the raw files."""
    raw = pd.concat(pd.read_csv(f, dtype=str, keep_default_na=False) for f in files)
    raw = raw[raw["LSOA code"] != ""]
    rates = []
    for month, month_scores in scores.groupby("month"):
        ordered = month_scores.sort_values(["location", "lsoa_code"]).sort_values("score", ascending=False, kind="stable")
        k = round(coverage * len(ordered))
        chosen = set(zip(ordered["location"][:k], ordered["lsoa_code"][:k]))
        test = raw[raw["Month"] == month]
        hits = sum((loc, lsoa) in chosen for loc, lsoa in zip(test["Location"], test["LSOA code"]))
        rates.append(hits / len(test))
    return float(np.mean(rates))


@pytest.fixture(scope="module")
def five_months():
    records, force = records_from_files(BUNDLED[:5])
    return run_backtest(street_history(records), force=force)


def test_backtest_scores_every_seen_street_for_months_four_and_five(five_months):
    assert five_months.force == "Humberside Police"
    assert sorted(five_months.scores["month"].unique()) == ["2025-04", "2025-05"]
    assert list(five_months.scores.columns) == ["month", "location", "lsoa_code", "score"]
    assert not five_months.scores.duplicated(["month", "location", "lsoa_code"]).any()


@pytest.mark.parametrize("coverage", [0.01, 0.05, 0.10])
def test_reported_hit_rate_matches_an_independent_scorer(five_months, coverage):
    reported = five_months.summary.set_index(["method", "coverage"]).loc[("lpt", coverage), "hit_rate"]
    assert reported == pytest.approx(_independent_hit_rate(BUNDLED[:5], five_months.scores, coverage))


def test_lpt_is_at_least_as_good_as_the_naive_methods_on_bundled_months(five_months):
    table = summary_table(five_months)
    best_naive = table.loc[["last_month", "all_history", "ewma"], "hit_rate 5%"].max()
    assert table.loc["lpt", "hit_rate 5%"] >= best_naive - 0.005
    assert table.loc["perfect", "hit_rate 5%"] > table.loc["lpt", "hit_rate 5%"]
    assert (table.loc["lpt", ["pei 1%", "pei 5%", "pei 10%"]] <= 1).all()


def test_harm_weights_add_harm_hit_rates():
    records, _ = records_from_files(BUNDLED[:4])
    history = street_history(records)
    equal = summary_table(run_backtest(history, harm_weights=dict.fromkeys(history.crime_types, 1.0)))
    assert equal["harm_hit_rate 5%"].tolist() == pytest.approx(equal["hit_rate 5%"].tolist())
    burglary = {t: (10.0 if t == "Burglary" else 1.0) for t in history.crime_types}
    weighted = summary_table(run_backtest(history, harm_weights=burglary))
    assert weighted.loc["perfect", "harm_hit_rate 5%"] != pytest.approx(weighted.loc["perfect", "hit_rate 5%"])
    with pytest.raises(LPTError, match="harm weights missing"):
        run_backtest(history, harm_weights={"Burglary": 1.0})
