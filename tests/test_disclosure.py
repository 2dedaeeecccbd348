"""Disclosure control: thresholds, rounding, margins, and that no hidden cell can be derived.

The property tests check every output against an attacker built here, apart from
the module's own audit: a linear programme over *all* cells of the table with
its margins, published cells fixed to their exact values (stronger than the
rounded values a public reader sees), hidden cells bounded as the status says.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from lpt.disclosure import RULES, Audience, Rule, disclose, disclose_count, disclose_linked
from lpt.errors import LPTError

THRESHOLD = {Audience.INTERNAL: 5, Audience.PUBLIC: 10}


# --- an independent attacker ---------------------------------------------------------------


def with_margins(counts: pd.Series | pd.DataFrame) -> np.ndarray:
    """The true table with its margins, as a 2-D array (a Series becomes one row)."""
    grid = counts.to_numpy(dtype=np.int64)
    if grid.ndim == 1:
        return np.append(grid, grid.sum())[np.newaxis, :]
    full = np.zeros((grid.shape[0] + 1, grid.shape[1] + 1), dtype=np.int64)
    full[:-1, :-1] = grid
    full[:-1, -1] = grid.sum(axis=1)
    full[-1, :-1] = grid.sum(axis=0)
    full[-1, -1] = grid.sum()
    return full


def attacker_ranges(truth: np.ndarray, status: np.ndarray, threshold: int, two_way: bool) -> dict:
    """(min, max) of every hidden cell over all real tables consistent with what is shown.

    Variables are all cells; shown cells are pinned to their true values, primary
    cells lie in [0, threshold - 1], secondary cells are >= threshold.
    """
    rows, cols = truth.shape
    n = rows * cols
    a_eq, b_eq = [], []

    def add(member_cells, total_cell):
        row = np.zeros(n)
        for i, j in member_cells:
            row[i * cols + j] = 1
        row[total_cell[0] * cols + total_cell[1]] = -1
        a_eq.append(row)
        b_eq.append(0.0)

    for i in range(rows):  # every row (the Total row too) adds up to its last cell
        add([(i, j) for j in range(cols - 1)], (i, cols - 1))
    if two_way:
        for j in range(cols):
            add([(i, j) for i in range(rows - 1)], (rows - 1, j))
    bounds = []
    for i in range(rows):
        for j in range(cols):
            s = status[i, j]
            if s == "published":
                bounds.append((truth[i, j], truth[i, j]))
            elif s == "primary":
                bounds.append((0, threshold - 1))
            else:
                assert s == "secondary", s
                bounds.append((threshold, None))
    ranges = {}
    for i, j in zip(*np.nonzero(status != "published")):
        c = np.zeros(n)
        c[i * cols + j] = 1
        low = linprog(c, A_eq=np.array(a_eq), b_eq=b_eq, bounds=bounds, method="highs")
        high = linprog(-c, A_eq=np.array(a_eq), b_eq=b_eq, bounds=bounds, method="highs")
        assert low.status == 0, low.message
        assert high.status in (0, 3), high.message
        ranges[(int(i), int(j))] = (low.fun, np.inf if high.status == 3 else -high.fun)
    return ranges


def rounded(value: int, audience: Audience) -> int:
    return 5 * round(value / 5) if audience is Audience.PUBLIC else value


def check_output(counts: pd.Series | pd.DataFrame, audience: Audience) -> None:
    """Every promise of ``disclose`` for one table and one audience."""
    result = disclose(counts, audience)
    threshold = THRESHOLD[audience]
    two_way = isinstance(counts, pd.DataFrame)
    truth = with_margins(counts)
    values = result.values.to_numpy(dtype=object, na_value=None)
    status = result.status.to_numpy(dtype=object)
    if not two_way:
        values, status = values[np.newaxis, :], status[np.newaxis, :]

    # (d) the margins are there, labelled, and the shape follows
    assert result.values.index[-1] == "Total" and result.status.index[-1] == "Total"
    assert list(result.values.index[:-1]) == list(counts.index)
    if two_way:
        assert result.values.columns[-1] == "Total"
        assert list(result.values.columns[:-1]) == list(counts.columns)
    assert str(result.values.dtypes if not two_way else result.values.dtypes.iloc[0]) == "Int64"
    assert values.shape == truth.shape == status.shape

    shown = status == "published"
    assert set(np.unique(status)) <= {"published", "primary", "secondary"}
    assert all((values[~shown] == None).ravel())  # noqa: E711 - hidden means <NA>
    for v, t in zip(values[shown], truth[shown]):
        # (a) nothing shown is below the threshold
        assert v >= threshold
        # (c) exact for officers, rounded to 5 for the public
        assert v == rounded(int(t), audience)
    # primary is exactly "below threshold"; secondary cells really are >= threshold
    assert ((truth < threshold) == (status == "primary")).all()

    # (b) no hidden cell can be derived exactly
    for cell, (low, high) in attacker_ranges(truth, status, threshold, two_way).items():
        assert high - low >= 1 - 1e-6, (cell, low, high, truth, status)


# --- hand-made cases -----------------------------------------------------------------------


def test_one_small_cell_in_a_list_hides_a_second_one_and_keeps_the_total():
    result = disclose(pd.Series({"a": 3, "b": 20, "c": 30}), "internal")
    assert result.status.to_dict() == {"a": "primary", "b": "secondary", "c": "published", "Total": "published"}
    assert result.values.isna().tolist() == [True, True, False, False]
    assert result.values["Total"] == 53 and result.values["c"] == 30
    assert result.rule == Rule(threshold=5, round_to=1)


def test_a_small_cell_in_a_table_is_hidden_in_at_least_a_rectangle():
    counts = pd.DataFrame([[3, 20, 30], [15, 12, 40], [25, 18, 9]], index=["x", "y", "z"], columns=["A", "B", "C"])
    result = disclose(counts, Audience.INTERNAL)
    hidden = result.values.isna()
    assert result.status.loc["x", "A"] == "primary"
    inner = hidden.loc[["x", "y", "z"], ["A", "B", "C"]]
    assert inner.to_numpy().sum() >= 4
    # no row or column (margins included) has exactly one hidden cell
    assert not (hidden.sum(axis=0) == 1).any() and not (hidden.sum(axis=1) == 1).any()
    # the greedy choice closes a rectangle with the smallest neighbours
    assert set(zip(*np.nonzero(inner.to_numpy()))) == {(0, 0), (0, 1), (1, 0), (1, 1)}
    assert not result.values.loc["Total"].isna().any() and not result.values["Total"].isna().any()
    check_output(counts, Audience.INTERNAL)


def test_public_counts_are_rounded_to_five_and_small_ones_hidden():
    counts = pd.Series({"a": 23, "b": 12, "c": 7, "d": 4, "e": 40})
    result = disclose(counts, "public")
    expected = pd.Series([25, 10, None, None, 40, 85], index=[*"abcde", "Total"], dtype="Int64")
    pd.testing.assert_series_equal(result.values, expected)
    assert result.status["c"] == result.status["d"] == "primary"
    assert result.rule == RULES[Audience.PUBLIC] == Rule(threshold=10, round_to=5)
    check_output(counts, Audience.PUBLIC)


def test_a_table_with_nothing_small_is_unchanged_for_officers():
    counts = pd.DataFrame({"A": [5, 17], "B": [8, 100]}, index=pd.Index(["w1", "w2"], name="ward"))
    result = disclose(counts, "internal")
    expected = counts.assign(Total=counts.sum(axis=1))
    expected.loc["Total"] = expected.sum()
    pd.testing.assert_frame_equal(result.values, expected.astype("Int64"), check_names=False)
    assert (result.status == "published").all().all()
    assert result.values.index.name == "ward"


def test_small_cells_that_add_up_to_a_shown_total_are_protected_by_the_audit():
    # Two 4s under a threshold of 5 with the rest shown: 4 + 4 = 8 forces both to be 4.
    # Each line already has two hidden cells, so only the LP audit sees it.
    for small in (0, 4):
        result = disclose(pd.Series({"a": small, "b": small, "c": 50, "d": 60}), "internal")
        assert result.status["c"] == "secondary", result.status
        assert result.status["Total"] == "published"
        check_output(pd.Series({"a": small, "b": small, "c": 50, "d": 60}), Audience.INTERNAL)


def test_a_small_margin_is_hidden_too():
    counts = pd.DataFrame({"A": [1, 2], "B": [30, 40]})
    result = disclose(counts, "internal")
    assert result.status.loc["Total", "A"] == "primary"
    check_output(counts, Audience.INTERNAL)


def test_single_counts():
    assert disclose_count(4, "internal") is None
    assert disclose_count(0, "internal") is None
    assert disclose_count(5, "internal") == 5
    assert disclose_count(12, "public") == 10
    assert disclose_count(13, Audience.PUBLIC) == 15
    assert disclose_count(9, "public") is None
    assert disclose_count(np.int64(23), "public") == 25
    assert disclose_count(30.0, "internal") == 30


@pytest.mark.parametrize("bad", [-1, 2.5, float("nan"), float("inf"), True, "7", None])
def test_a_bad_single_count_is_refused(bad):
    with pytest.raises(LPTError, match="non-negative integer"):
        disclose_count(bad, "internal")


@pytest.mark.parametrize(
    "counts, message",
    [
        (pd.Series([3, -1, 7]), "non-negative integers"),
        (pd.Series([3.0, 1.5]), "non-negative integers"),
        (pd.Series([3.0, np.nan]), "non-negative integers"),
        (pd.Series([3, None], dtype="Int64"), "non-negative integers"),
        (pd.DataFrame({"A": [1, 2], "B": [3, -4]}), "non-negative integers"),
        (pd.Series(["3", "4"]), "numeric"),
        (pd.Series([True, False]), "numeric"),
        (pd.Series({"a": 10, "Total": 10}), "Total"),
        (pd.DataFrame({"A": [10], "Total": [10]}), "Total"),
        ([1, 2, 3], "Series or DataFrame"),
    ],
)
def test_bad_tables_are_refused(counts, message):
    with pytest.raises(LPTError, match=message):
        disclose(counts, "internal")


def test_unknown_audience_is_refused():
    with pytest.raises(LPTError, match="audience"):
        disclose(pd.Series([10, 20]), "press")
    with pytest.raises(LPTError, match="audience"):
        disclose_count(10, "press")


def test_an_empty_table_shows_nothing():
    result = disclose(pd.Series([], dtype="int64"), "public")
    assert result.values.index.tolist() == ["Total"] and result.values.isna().all()


# --- properties ----------------------------------------------------------------------------

audiences = st.sampled_from(list(Audience))
# Counts up to 30, or up to 12 to crowd tables with small cells (many hidden, long chains).
highest = st.sampled_from([30, 12])


@st.composite
def one_way_tables(draw) -> pd.Series:
    counts = draw(st.lists(st.integers(0, draw(highest)), min_size=1, max_size=8))
    return pd.Series(counts, index=[f"c{i}" for i in range(len(counts))])


@st.composite
def two_way_tables(draw) -> pd.DataFrame:
    rows, cols, top = draw(st.integers(1, 6)), draw(st.integers(1, 6)), draw(highest)
    cells = draw(st.lists(st.integers(0, top), min_size=rows * cols, max_size=rows * cols))
    return pd.DataFrame(np.array(cells, dtype=np.int64).reshape(rows, cols))


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(counts=one_way_tables(), audience=audiences)
def test_property_one_way_tables(counts, audience):
    check_output(counts, audience)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(counts=two_way_tables(), audience=audiences)
def test_property_two_way_tables(counts, audience):
    check_output(counts, audience)


def test_the_safety_cap_still_gives_safe_tables(monkeypatch):
    # With no one-cell-at-a-time rounds allowed, every exposed cell hides its whole lines at once.
    import lpt.disclosure

    monkeypatch.setattr(lpt.disclosure, "_MAX_ROUNDS", 0)
    rng = np.random.default_rng(7)
    for _ in range(15):
        counts = pd.DataFrame(rng.integers(0, 15, size=(rng.integers(1, 6), rng.integers(1, 6))))
        for audience in Audience:
            check_output(counts, audience)
    check_output(pd.Series({"a": 4, "b": 4, "c": 50, "d": 60}), Audience.INTERNAL)


def test_a_table_of_only_small_counts_is_hidden_whole():
    result = disclose(pd.DataFrame({"A": [1, 1], "B": [0, 2]}), "internal")
    assert result.values.isna().all().all()
    assert (result.status == "primary").all().all()


# --- linked breakdowns of one total ----------------------------------------------------------


def linked_attacker(cells: list[tuple[int, str]], lines: list[tuple[list[int], int]], threshold: int) -> dict[int, tuple]:
    """(min, max) of every hidden cell (true count, status) over all counts consistent with what is shown,
    every cell a variable and every line (members, total) an equation."""
    a_eq = []
    for members, total in lines:
        row = np.zeros(len(cells))
        row[members], row[total] = 1, -1
        a_eq.append(row)
    bounds = [(v, v) if s == "published" else (0, threshold - 1) if s == "primary" else (threshold, None)
              for v, s in cells]
    ranges = {}
    for i, (_, status) in enumerate(cells):
        if status != "published":
            c = np.zeros(len(cells))
            c[i] = 1
            low = linprog(c, A_eq=np.array(a_eq), b_eq=np.zeros(len(a_eq)), bounds=bounds, method="highs")
            high = linprog(-c, A_eq=np.array(a_eq), b_eq=np.zeros(len(a_eq)), bounds=bounds, method="highs")
            assert low.status == 0 and high.status in (0, 3)
            ranges[i] = (low.fun, np.inf if high.status == 3 else -high.fun)
    return ranges


def check_linked(events: pd.DataFrame, audience: Audience) -> dict:
    """Disclose ``events`` (one row each: ``ward``, ``street``, ``officer``) per ward, street within its ward
    and officer, and check every promise against :func:`linked_attacker`."""
    streets = events.groupby(["ward", "street"]).size()
    breakdowns = {"ward": events.groupby("ward").size(), "street": pd.Series(streets.to_numpy()),
                  "officer": events.groupby("officer").size()}
    parents = list(streets.index.get_level_values("ward"))
    result = disclose_linked(breakdowns, audience, within={"street": ("ward", parents)})
    threshold = THRESHOLD[audience]
    cells, place = [], {}
    for name, counts in breakdowns.items():
        for label, value in counts.items():
            place[name, label] = len(cells)
            cells.append((int(value), result[name].status[label]))
    cells.append((len(events), result["ward"].status["Total"]))
    total = len(cells) - 1
    lines = [([place["ward", w] for w in breakdowns["ward"].index], total),
             ([place["officer", o] for o in breakdowns["officer"].index], total)]
    lines += [([place["street", i] for i, p in enumerate(parents) if p == w], place["ward", w]) for w in breakdowns["ward"].index]
    for name, shown in result.items():  # the shared total alike everywhere; shown cells true (rounded), hidden <NA>
        assert shown.values.index[-1] == "Total" and shown.status["Total"] == result["ward"].status["Total"]
        for label, value in shown.values.items():
            truth = len(events) if label == "Total" else int(breakdowns[name][label])
            assert pd.isna(value) == (shown.status[label] != "published")
            assert pd.isna(value) or (value >= threshold and value == rounded(truth, audience))
            assert (truth < threshold) == (shown.status[label] == "primary")
    for cell, (low, high) in linked_attacker(cells, lines, threshold).items():
        assert high - low >= 1 - 1e-6, (cell, low, high, cells)
    return result


def test_a_total_one_breakdown_would_give_away_is_hidden_in_all():
    # Alone, one ward of 5 is shown; beside officers 5, 0, 0 the total would show the zeros are zeros
    assert disclose(pd.Series({"N": 5}), "internal").values.tolist() == [5, 5]
    result = disclose_linked({"ward": pd.Series({"N": 5}), "officer": pd.Series({"a": 5, "b": 0, "c": 0})}, "internal")
    assert result["ward"].values.isna().all() and result["officer"].values.isna().all()
    assert result["ward"].status.to_dict() == {"N": "secondary", "Total": "secondary"}


def test_streets_within_wards_protect_each_other():
    # North's three 4s add up to its 12: shown, North would give them away; South's 0 takes North with it
    counts = {"ward": pd.Series({"N": 12, "S": 0}), "street": pd.Series([4, 4, 4, 0]), "officer": pd.Series({"a": 10, "b": 2})}
    result = disclose_linked(counts, "internal", within={"street": ("ward", ["N", "N", "N", "S"])})
    assert result["street"].status.tolist() == ["primary"] * 4 + ["secondary"]
    assert result["ward"].values.isna().all() and result["officer"].values.tolist()[0] == 10
    events = pd.DataFrame({"ward": ["N"] * 12, "street": ["x"] * 4 + ["y"] * 4 + ["z"] * 4, "officer": ["a"] * 10 + ["b"] * 2})
    check_linked(events, Audience.INTERNAL)


@pytest.mark.parametrize(("counts", "within", "message"), [
    ({"a": pd.Series([1, 2]), "b": pd.Series([4])}, None, "same total, not to \\[3, 4\\]"),
    ({"a": pd.Series({"x": 3}), "b": pd.Series([1, 1])}, {"b": ("a", ["x", "x"])}, "does not add up to its parent"),
    ({"a": pd.Series({"x": 3}), "b": pd.Series([3])}, {"b": ("c", ["x"])}, "not given: c"),
    ({"a": pd.Series({"x": 3}), "b": pd.Series([3])}, {"b": ("a", ["y"])}, "names cells 'a' does not have"),
    ({"a": pd.Series({"Total": 3})}, None, "already has a 'Total'"),
])
def test_bad_linked_breakdowns_are_refused(counts, within, message):
    with pytest.raises(LPTError, match=message):
        disclose_linked(counts, "internal", within=within)


@st.composite
def doorstep_events(draw) -> pd.DataFrame:
    """Calls placed on 1-3 wards of 1-3 streets each and 1-4 officers (few, to crowd cells near the threshold)."""
    n = draw(st.integers(1, 40))
    wards = draw(st.lists(st.sampled_from("NSEW"[: draw(st.integers(1, 3))]), min_size=n, max_size=n))
    streets = draw(st.lists(st.integers(1, 3), min_size=n, max_size=n))
    officers = draw(st.lists(st.sampled_from(["o1", "o2", "o3", "o4"]), min_size=n, max_size=n))
    return pd.DataFrame({"ward": wards, "street": [f"{w}{s}" for w, s in zip(wards, streets)], "officer": officers})


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(events=doorstep_events(), audience=audiences)
def test_property_linked_breakdowns(events, audience):
    check_linked(events, audience)



@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from([1.0, -1.0]), st.booleans(), st.integers(0, 12)), min_size=1, max_size=7))
def test_one_lines_ranges_in_closed_form_are_the_lps(cells):
    """The audit's shortcut for a group of hidden cells on one line (lpt.disclosure._ranges_on_one_line) gives the
    ranges linprog finds: small cells within [0, 4], others from 5 up, the line through a true table."""
    from lpt.disclosure import _ranges_on_one_line

    row = np.array([sign for sign, _, _ in cells])
    bounds = [(0, 4) if small else (5, None) for _, small, _ in cells]
    truth = np.array([min(n, 4) if small else 5 + n for _, small, n in cells], dtype=float)
    rhs = float(row @ truth)
    for p, (low, high) in enumerate(_ranges_on_one_line(row, rhs, bounds)):
        found = []
        for sense in (1.0, -1.0):
            objective = np.zeros(row.size)
            objective[p] = sense
            result = linprog(objective, A_eq=row[None, :], b_eq=[rhs], bounds=bounds, method="highs")
            found.append(np.inf if result.status == 3 else result.x[p])
        assert low == pytest.approx(found[0]) and high == pytest.approx(found[1])
