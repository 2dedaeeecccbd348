"""The street key: (LSOA 2021 code, street name), with generic places marked.

police.uk publishes each record at an anonymised snap point named "On or near
<street>", or "On or near <place>" for a generic place such as a supermarket.
A street point is the snap point's coordinates. Places are kept as street keys
(crimes happen there) but flagged, because a household never lives at one.
"""

from __future__ import annotations

import pandas as pd

__all__ = ["PLACES", "street_names", "is_place"]

#: Generic place names police.uk uses instead of a street (compared case-blind).
PLACES: frozenset[str] = frozenset(
    {
        "Airport/Airfield",
        "Bus/Coach Station",
        "Conference/Exhibition Centre",
        "Further/Higher Educational Building",
        "Hospital",
        "Nightclub",
        "Park/Open Space",
        "Parking Area",
        "Pedestrian Subway",
        "Petrol Station",
        "Police Station",
        "Prison",
        "Shopping Area",
        "Sports/Recreation Area",
        "Supermarket",
        "Theatre/Concert Hall",
        "Theme/Adventure Park",
        "Train Station",
        "Underground Station",
    }
)
_PLACES_FOLDED = frozenset(p.casefold() for p in PLACES)


def street_names(locations: pd.Series) -> pd.Series:
    """Location without the "On or near " prefix, runs of white space made one space; NA when empty."""
    names = (
        locations.astype("string")
        .str.replace(r"^\s*on or near\s+", "", regex=True, case=False)
        .str.replace(r"\s+", " ", regex=True)
        .str.strip()
    )
    return names.mask(names == "")


def is_place(names: pd.Series) -> pd.Series:
    """True where a street name is a generic place; NA where the name is."""
    folded = names.astype("string").str.casefold()
    return folded.isin(_PLACES_FOLDED).astype("boolean").mask(folded.isna())
