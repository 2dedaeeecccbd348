"""Ward, district and force area of LSOA 2021 codes, and the force-area check.

Ward and district always come from the LSOA 2021 best-fit lookup, never from a
postcode's own ward code, so every record of one LSOA lands in one ward. The
force is the file's "Falls within", matched by name to a police force area.
"""

from __future__ import annotations

import pandas as pd

__all__ = ["wards_of", "force_area_codes", "outside_force_area"]

#: police.uk force names whose force area is named differently once normalised.
_ALIASES = {"cityoflondon": "londoncityof"}


def wards_of(lsoa21_codes: pd.Series, lsoa21: pd.DataFrame) -> pd.DataFrame:
    """Best-fit ward and district of each LSOA 2021 code, in the input's index.

    ``lsoa21`` has columns ``lsoa21_code``, ``ward_code``, ``district_code``.
    Returns columns ``ward_code`` and ``district_code`` (NA for unknown codes).
    """
    lookup = lsoa21.set_index("lsoa21_code")[["ward_code", "district_code"]]
    found = lookup.reindex(lsoa21_codes.to_numpy())
    found.index = lsoa21_codes.index
    return found


def _force_key(names: pd.Series) -> pd.Series:
    """Name without 'Police', 'Constabulary', 'Service', '&' as 'and', letters only."""
    key = names.astype("string").str.lower().str.replace("&", "and", regex=False)
    key = key.str.replace(r"\b(police|constabulary|service)\b", "", regex=True)
    key = key.str.replace(r"[^a-z]", "", regex=True)
    return key.replace(_ALIASES)


def force_area_codes(falls_within: pd.Series, districts: pd.DataFrame) -> pd.Series:
    """Police force area code of each "Falls within" name; NA where no area matches.

    ``districts`` has columns ``pfa_code`` and ``pfa_name`` (e.g. 'Humberside'
    for 'Humberside Police').
    """
    areas = districts[["pfa_code", "pfa_name"]].drop_duplicates()
    by_key = dict(zip(_force_key(areas["pfa_name"]), areas["pfa_code"]))
    return _force_key(falls_within).map(by_key).astype("string")


def outside_force_area(district_codes: pd.Series, pfa_codes: pd.Series, districts: pd.DataFrame) -> pd.Series:
    """True where the force is unknown or the district is not one of the force's.

    Records without a district (unlinked) are not flagged: they have a reason already.
    """
    pairs = pd.MultiIndex.from_frame(districts[["district_code", "pfa_code"]].astype(object))
    rows = pd.MultiIndex.from_arrays([district_codes.astype(object), pfa_codes.astype(object)])
    inside = pd.Series(rows.isin(pairs), index=district_codes.index)
    return district_codes.notna() & (pfa_codes.isna() | ~inside)
