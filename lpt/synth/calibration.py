"""The public data the synthetic community data copies its shape from.

Everything here is real public data (census, deprivation, postcodes, police.uk
streets); nothing personal. :func:`load_calibration` reads it from the store
after ``lpt ingest reference`` and linkage.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from lpt.vocab import AGE_BANDS, ETHNIC_GROUPS, TOPICS

__all__ = ["Calibration"]

@dataclass(frozen=True)
class Calibration:
    """Frames the generator reads; every share sums to 1 per LSOA.

    ``areas``: one row per LSOA 2021 to populate: ``lsoa21_code``,
    ``ward_code``, ``ward_name``, ``district_code``, ``households`` (census
    2021), ``imd_decile`` (IMD 2025, 1 most deprived), ``rural`` (bool),
    ``crime_rate`` (police.uk rows per household per year, 2025).
    ``postcodes``: residential postcodes linked to those LSOAs: ``postcode``,
    ``lsoa21_code``, ``easting``, ``northing`` (British National Grid).
    ``ethnicity``: index ``lsoa21_code``, columns :data:`ETHNIC_GROUPS`.
    ``age``: index ``lsoa21_code``, columns :data:`AGE_BANDS` (adults only).
    ``streets``: named streets (not generic places) from police.uk:
    ``lsoa21_code``, ``street_name``, ``easting``, ``northing``.
    ``crime_mix``: ``quarter`` (e.g. ``2025Q1``), ``lsoa21_code``, one column
    per topic of :data:`TOPICS` with the share of the LSOA's crimes that
    quarter (zero for topics no crime type maps to).
    """

    areas: pd.DataFrame
    postcodes: pd.DataFrame
    ethnicity: pd.DataFrame
    age: pd.DataFrame
    streets: pd.DataFrame
    crime_mix: pd.DataFrame

    def only_wards(self, ward_codes: list[str]) -> Calibration:
        """The same calibration restricted to some wards (the sample scale)."""
        areas = self.areas[self.areas["ward_code"].isin(ward_codes)]
        lsoas = set(areas["lsoa21_code"])
        return Calibration(
            areas=areas.reset_index(drop=True),
            postcodes=self.postcodes[self.postcodes["lsoa21_code"].isin(lsoas)].reset_index(drop=True),
            ethnicity=self.ethnicity.loc[self.ethnicity.index.isin(lsoas)],
            age=self.age.loc[self.age.index.isin(lsoas)],
            streets=self.streets[self.streets["lsoa21_code"].isin(lsoas)].reset_index(drop=True),
            crime_mix=self.crime_mix[self.crime_mix["lsoa21_code"].isin(lsoas)].reset_index(drop=True),
        )
