"""The 18:00 rule of "not in" calls (lpt.setups.selection.hidden_until), with fixed clocks.

A "not in" before 18:00 Europe/London hides the door until 18:00 there that day; at or after 18:00,
until the end of that day. Cases on a GMT day, a BST day and both clock-change days of 2025 (30 March:
01:00 GMT becomes 02:00 BST; 26 October: 02:00 BST becomes 01:00 GMT), written in UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from lpt.errors import LPTError
from lpt.setups.model import LONDON, OUTCOMES
from lpt.setups.selection import hidden_until


def _utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


CASES = [
    # GMT day: local time is UTC
    ("GMT morning", _utc(2025, 1, 15, 9, 0), _utc(2025, 1, 15, 18, 0)),
    ("GMT a minute before six", _utc(2025, 1, 15, 17, 59), _utc(2025, 1, 15, 18, 0)),
    ("GMT at six", _utc(2025, 1, 15, 18, 0), _utc(2025, 1, 16, 0, 0)),
    ("GMT late evening", _utc(2025, 1, 15, 23, 59), _utc(2025, 1, 16, 0, 0)),
    # BST day: local time is UTC + 1
    ("BST morning", _utc(2025, 6, 2, 10, 0), _utc(2025, 6, 2, 17, 0)),
    ("BST 17:59 local", _utc(2025, 6, 2, 16, 59), _utc(2025, 6, 2, 17, 0)),
    ("BST 18:00 local", _utc(2025, 6, 2, 17, 0), _utc(2025, 6, 2, 23, 0)),
    ("BST 17:30 UTC is 18:30 local", _utc(2025, 6, 2, 17, 30), _utc(2025, 6, 2, 23, 0)),
    ("BST 23:30 UTC is already the next day locally", _utc(2025, 6, 2, 23, 30), _utc(2025, 6, 3, 17, 0)),
    # spring forward, 30 March 2025
    ("before the change, GMT", _utc(2025, 3, 30, 0, 30), _utc(2025, 3, 30, 17, 0)),
    ("after the change, BST", _utc(2025, 3, 30, 9, 0), _utc(2025, 3, 30, 17, 0)),
    ("spring evening", _utc(2025, 3, 30, 17, 30), _utc(2025, 3, 30, 23, 0)),
    ("the evening before the change", _utc(2025, 3, 29, 18, 30), _utc(2025, 3, 30, 0, 0)),
    # fall back, 26 October 2025
    ("01:30 BST, first time round", _utc(2025, 10, 26, 0, 30), _utc(2025, 10, 26, 18, 0)),
    ("01:30 GMT, second time round", _utc(2025, 10, 26, 1, 30), _utc(2025, 10, 26, 18, 0)),
    ("autumn evening", _utc(2025, 10, 26, 18, 0), _utc(2025, 10, 27, 0, 0)),
    ("the evening before the change", _utc(2025, 10, 25, 17, 30), _utc(2025, 10, 25, 23, 0)),
]


@pytest.mark.parametrize(("case", "visited_at", "until"), CASES, ids=[c[0] for c in CASES])
def test_not_in_hides_until_six_or_the_end_of_the_day(case, visited_at, until):
    found = hidden_until(visited_at, "not_in")
    assert found == until
    assert found.utcoffset() == timedelta(0)


def test_the_end_of_the_day_is_local_midnight():
    for visited_at in (_utc(2025, 1, 15, 19, 0), _utc(2025, 6, 2, 19, 0)):
        local = hidden_until(visited_at, "not_in").astimezone(LONDON)
        assert (local.hour, local.minute) == (0, 0)
        assert local.date() == visited_at.astimezone(LONDON).date() + timedelta(days=1)


def test_six_oclock_is_local_six_in_summer_and_winter():
    for visited_at in (_utc(2025, 1, 15, 12, 0), _utc(2025, 6, 2, 12, 0)):
        assert hidden_until(visited_at, "not_in").astimezone(LONDON).hour == 18


def test_any_time_zone_gives_the_same_answer():
    local = datetime(2025, 6, 2, 11, 0, tzinfo=LONDON)
    far = datetime(2025, 6, 2, 20, 0, tzinfo=timezone(timedelta(hours=10)))  # also 10:00 UTC
    assert hidden_until(local, "not_in") == hidden_until(far, "not_in") == _utc(2025, 6, 2, 17, 0)


def test_the_day_after_the_door_is_back():
    evening = _utc(2025, 6, 2, 20, 0)
    next_morning = _utc(2025, 6, 3, 7, 0)
    assert hidden_until(evening, "not_in") <= next_morning


@pytest.mark.parametrize("outcome", [o for o in OUTCOMES if o != "not_in"])
def test_other_outcomes_hide_nothing_by_the_clock(outcome):
    assert hidden_until(_utc(2025, 6, 2, 10, 0), outcome) is None


def test_a_naive_time_is_refused():
    with pytest.raises(LPTError, match="time zone"):
        hidden_until(datetime(2025, 6, 2, 10, 0), "not_in")
