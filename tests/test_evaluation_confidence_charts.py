"""The confidence evaluation's charts, drawn from hand-made results."""

from __future__ import annotations

import numpy as np
import pandas as pd

from lpt.evaluation.confidence import ALL, Engagement, OverTime
from lpt.evaluation.confidence_charts import by_group_figure, over_time_figure, rates_figure, representation_figure

WAVES = ["2024Q1", "2024Q2", "2024Q3"]


def _over_time() -> OverTime:
    rows = [{"wave": w, "group": g, "weighted": s, "ci_low": s - 0.05, "ci_high": s + 0.05}
            for g, base in ((ALL, 0.4), ("18-24", 0.2), ("75+", 0.6)) for w, s in zip(WAVES, base + np.arange(3) / 100)]
    table = pd.DataFrame(rows)
    table.loc[(table["group"] == "18-24") & (table["wave"] == "2024Q2"), ["weighted", "ci_low", "ci_high"]] = np.nan
    table.loc[table["group"] == "75+", "ci_low"] = table.loc[table["group"] == "75+", "weighted"]  # a 0 error bar
    return OverTime("Central", tuple(WAVES), table, pd.DataFrame(), "")


def test_confidence_charts_draw_each_series_with_its_interval():
    figure = over_time_figure(_over_time())
    axes = figure.axes[0]
    assert axes.get_title() == "Share confident in local police, Central"
    assert len(axes.lines) == 1 and np.allclose(axes.lines[0].get_ydata(), [0.4, 0.41, 0.42])
    assert len(axes.collections) == 1  # the interval band
    groups = by_group_figure(_over_time()).axes[0]
    assert [text.get_text() for text in groups.get_legend().get_texts()] == [ALL, "18-24", "75+"]
    young = next(c for c in groups.containers if c.get_label() == "18-24")
    assert np.allclose(young.lines[0].get_ydata(), [0.2, 0.22])  # the hidden wave is left out


def test_rates_and_representation_charts():
    rates = pd.DataFrame({"wave": WAVES * 2, "group": [ALL] * 3 + ["faith_group"] * 3,
                          "rate_pct": [30.0, 32.0, np.nan, 40.0, 41.0, 42.0]})
    axes = rates_figure(rates).axes[0]
    assert [text.get_text() for text in axes.get_legend().get_texts()] == [ALL, "faith group"]
    table = pd.DataFrame([{"wave": w, "category": c, "who": who, "index": 0.5}
                          for c in ("18-24", "Black") for who in ("members", "registrations", "respondents") for w in WAVES])
    engagement = Engagement("Central", pd.DataFrame(), table, pd.DataFrame(), "")
    axes = representation_figure(engagement).axes[0]
    labels = [line.get_label() for line in axes.lines if not line.get_label().startswith("_")]
    assert labels == ["18-24: members", "18-24: registrations", "Black: members", "Black: registrations"]
    assert axes.lines[1].get_color() == axes.lines[2].get_color()  # a group keeps its colour
