"""The apps' inline SVG charts: lines scaled to the largest value, missing values left out, a plan dashed."""

from __future__ import annotations

import re

import pandas as pd

from lpt.apps.widgets import line_chart_svg


def test_lines_are_scaled_and_the_plan_is_dashed():
    frame = pd.DataFrame({"visited": [0, 5, 10], "plan": [4, pd.NA, 12]}, index=["W1", "W2", "W3"], dtype="Float64")
    svg = line_chart_svg(frame, "Progress", dashed=("plan",), width=420, height=170)
    lines = re.findall(r"<polyline points='([^']*)'[^>]*?( stroke-dasharray='5 3')?/>", svg)
    visited, plan = [[tuple(map(float, p.split(","))) for p in points.split()] for points, _ in lines]
    assert [dash for _, dash in lines] == ["", " stroke-dasharray='5 3'"]
    assert len(visited) == 3 and len(plan) == 2  # the missing week is left out
    top, bottom = 18, 170 - 18 - 18 - 2 * 14 + 18  # plot area: y of the peak (12) and of 0
    assert plan[-1][1] == top and visited[0][1] == bottom
    assert ">12<" in svg and ">W1<" in svg and ">W3<" in svg and "visited" in svg


def test_a_single_point_is_marked():
    svg = line_chart_svg(pd.DataFrame({"done": [3]}, index=["2026-12"]), "Actions per month")
    assert svg.count("<circle") == 1
