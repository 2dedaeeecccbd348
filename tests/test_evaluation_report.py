"""The setup evaluation report's own content: the Maryland level of a design, its threats, the costs of
the doorstep work and the chart, on hand-made effects and progress."""

from __future__ import annotations

import pandas as pd
import pytest

from lpt.evaluation.effect import Effect
from lpt.evaluation.report import costs, effect_figure, maryland_level, threats
from lpt.setups.progress import SetupProgress


def _effect(method="did", treated=12, comparison=36, pre_trend_p=0.4, notes=()) -> Effect:
    series = pd.DataFrame({"period": ["2025-01", "2025-02", "2025-03"] * 2,
                           "group": ["treated"] * 3 + ["comparison"] * 3,
                           "value": [4.0, 4.2, 3.1, 4.1, 4.0, 4.2], "after": [False, False, True] * 2})
    return Effect("crime", method, "rate ratio", 0.8, 0.66, 0.97, 0.02, treated, comparison, 2, 1, "street",
                  "clustered by street", series, pd.DataFrame(), {"pre_trend_p": pre_trend_p}, tuple(notes), "")


@pytest.mark.parametrize(("effect", "level", "why"), [
    (_effect(method="its", comparison=0), 2, "no comparison area"),
    (_effect(), 4, "12 treated and 36 matched comparison streets"),
    (_effect(treated=4), 3, "only 4 treated street(s)"),
    (_effect(pre_trend_p=0.03), 3, "not shown to be parallel"),
])
def test_the_maryland_level_follows_the_design(effect, level, why):
    found, reason = maryland_level(effect)
    assert found == level and why in reason


def test_threats_start_with_the_estimators_own():
    listed = threats(_effect(notes=("Regression to the mean: the last months before were unusually high.",)))
    assert listed[0].startswith("Regression to the mean") and any("Selection" in t for t in listed)
    assert any("start date" in t for t in threats(_effect(method="its", comparison=0)))


def _progress(calls, visited, registered) -> SetupProgress:
    by_ward = pd.DataFrame({"ward_code": ["E05000001", "Total"], "visited": [visited, visited],
                            "registered": [registered, registered]}).astype({"visited": "Int64", "registered": "Int64"})
    by_officer = pd.DataFrame({"officer_id": ["pc1", "Total"], "visits": [calls, calls]}).astype({"visits": "Int64"})
    return SetupProgress(by_ward, by_officer, None, None, None, None, None)


def test_costs_follow_the_calls_and_say_nothing_of_hidden_counts():
    found = costs(_progress(120, 100, 20), hourly_cost=36.0, minutes_per_call=10)
    assert (found.calls, found.hours, found.cost) == (120, 20.0, 720.0)
    assert found.per_visited == pytest.approx(7.2) and found.per_registered == pytest.approx(36.0)
    hidden = costs(_progress(120, 100, pd.NA), hourly_cost=36.0)
    assert hidden.per_registered is None and hidden.per_visited is not None


def test_the_chart_draws_both_groups_and_the_start():
    figure = effect_figure(_effect(), "Crime per street")
    axes = figure.axes[0]
    assert [line.get_label() for line in axes.get_lines()][:2] == ["treated", "comparison"]
    assert any(text.get_text().strip() == "setup starts" for text in axes.texts)
