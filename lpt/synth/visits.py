"""Synthetic door-knocking history over part of the force.

Some wards had an engagement campaign in 2024 or 2025: officers called at most
addresses in a two-month window. Nobody answers at many doors; households
already registered are thanked; others decline or register on the doorstep,
in which case their member record is dated from the visit.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["VISIT_COLUMNS", "generate_visits"]

#: Columns of the visits export (docs/DATA_SCHEMA.md).
VISIT_COLUMNS = ["visit_id", "address_id", "postcode", "visited_on", "officer_id", "outcome"]
_CAMPAIGN_SHARE = 0.3  # of wards, at force scale
_CALLED = 0.7  # of addresses in a campaign ward
_NOT_IN = 0.45
_DOORSTEP_SHARE = 0.6  # of later registrations at a visited, answering address made on the doorstep


def generate_visits(
    households: pd.DataFrame, members: pd.DataFrame, rng: np.random.Generator, ward_share: float = _CAMPAIGN_SHARE
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Visits (export columns plus ``ward_code``) and the members, doorstep registrations re-dated.

    Registering on the doorstep is attributed to households whose member
    joined after the visit (most of them): that member's ``opted_in`` becomes
    the visit date. Households with no member, or whose member joined later
    by other means, declined at the door.
    """
    wards = np.sort(households["ward_code"].unique())
    chosen = wards[rng.random(len(wards)) < ward_share] if len(wards) > 3 else wards
    starts = pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 640, len(chosen)), unit="D")
    window = dict(zip(chosen, starts))
    called = households[households["ward_code"].isin(chosen) & (rng.random(len(households)) < _CALLED)]
    visited_on = called["ward_code"].map(window) + pd.to_timedelta(rng.integers(0, 61, len(called)), unit="D")
    visits = called[["address_id", "postcode", "ward_code"]].assign(visited_on=visited_on.to_numpy())
    visits["officer_id"] = [f"PC{n:04d}" for n in rng.integers(1000, 1000 + 4 * max(len(chosen), 1), len(visits))]

    first_member = members.drop_duplicates("address_id").set_index("address_id")
    joined_on = pd.to_datetime(visits["address_id"].map(first_member["opted_in"]))
    member_id = visits["address_id"].map(first_member["member_id"])
    answered = rng.random(len(visits)) >= _NOT_IN
    already = joined_on.notna() & (joined_on <= visits["visited_on"])
    signs_up = joined_on.notna() & ~already & (rng.random(len(visits)) < _DOORSTEP_SHARE)
    visits["outcome"] = np.select(
        [~answered, already, signs_up], ["not_in", "visited", "registered"], default="declined"
    )
    registered = visits["outcome"] == "registered"
    redated = dict(zip(member_id[registered], visits.loc[registered, "visited_on"].dt.strftime("%Y-%m-%d")))
    redate = members["member_id"].isin(redated)
    members = members.assign(opted_in=members["opted_in"].mask(redate, members["member_id"].map(redated)))
    visits = visits.sort_values(["visited_on", "address_id"], kind="stable").reset_index(drop=True)
    visits["visited_on"] = visits["visited_on"].dt.strftime("%Y-%m-%d")
    visits["visit_id"] = [f"V{i:07d}" for i in range(1, len(visits) + 1)]
    return visits[VISIT_COLUMNS + ["ward_code"]], members
