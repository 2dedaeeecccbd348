"""lpt.store.reuse: a force-wide result is computed once per data version, only where reuse is on."""

from datetime import UTC, datetime

import pandas as pd
import pytest
from sqlalchemy import insert

from lpt.store.reuse import data_version, enable_reuse, reused
from lpt.store.schema import insight_refreshes, reference_imports

calls: list[tuple] = []


@reused
def _counted(engine, n, *, scale=1):
    calls.append((n, scale))
    return pd.DataFrame({"value": [n * scale]})


@pytest.fixture
def reuse_on():
    calls.clear()
    enable_reuse()
    yield
    enable_reuse(False)


def test_off_by_default_every_call_computes(store):
    calls.clear()
    _counted(store, 1)
    _counted(store, 1)
    assert len(calls) == 2


def test_on_the_same_call_computes_once_and_returns_a_copy(store, reuse_on):
    first = _counted(store, 2)
    first.loc[0, "value"] = -1  # a caller changing its copy
    again = _counted(store, 2)
    assert calls == [(2, 1)]
    assert again.loc[0, "value"] == 2


def test_other_arguments_compute_apart(store, reuse_on):
    _counted(store, 1)
    _counted(store, 1, scale=3)
    _counted(store, 4)
    assert calls == [(1, 1), (1, 3), (4, 1)]


def test_a_refresh_or_reference_import_makes_it_compute_again(store, reuse_on):
    _counted(store, 1)
    with store.begin() as connection:
        connection.execute(insert(insight_refreshes).values(refreshed_at=datetime.now(UTC), rows=1))
    _counted(store, 1)
    with store.begin() as connection:
        connection.execute(insert(reference_imports).values(
            dataset="imd2025", source_paths="[]", fingerprint="ab" * 32, rows=1, imported_at=datetime.now(UTC)))
    _counted(store, 1)
    _counted(store, 1)
    assert calls == [(1, 1)] * 3


def test_data_version_names_the_latest_refresh_and_fingerprints(store):
    before = data_version(store)
    assert before == ((None, None, None), ())
    with store.begin() as connection:
        connection.execute(insert(insight_refreshes).values(refreshed_at=datetime.now(UTC), rows=5))
    assert data_version(store)[0][0] is not None


def test_unhashable_arguments_are_computed_every_time(store, reuse_on):
    _counted(store, [1])
    _counted(store, [1])
    assert len(calls) == 2


def test_turning_it_off_forgets(store, reuse_on):
    _counted(store, 5)
    enable_reuse(False)
    enable_reuse()
    _counted(store, 5)
    assert calls == [(5, 1), (5, 1)]
