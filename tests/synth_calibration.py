"""A tiny hand-made calibration for generator tests: two wards, four LSOAs."""

from __future__ import annotations

import numpy as np
import pandas as pd

from lpt.synth.calibration import Calibration
from lpt.vocab import AGE_BANDS, ETHNIC_GROUPS, TOPICS

LSOAS = ["E01000001", "E01000002", "E01000003", "E01000004"]
WARDS = ["E05000001", "E05000001", "E05000002", "E05000002"]


def tiny_calibration(households: int = 300) -> Calibration:
    areas = pd.DataFrame(
        {
            "lsoa21_code": LSOAS,
            "ward_code": WARDS,
            "ward_name": ["North", "North", "South", "South"],
            "district_code": "E06000001",
            "households": [households, households + 50, households - 50, households],
            "imd_decile": [1, 2, 9, 10],
            "rural": [False, False, True, False],
            "crime_rate": [0.5, 0.4, 0.05, 0.1],
        }
    )
    rng = np.random.default_rng(0)
    postcodes = pd.DataFrame(
        {
            "postcode": [f"ZZ{i // 20} {i % 10}A{chr(65 + i % 20)}" for i in range(80)],
            "lsoa21_code": np.repeat(LSOAS, 20),
            "easting": np.repeat([500000, 501000, 510000, 511000], 20) + rng.integers(0, 300, 80),
            "northing": np.repeat([430000, 430000, 440000, 440000], 20) + rng.integers(0, 300, 80),
        }
    )
    streets = pd.DataFrame(
        {
            "lsoa21_code": np.repeat(LSOAS, 3),
            "street_name": [f"{name} {kind}" for name in ("Park", "Mill", "Church", "Station") for kind in ("Road", "Lane", "Close")],
            "easting": np.repeat([500000, 501000, 510000, 511000], 3) + np.tile([0, 150, 300], 4),
            "northing": np.repeat([430000, 430000, 440000, 440000], 3) + np.tile([0, 150, 300], 4),
        }
    )
    ethnicity = pd.DataFrame(
        [[0.3, 0.1, 0.05, 0.5, 0.05], [0.2, 0.05, 0.05, 0.65, 0.05], [0.01, 0.0, 0.01, 0.97, 0.01], [0.02, 0.01, 0.02, 0.94, 0.01]],
        index=pd.Index(LSOAS, name="lsoa21_code"),
        columns=list(ETHNIC_GROUPS),
    )
    age = pd.DataFrame(
        [[0.2, 0.25, 0.2, 0.15, 0.1, 0.06, 0.04]] * 2 + [[0.06, 0.1, 0.12, 0.17, 0.2, 0.2, 0.15]] * 2,
        index=pd.Index(LSOAS, name="lsoa21_code"),
        columns=list(AGE_BANDS),
    )
    mix = np.zeros((4, len(TOPICS)))
    mix[:, TOPICS.index("drugs")] = [0.4, 0.3, 0.0, 0.05]
    mix[:, TOPICS.index("burglary")] = [0.1, 0.1, 0.5, 0.3]
    mix[:, TOPICS.index("asb")] = 1 - mix.sum(axis=1)
    crime_mix = pd.DataFrame(mix, columns=list(TOPICS)).assign(lsoa21_code=LSOAS, quarter="2025Q1")
    return Calibration(areas=areas, postcodes=postcodes, ethnicity=ethnicity, age=age, streets=streets, crime_mix=crime_mix)
