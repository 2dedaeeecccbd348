"""The street key's name and place rules."""

from __future__ import annotations

import pandas as pd

from lpt.linkage.streets import PLACES, is_place, street_names


def test_prefix_removed_and_spaces_collapsed():
    names = street_names(
        pd.Series(["On or near High  Street", "on or near   Mill Lane ", "Station Road", "On or near ", None])
    )
    assert names.tolist()[:3] == ["High Street", "Mill Lane", "Station Road"]
    assert names.iloc[3:].isna().all()


def test_generic_places_are_flagged_case_blind():
    names = pd.Series(
        ["Parking Area", "supermarket", "Petrol Station", "Hospital", "Shopping Area", "High Street", None]
    )
    assert is_place(names).tolist()[:6] == [True, True, True, True, True, False]
    assert pd.isna(is_place(names).iloc[6])


def test_the_police_uk_place_names_are_listed():
    assert {"Parking Area", "Supermarket", "Petrol Station", "Shopping Area", "Hospital"} <= PLACES
