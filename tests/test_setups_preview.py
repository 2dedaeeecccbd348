"""The preview of a setup before it is stored: the same households as its list, counted per ward through
disclosure control, postcode points for the map, and the same permission as creating it. On the store of
tests/setups_files.py (SQLite and PostgreSQL), clock fixed at 2 June 2025."""

from __future__ import annotations

import pytest

from lpt.access.audit import audit_entries
from lpt.access.guard import PermissionDenied
from lpt.errors import LPTError
from lpt.setups.model import Criteria, SetupArea, SetupSpec, create_setup
from lpt.setups.preview import preview_setup
from lpt.setups.selection import priority_addresses
from tests.setups_files import ENDS, MILL_SQUARE, NORTH, ON, PURPOSE, SOUTH, STARTS


def _spec(**changes) -> SetupSpec:
    return SetupSpec("Preview", changes.pop("area", SetupArea(wards=(NORTH,))), STARTS, ENDS, **changes)


def test_the_preview_counts_what_the_list_will_hold(doorstep):
    engine, users = doorstep
    spec = _spec()
    preview = preview_setup(engine, users["sgt-north"], spec, on=ON, purpose=PURPOSE)
    # 21 North households, ML02 and ML04 registered (not revisited)
    assert preview.by_ward.to_dict("list") == {"ward_code": [NORTH, "Total"], "households": [19, 19]}
    assert preview.total == 19
    assert set(preview.points["postcode"]) == {"TE1 1AA", "TE11 1AD"}
    assert list(preview.points.columns) == ["postcode", "longitude", "latitude"]
    setup_id = create_setup(engine, users["sgt-north"], spec, purpose=PURPOSE)
    assert len(priority_addresses(engine, users["pc1"], setup_id, on=ON, purpose=PURPOSE)) == preview.total


def test_revisits_and_a_drawn_polygon_change_the_preview(doorstep):
    engine, users = doorstep
    revisit = preview_setup(engine, users["sgt-north"], _spec(revisit=True), on=ON, purpose=PURPOSE)
    assert revisit.total == 21
    square = preview_setup(engine, users["sgt-north"], _spec(area=SetupArea(polygon=MILL_SQUARE)), on=ON, purpose=PURPOSE)
    assert square.total == 10 and set(square.points["postcode"]) == {"TE1 1AA"}


def test_small_counts_are_hidden(doorstep):
    engine, users = doorstep
    low = _spec(area=SetupArea(wards=(SOUTH,)), criteria=Criteria(answer_question="confidence", answer_at_most=2),
                revisit=True)
    preview = preview_setup(engine, users["sgt-district"], low, on=ON, purpose=PURPOSE)  # M5 at HS01 only
    assert preview.total is None and preview.by_ward["households"].isna().all()
    assert len(preview.points) == 1


def test_only_those_who_may_create_the_setup_may_preview_it(doorstep):
    engine, users = doorstep
    for user, spec in (("pc1", _spec()), ("sgt-north", _spec(area=SetupArea(wards=(SOUTH,)))),
                       ("an1", _spec()), ("sgt-north", _spec(area=SetupArea()))):
        with pytest.raises(PermissionDenied):
            preview_setup(engine, users[user], spec, on=ON, purpose=PURPOSE)
    with pytest.raises(LPTError, match="unknown ward code E05999999"):
        preview_setup(engine, users["admin"], _spec(area=SetupArea(wards=("E05999999",))), on=ON, purpose=PURPOSE)
    preview_setup(engine, users["admin"], _spec(area=SetupArea()), on=ON, purpose=PURPOSE)  # force-wide: admins
    allowed = audit_entries(engine, users["admin"], user_id="admin", action="manage_setups", outcome="allowed")
    assert (allowed["detail"] == "setup preview").sum() == 1
