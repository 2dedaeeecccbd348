"""What a setup would select, before it is stored: its size per ward and where its doors are.

A supervisor drawing an area or choosing criteria wants to see, before creating the setup, how many
households it puts on the list and where they are, so they can widen or narrow it. The preview
applies the same rules as the list itself (lpt.setups.selection: area, criteria and, unless the setup
revisits them, registered households left out; the day's "not in" calls do not change a plan), and
the same permission as creating the setup (``manage_setups`` over every ward of the area). Counts
pass through internal disclosure control; the map gets postcode points only, never an address.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pandas as pd
from sqlalchemy import Engine

from lpt.access.guard import User, record_access
from lpt.disclosure import Audience, disclose
from lpt.setups.model import SetupSpec, authorize_manager, local_day, utc
from lpt.setups.selection import selected_households

__all__ = ["SetupPreview", "preview_setup"]


@dataclass(frozen=True)
class SetupPreview:
    """``by_ward``: ``ward_code`` and ``households`` (on the list; <NA> where disclosure control hides it),
    with a ``Total`` row last; ``points``: ``postcode``, ``longitude``, ``latitude`` of the postcodes
    holding the listed households (one row per postcode, no counts)."""

    by_ward: pd.DataFrame
    points: pd.DataFrame

    @property
    def total(self) -> int | None:
        """Households on the list in all (None when hidden by disclosure control)."""
        value = self.by_ward["households"].iloc[-1]
        return None if pd.isna(value) else int(value)


def preview_setup(engine: Engine, caller: User, spec: SetupSpec, *, on: datetime | None = None, purpose: str) -> SetupPreview:
    """The households ``spec`` would list on the day of ``on`` (default now), per ward and on a map."""
    authorize_manager(engine, caller, spec, purpose)
    selected = selected_households(engine, caller, spec, spec.area.wards_of(engine), local_day(utc(on)), purpose=purpose)
    if not spec.revisit:
        selected = selected[~selected["registered"]]
    counts = selected.groupby("ward_code").size().astype("int64")
    shown = disclose(counts, Audience.INTERNAL).values
    by_ward = pd.DataFrame({"ward_code": shown.index.astype(str), "households": shown.to_numpy()})
    points = (selected.dropna(subset=["longitude", "latitude"])
              .drop_duplicates("postcode")[["postcode", "longitude", "latitude"]].reset_index(drop=True))
    record_access(engine, caller.user_id, "manage_setups", purpose, None, len(selected), "allowed", "setup preview")
    return SetupPreview(by_ward, points)
