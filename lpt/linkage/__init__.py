"""Linkage: tie every stored record to street, LSOA 2021, ward, district and force.

``streets`` (street key), ``lsoa`` (LSOA 2021 from 2011 codes, points and
postcodes), ``areas`` (ward, district and force area) hold the rules as pure
functions on data frames; ``link`` reads the store, applies them and writes
``crime_links`` and ``postcode_links`` again as a whole.
"""
