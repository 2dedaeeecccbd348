"""Charts of the confidence evaluation (notebooks/evaluation_confidence.ipynb), drawn from
lpt.evaluation.confidence results only: each a matplotlib Figure the notebook displays."""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure

from lpt.evaluation.confidence import ALL, Engagement, OverTime

__all__ = ["by_group_figure", "over_time_figure", "rates_figure", "representation_figure"]


def over_time_figure(result: OverTime) -> Figure:
    """The area's weighted share confident per wave with its 95% interval (shaded)."""
    figure, axes = _axes(f"Share confident in local police, {result.area}", "share confident")
    rows = result.table[result.table["group"] == ALL]
    axes.fill_between(rows["wave"], rows["ci_low"], rows["ci_high"], alpha=0.25, label="95% interval")
    axes.plot(rows["wave"], rows["weighted"], marker="o", label="weighted share")
    return _finish(figure, axes, percent=True)


def by_group_figure(result: OverTime) -> Figure:
    """Each group's weighted share confident per wave with its 95% interval (error bars), beside the area's."""
    figure, axes = _axes(f"Share confident by group, {result.area}", "share confident")
    for group, rows in result.table.groupby("group", sort=False):
        shown = rows.dropna(subset=["weighted"])
        if group == ALL:
            axes.plot(shown["wave"], shown["weighted"], color="black", linewidth=2, label=ALL)
            continue
        errors = [(shown["weighted"] - shown["ci_low"]).clip(lower=0), (shown["ci_high"] - shown["weighted"]).clip(lower=0)]
        axes.errorbar(shown["wave"], shown["weighted"], yerr=errors, marker="o", markersize=3, capsize=2,
                      linewidth=1, label=str(group))
    return _finish(figure, axes, percent=True)


def rates_figure(rates: pd.DataFrame) -> Figure:
    """Survey response rates per wave: all members and each membership group (lpt.evaluation.confidence.RATE_COLUMNS)."""
    figure, axes = _axes("Survey response rate", "% of members asked who answered")
    for group, rows in rates.groupby("group", sort=False):
        wide = 2 if group == ALL else 1
        axes.plot(rows["wave"], rows["rate_pct"], marker="o", markersize=3, linewidth=wide,
                  label=str(group).replace("_", " "))
    return _finish(figure, axes, percent=False)


def representation_figure(result: Engagement) -> Figure:
    """The representation index per wave of each named group: among members (solid) and among those
    registering that wave (dashed); 1 is in proportion to the population."""
    figure, axes = _axes(f"Under-represented groups, {result.area}", "representation index (1 = in proportion)")
    axes.axhline(1, color="#555555", linewidth=1, linestyle=":")
    for number, (category, rows) in enumerate(result.table.groupby("category", sort=False)):
        for who, style in (("members", "-"), ("registrations", "--")):
            chosen = rows[rows["who"] == who]
            axes.plot(chosen["wave"], chosen["index"], marker="o", markersize=3, linestyle=style, color=f"C{number}",
                      label=f"{category}: {who}")
    return _finish(figure, axes, percent=False)


def _axes(title: str, ylabel: str):
    figure = Figure(figsize=(8, 3.4))
    axes = figure.subplots()
    axes.set_title(title, fontsize=10)
    axes.set_ylabel(ylabel)
    return figure, axes


def _finish(figure: Figure, axes, *, percent: bool) -> Figure:
    if percent:
        axes.yaxis.set_major_formatter(lambda value, _: f"{value:.0%}")
    axes.tick_params(axis="x", labelsize=8, rotation=45)
    if axes.get_legend_handles_labels()[0]:
        axes.legend(fontsize=7, loc="best")
    figure.tight_layout()
    return figure
