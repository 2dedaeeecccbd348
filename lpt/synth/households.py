"""Synthetic households: census household counts spread over real residential postcodes.

Each LSOA gets exactly its census 2021 household count, shared among its
residential postcodes with gamma-distributed sizes (postcodes hold a few to a
few dozen addresses). A postcode takes the name of the nearest police.uk
street of its LSOA, and addresses are numbered along each street, so walk
lists read like real ones; rural addresses are often named instead.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from lpt.synth.calibration import Calibration

__all__ = ["HOUSEHOLD_COLUMNS", "generate_households"]

#: Columns of the households export (docs/DATA_SCHEMA.md).
HOUSEHOLD_COLUMNS = ["address_id", "house_number", "house_name", "street", "postcode"]

_HOUSE_NAMES = (
    "Rose Cottage", "The Willows", "Orchard House", "Ivy Cottage", "The Old Rectory", "Meadow View",
    "Holly House", "The Laurels", "Field End", "Brook House", "The Barn", "Hillside", "Woodlands",
    "The Old School House", "Church View", "Sunnyside", "The Granary", "Park View", "Ash Lodge", "Fox Hollow",
)
_NAMED_SHARE = {True: 0.25, False: 0.02}  # rural, urban
_POSTCODE_SIZE_SHAPE = 2.0


def generate_households(calibration: Calibration, rng: np.random.Generator) -> pd.DataFrame:
    """One row per household: the export columns plus ``lsoa21_code``, ``ward_code``, ``district_code``."""
    postcodes = _postcodes_with_streets(calibration)
    counts = _households_per_postcode(calibration, postcodes, rng)
    homes = postcodes.loc[postcodes.index.repeat(counts)].reset_index(drop=True)
    homes = homes.sort_values(["district_code", "street", "postcode"], kind="stable").reset_index(drop=True)
    number = homes.groupby(["district_code", "street"]).cumcount() + 1
    named = rng.random(len(homes)) < homes["rural"].map(_NAMED_SHARE).to_numpy()
    homes["house_number"] = number.astype(str).where(~named, "")
    homes["house_name"] = np.where(named, rng.choice(_HOUSE_NAMES, len(homes)), "")
    homes["address_id"] = [f"A{i:07d}" for i in range(1, len(homes) + 1)]
    return homes[HOUSEHOLD_COLUMNS + ["lsoa21_code", "ward_code", "district_code"]]


def _postcodes_with_streets(calibration: Calibration) -> pd.DataFrame:
    """Residential postcodes of populated LSOAs, each with the nearest street name of its LSOA."""
    areas = calibration.areas[["lsoa21_code", "ward_code", "district_code", "rural", "households"]]
    postcodes = calibration.postcodes.merge(areas, on="lsoa21_code").sort_values("postcode").reset_index(drop=True)
    streets = calibration.streets
    everywhere = cKDTree(streets[["easting", "northing"]].to_numpy()) if len(streets) else None
    names = pd.Series("Unnamed Road", index=postcodes.index)
    by_lsoa = dict(tuple(streets.groupby("lsoa21_code")))
    for lsoa, group in postcodes.groupby("lsoa21_code"):
        local = by_lsoa.get(lsoa)
        candidates, tree = (local, cKDTree(local[["easting", "northing"]].to_numpy())) if local is not None else (streets, everywhere)
        if tree is None:
            continue
        _, nearest = tree.query(group[["easting", "northing"]].to_numpy())
        names.loc[group.index] = candidates["street_name"].to_numpy()[nearest]
    return postcodes.assign(street=names)


def _households_per_postcode(calibration: Calibration, postcodes: pd.DataFrame, rng: np.random.Generator) -> np.ndarray:
    """Census households of each LSOA shared among its postcodes (multinomial, gamma weights)."""
    counts = np.zeros(len(postcodes), dtype=int)
    weights = rng.gamma(_POSTCODE_SIZE_SHAPE, 1.0, len(postcodes))
    for _, rows in postcodes.groupby("lsoa21_code").indices.items():
        total = int(postcodes.at[rows[0], "households"])
        counts[rows] = rng.multinomial(total, weights[rows] / weights[rows].sum())
    return counts
