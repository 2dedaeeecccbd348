"""Disclosure control: the one function every output of personal-data counts goes through.

It applies to counts derived from personal data (members, respondents, visits,
messages), not to public police.uk crime counts. Two audiences, kept as data in
``RULES``:

* ``internal`` (officer-facing): counts below 5 are suppressed; the rest are exact.
* ``public`` (public messages, published reports): counts below 10 are
  suppressed; the rest are rounded to the nearest 5.

Method, following Hundepool et al., *Statistical Disclosure Control* (Wiley,
2012), ch. 4-5 (threshold rule, secondary cell suppression and its audit by
linear programming), and the ONS guidance on small counts (threshold plus
rounding of published counts):

1. *Primary suppression*: every cell, margins included and zeros included,
   whose count is below the threshold.
2. *Secondary suppression*: a line (row or column with its margin) with exactly
   one hidden cell gives it away by subtraction, so another cell of that line is
   hidden too (the smallest non-margin cell; margins only as a last resort).
3. *Audit*: the attacker knows every published cell and margin, that cells are
   non-negative, that every line adds up to its margin, that a primary cell lies
   in [0, threshold - 1] and a secondary one is >= threshold. For each hidden
   cell its minimum and maximum under those constraints are found by linear
   programming (the tables' constraint matrices are totally unimodular, so the
   LP bounds are the integer bounds). A cell whose range is below 1 is exposed:
   one more cell next to it is hidden and the audit repeats.

The audit runs on the exact counts, before public rounding: rounding only adds
uncertainty, so a table safe before rounding is safe after it. Tables shown side
by side that break down one total (a setup's calls per ward, street, officer and
age band) are linked through it, so they are suppressed and audited as one
(:func:`disclose_linked`).
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import numpy as np
import pandas as pd
from scipy.optimize import linprog

from lpt.errors import LPTError

__all__ = [
    "PRIMARY",
    "PUBLISHED",
    "RULES",
    "SECONDARY",
    "TOTAL",
    "Audience",
    "Disclosed",
    "Rule",
    "disclose",
    "disclose_count",
    "disclose_counts",
    "disclose_linked",
]

TOTAL = "Total"
"""Label of the margins ``disclose`` adds (Series entry; DataFrame row and column)."""

PUBLISHED, PRIMARY, SECONDARY = "published", "primary", "secondary"
"""Cell status: shown, hidden for being small, hidden to protect a small cell."""

_PUB, _PRI, _SEC = 0, 1, 2  # status codes while working on a flat array
_STATUS_NAMES = np.array([PUBLISHED, PRIMARY, SECONDARY], dtype=object)
_TOLERANCE = 1e-6  # LP solutions are exact to ~1e-9; a range of 1 - 1e-6 counts as 1
_MAX_ROUNDS = 25  # audit rounds before hiding whole lines at once (safety cap)


class Audience(StrEnum):
    """Who will see the output; decides the rule applied."""

    INTERNAL = "internal"
    PUBLIC = "public"


@dataclass(frozen=True)
class Rule:
    """Counts below ``threshold`` are hidden; the rest are rounded to the nearest ``round_to``."""

    threshold: int
    round_to: int = 1

    def __post_init__(self) -> None:
        # A threshold that is a multiple of round_to keeps every rounded count >= threshold.
        if self.threshold < 1 or self.round_to < 1 or self.threshold % self.round_to:
            raise ValueError(f"invalid disclosure rule {self}: threshold must be a positive multiple of round_to")


RULES: dict[Audience, Rule] = {
    Audience.INTERNAL: Rule(threshold=5, round_to=1),
    Audience.PUBLIC: Rule(threshold=10, round_to=5),
}


@dataclass(frozen=True)
class Disclosed:
    """A table ready to show: ``values`` (nullable Int64, <NA> where hidden, margins
    included) and ``status`` (same shape: "published", "primary" or "secondary")."""

    values: pd.Series | pd.DataFrame
    status: pd.Series | pd.DataFrame
    audience: Audience
    rule: Rule


def disclose_count(n: Any, audience: Audience | str) -> int | None:
    """One count as it may be shown: None if below the threshold, else rounded by the rule."""
    rule = RULES[_audience(audience)]
    value = _check_scalar(n)
    return None if value < rule.threshold else _round(value, rule.round_to)


def disclose_counts(counts: Iterable[Any], audience: Audience | str) -> pd.Series:
    """Each count of a column on its own, as :func:`disclose_count` shows it (missing stays missing):
    an ``Int64`` series, <NA> where hidden. Keeps the index of a Series. For counts read one by one
    (a member count per street, ``n`` per estimate), not a table with margins (that is :func:`disclose`)."""
    values = counts if isinstance(counts, pd.Series) else pd.Series(list(counts), dtype=object)
    shown = [disclose_count(v, audience) if pd.notna(v) else None for v in values]
    return pd.Series(shown, index=values.index, dtype="Int64")


def disclose(counts: pd.Series | pd.DataFrame, audience: Audience | str) -> Disclosed:
    """Add margins (``Total``) to a 1-D or 2-D table of counts and apply disclosure control.

    Small cells are hidden, then enough further cells that no hidden cell can be
    worked out exactly from what is shown; public outputs are also rounded to 5.
    """
    audience = _audience(audience)
    rule = RULES[audience]
    if isinstance(counts, pd.Series):
        index = _with_total(counts.index, "index")
        grid = _check_array(counts.to_frame(), "table")[:, 0]
        full = np.append(grid, grid.sum())
        table = _Table.one_way(full)
    elif isinstance(counts, pd.DataFrame):
        index, columns = _with_total(counts.index, "index"), _with_total(counts.columns, "columns")
        grid = _check_array(counts, "table")
        full = np.zeros((grid.shape[0] + 1, grid.shape[1] + 1), dtype=np.int64)
        full[:-1, :-1] = grid
        full[:-1, -1] = grid.sum(axis=1)
        full[-1, :-1] = grid.sum(axis=0)
        full[-1, -1] = grid.sum()
        table = _Table.two_way(full)
    else:
        raise LPTError(f"disclosure control needs a pandas Series or DataFrame of counts, not {type(counts).__name__}")

    shown, names = _apply(table, rule)
    if isinstance(counts, pd.Series):
        values: pd.Series | pd.DataFrame = pd.Series(shown, index=index, name=counts.name, dtype="Int64")
        status: pd.Series | pd.DataFrame = pd.Series(names, index=index, name=counts.name, dtype=object)
    else:
        shape = full.shape
        values = pd.DataFrame(shown.reshape(shape), index=index, columns=columns).astype("Int64")
        status = pd.DataFrame(names.reshape(shape), index=index, columns=columns, dtype=object)
    return Disclosed(values=values, status=status, audience=audience, rule=rule)


def disclose_linked(breakdowns: Mapping[str, pd.Series], audience: Audience | str, *,
                    within: Mapping[str, tuple[str, Sequence[Hashable]]] | None = None) -> dict[str, Disclosed]:
    """Several breakdowns of one total, shown side by side, disclosed as one table.

    Tables that share their total are linked: with the total shown in one and hidden in another, or a
    small cell of one bounding a cell of another, a hidden cell could be worked out from the pair even
    though each table passes on its own. So every cell of every breakdown and the shared total are
    suppressed and audited together (the same rules as :func:`disclose`).

    Each Series of ``breakdowns`` (a flat index without ``Total``) breaks down the same total, e.g. a
    setup's calls per ward, per officer and per age band; they must add up to the same number.
    ``within`` names breakdowns nested in another instead: ``within["street"] = ("ward", labels)``
    says cell ``i`` of "street" lies in the cell labelled ``labels[i]`` of "ward", and the cells within
    each parent cell add up to it (parent cells are hidden after their children, like margins). The
    lines stay totally unimodular (each cell lies in at most two lines, and the shared total's lines can
    be split evenly), so the audit's linear programmes give integer bounds as for one table.

    Returns each breakdown as :func:`disclose` returns a Series: its cells then ``Total``, the shared
    total, which is shown or hidden alike in every breakdown.
    """
    audience = _audience(audience)
    rule = RULES[audience]
    within = dict(within or {})
    unknown = sorted({name for name in within if name not in breakdowns}
                     | {parent for parent, _ in within.values() if parent not in breakdowns})
    if unknown:
        raise LPTError(f"within names breakdowns that are not given: {', '.join(unknown)}")
    starts, cells = {}, []
    for name, counts in breakdowns.items():
        if not isinstance(counts, pd.Series):
            raise LPTError(f"breakdown {name!r} is a pandas Series of counts, not {type(counts).__name__}")
        _with_total(counts.index, "index")
        starts[name] = len(cells)
        cells.extend(_check_array(counts.to_frame(), name)[:, 0])
    total = len(cells)
    values = np.append(np.array(cells, dtype=np.int64), 0)
    margin = np.zeros(values.size, dtype=bool)
    margin[total] = True
    lines, sums = [], set()
    for name, counts in breakdowns.items():
        own = range(starts[name], starts[name] + len(counts))
        if name not in within:
            sums.add(int(values[own].sum()))
            if len(own):
                lines.append((tuple(own), total))
            continue
        parent, labels = within[name]
        if len(labels) != len(counts):
            raise LPTError(f"breakdown {name!r} has {len(counts)} cells but {len(labels)} parent labels")
        place = {label: starts[parent] + i for i, label in enumerate(breakdowns[parent].index)}
        if set(labels) - set(place):
            raise LPTError(f"breakdown {name!r} names cells {parent!r} does not have: {sorted(set(labels) - set(place))!r}")
        children: dict[int, list[int]] = {cell: [] for cell in place.values()}
        for cell, label in zip(own, labels):
            children[place[label]].append(cell)
        for cell, members in children.items():
            if int(values[members].sum()) != int(values[cell]):
                raise LPTError(f"breakdown {name!r} does not add up to its parent {parent!r} cell "
                               f"{breakdowns[parent].index[cell - starts[parent]]!r}")
            if members:
                lines.append((tuple(members), cell))
                margin[cell] = True
    if len(sums) > 1:
        raise LPTError(f"linked breakdowns add up to the same total, not to {sorted(sums)}")
    values[total] = sums.pop() if sums else 0
    shown, names = _apply(_Table(values, margin, tuple(lines)), rule)
    result = {}
    for name, counts in breakdowns.items():
        at = [*range(starts[name], starts[name] + len(counts)), total]
        index = _with_total(counts.index, "index")
        result[name] = Disclosed(
            values=pd.Series(shown[at], index=index, name=counts.name, dtype="Int64"),
            status=pd.Series(names[at], index=index, name=counts.name, dtype=object), audience=audience, rule=rule)
    return result


def _apply(table: _Table, rule: Rule) -> tuple[np.ndarray, np.ndarray]:
    """The cells as shown (<NA> where hidden, rounded by the rule) and their status names."""
    codes = _suppress(table, rule.threshold)
    shown = np.array(
        [pd.NA if code != _PUB else _round(int(v), rule.round_to) for v, code in zip(table.values, codes)],
        dtype=object,
    )
    return shown, _STATUS_NAMES[codes]


# --- the table as flat cells and linear constraints -------------------------------------------


@dataclass(frozen=True)
class _Table:
    """Cells (margins included) flattened, and the lines: members that add up to a total."""

    values: np.ndarray  # int64, one per cell
    margin: np.ndarray  # bool, True for the margins added by ``disclose``
    lines: tuple[tuple[tuple[int, ...], int], ...]  # (member cells, total cell)

    @classmethod
    def one_way(cls, full: np.ndarray) -> _Table:
        n = full.size - 1
        margin = np.zeros(full.size, dtype=bool)
        margin[n] = True
        lines = ((tuple(range(n)), n),) if n else ()
        return cls(full.astype(np.int64), margin, lines)

    @classmethod
    def two_way(cls, full: np.ndarray) -> _Table:
        rows, cols = full.shape  # margins included
        margin = np.zeros(full.shape, dtype=bool)
        margin[-1, :] = margin[:, -1] = True

        def at(i: int, j: int) -> int:
            return i * cols + j

        lines = []
        if cols > 1:  # each row, the Total row included, adds up to its Total column cell
            lines += [(tuple(at(i, j) for j in range(cols - 1)), at(i, cols - 1)) for i in range(rows)]
        if rows > 1:  # each column, the Total column included, adds up to its Total row cell
            lines += [(tuple(at(i, j) for i in range(rows - 1)), at(rows - 1, j)) for j in range(cols)]
        return cls(full.ravel().astype(np.int64), margin.ravel(), tuple(lines))

    def lines_of(self, cell: int) -> list[tuple[int, ...]]:
        """Every line through ``cell``, as all its cells (members then total)."""
        return [(*members, total) for members, total in self.lines if cell == total or cell in members]


# --- suppression ---------------------------------------------------------------------------


def _suppress(table: _Table, threshold: int) -> np.ndarray:
    """Status code of every cell: primary below the threshold, then secondary until the audit passes."""
    status = np.where(table.values < threshold, _PRI, _PUB)
    rounds = 0
    while True:
        _close_lines(table, status)
        exposed = _exposed(table, status, threshold)
        if not exposed:
            return status
        rounds += 1
        before = int((status != _PUB).sum())
        if rounds > _MAX_ROUNDS:
            # Safety cap: stop adding one cell at a time, hide every line through an exposed cell.
            for cell in exposed:
                for line in table.lines_of(cell):
                    _hide(status, line)
        else:
            for cell in exposed:
                partner = _partner(table, status, cell)
                if partner is not None:
                    status[partner] = _SEC
                    break
        if int((status != _PUB).sum()) == before:
            if not (status == _PUB).any():
                return status  # nothing shown: nothing left to derive from
            _hide(status, range(status.size))  # last resort: hide the whole table


def _hide(status: np.ndarray, cells: Iterable[int]) -> None:
    """Mark shown cells as secondary (cells already hidden keep their status)."""
    for cell in cells:
        if status[cell] == _PUB:
            status[cell] = _SEC


def _choice_key(table: _Table, status: np.ndarray, cell: int) -> tuple[bool, int, int, int]:
    """Which shown cell to hide first: inner cells before margins, then one that also
    protects another line left with a single hidden cell (fewer cells hidden in all),
    then the smallest (least information lost)."""
    lone = sum(sum(status[c] != _PUB for c in line) == 1 for line in table.lines_of(cell))
    return bool(table.margin[cell]), -lone, int(table.values[cell]), cell


def _close_lines(table: _Table, status: np.ndarray) -> None:
    """Cheap rule first: a line with exactly one hidden cell gets a second one."""
    changed = True
    while changed:
        changed = False
        for members, total in table.lines:
            cells = (*members, total)
            if sum(status[c] != _PUB for c in cells) == 1:
                shown = [c for c in cells if status[c] == _PUB]
                status[min(shown, key=lambda c: _choice_key(table, status, c))] = _SEC
                changed = True


def _partner(table: _Table, status: np.ndarray, cell: int) -> int | None:
    """The cell to hide next to protect ``cell``: smallest shown cell sharing a line with it."""
    shown = {c for line in table.lines_of(cell) for c in line if status[c] == _PUB}
    return min(shown, key=lambda c: _choice_key(table, status, c)) if shown else None


def _exposed(table: _Table, status: np.ndarray, threshold: int) -> list[int]:
    """Hidden cells whose LP range, given everything shown, is below 1, in cell order.

    Hidden cells tied by no line with a hidden cell in common cannot bound each other, so each group of
    tied cells gets linear programmes of its own (a setup's streets within a shown ward are one small
    group): far fewer variables than the whole table, the same ranges.
    """
    hidden = np.flatnonzero(status != _PUB)
    group = {int(cell): int(cell) for cell in hidden}

    def root(cell: int) -> int:
        while group[cell] != cell:
            group[cell] = group[group[cell]]
            cell = group[cell]
        return cell

    tying = []
    for members, total in table.lines:
        tied = [c for c in (*members, total) if status[c] != _PUB]
        if tied:
            tying.append((members, total))
            for cell in tied[1:]:
                group[root(cell)] = root(tied[0])
    cells: dict[int, list[int]] = {}
    for cell in hidden:
        cells.setdefault(root(int(cell)), []).append(int(cell))
    lines: dict[int, list] = {key: [] for key in cells}
    for members, total in tying:
        lines[root(next(c for c in (*members, total) if status[c] != _PUB))].append((members, total))
    exposed = [cell for key, among in cells.items() for cell in _exposed_among(table, status, threshold, among, lines[key])]
    return sorted(exposed)


def _exposed_among(table: _Table, status: np.ndarray, threshold: int, hidden: list[int], lines: list) -> list[int]:
    """The exposed cells of one group of tied hidden cells (``lines``: the lines holding them).

    Every LP solution is a feasible table, as is the true one, so the ranges
    seen over all solutions so far are lower bounds of the true ranges: a cell
    whose seen range already reaches 1 needs no LP of its own.
    """
    position = {cell: p for p, cell in enumerate(hidden)}
    a_eq, b_eq = [], []
    for members, total in lines:
        cells, signs = (*members, total), (1,) * len(members) + (-1,)
        row, rhs = np.zeros(len(hidden)), 0.0
        for c, sign in zip(cells, signs):
            if status[c] == _PUB:
                rhs -= sign * float(table.values[c])
            else:
                row[position[c]] += sign
        a_eq.append(row)
        b_eq.append(rhs)
    bounds = [(0, threshold - 1) if status[c] == _PRI else (threshold, None) for c in hidden]
    if len(a_eq) == 1:  # one line: each cell's range in closed form, no LP (most groups of a linked table)
        ranges = _ranges_on_one_line(a_eq[0], b_eq[0], bounds)
        return [cell for cell, (low, high) in zip(hidden, ranges) if high - low < 1 - _TOLERANCE]
    low = table.values[hidden].astype(float)
    high = low.copy()

    def solve(objective: np.ndarray) -> np.ndarray | None:
        """One LP over the group; its solution widens the ranges seen (None if unbounded)."""
        nonlocal low, high
        result = linprog(objective, A_eq=np.array(a_eq) if a_eq else None, b_eq=np.array(b_eq) if b_eq else None,
                         bounds=bounds, method="highs")
        if result.status == 3:  # unbounded: only a maximum can be
            return None
        if result.status != 0:  # the true table satisfies every constraint, so this is a bug
            raise RuntimeError(f"disclosure audit LP failed: {result.message}")
        low, high = np.minimum(low, result.x), np.maximum(high, result.x)
        return result.x

    primary = np.array([status[c] == _PRI for c in hidden], dtype=float)
    for sense in (1.0, -1.0):  # all small cells down, then up: two solutions that settle most cells at once
        solve(sense * primary)
    exposed = []
    for p, cell in enumerate(hidden):
        for sense in (1.0, -1.0):  # minimise, then maximise
            if high[p] - low[p] >= 1 - _TOLERANCE:
                break
            objective = np.zeros(len(hidden))
            objective[p] = sense
            if solve(objective) is None:
                high[p] = math.inf
        if high[p] - low[p] < 1 - _TOLERANCE:
            exposed.append(cell)
    return exposed


def _ranges_on_one_line(row: np.ndarray, rhs: float, bounds: list[tuple[float, float | None]]) -> list[tuple[float, float]]:
    """The range of each cell ``x_p`` over the solutions of ``row · x = rhs`` (coefficients ±1) within
    ``bounds``: what the LPs of :func:`_exposed_among` would find, as ``x_p = (rhs - sum of the others) /
    row[p]`` with the others' sum ranging over its box, cut to ``x_p``'s own bounds."""
    lower = np.array([b[0] for b in bounds], dtype=float)
    upper = np.array([math.inf if b[1] is None else b[1] for b in bounds], dtype=float)
    least, most = np.where(row > 0, row * lower, row * upper), np.where(row > 0, row * upper, row * lower)
    ranges = []
    for p in range(row.size):
        others_least, others_most = _sum_but(least, p), _sum_but(most, p)
        low, high = sorted(((rhs - others_most) / row[p], (rhs - others_least) / row[p]))
        ranges.append((max(low, lower[p]), min(high, upper[p])))
    return ranges


def _sum_but(values: np.ndarray, p: int) -> float:
    """The sum of ``values`` but the ``p``-th (infinite if another is; they are all of one sign)."""
    others = np.delete(values, p)
    infinite = others[~np.isfinite(others)]
    return float(infinite[0]) if infinite.size else float(others.sum())


# --- checks and small helpers --------------------------------------------------------------


def _round(n: int, step: int) -> int:
    """Nearest multiple of ``step`` (counts are integers, so with step 5 there are no ties)."""
    return step * ((n + step // 2) // step)


def _audience(audience: Audience | str) -> Audience:
    try:
        return Audience(audience)
    except ValueError:
        known = ", ".join(a.value for a in Audience)
        raise LPTError(f"unknown disclosure audience {audience!r}: use one of {known}") from None


def _check_scalar(n: Any) -> int:
    if isinstance(n, bool | np.bool_) or not isinstance(n, int | float | np.integer | np.floating):
        raise LPTError(f"a count must be a non-negative integer, not {n!r}")
    if not math.isfinite(n) or n < 0 or n != int(n):
        raise LPTError(f"a count must be a non-negative integer, not {n!r}")
    return int(n)


def _check_array(frame: pd.DataFrame, what: str) -> np.ndarray:
    """The counts as int64, or an LPTError naming the first bad cell."""
    for column, dtype in frame.dtypes.items():
        if pd.api.types.is_bool_dtype(dtype) or not pd.api.types.is_numeric_dtype(dtype):
            raise LPTError(f"counts must be numeric: {what} column {column!r} has type {dtype}")
    values = frame.to_numpy(dtype=float, na_value=np.nan)
    bad = ~np.isfinite(values) | (values < 0) | (values != np.floor(values))
    if bad.any():
        i, j = (int(k[0]) for k in np.nonzero(bad))
        where = frame.index[i] if frame.shape[1] == 1 else (frame.index[i], frame.columns[j])
        raise LPTError(f"counts must be non-negative integers: {values[i, j]!r} at {where!r}")
    return values.astype(np.int64)


def _with_total(labels: pd.Index, what: str) -> pd.Index:
    if isinstance(labels, pd.MultiIndex):
        raise LPTError(f"disclosure control needs a flat {what}, not a MultiIndex: flatten it first")
    if TOTAL in labels:
        raise LPTError(f"the {what} already has a {TOTAL!r} entry: pass the table without margins")
    total: list[Hashable] = [TOTAL]
    return pd.Index(list(labels) + total, name=labels.name)
