"""Write a tiny, hand-made reference release for tests: the force area 'Test'.

Three LSOA 2021 squares side by side near (-1.5, 52.4), all in district
E06000001 of force area 'Test' (the crime files' "Test Constabulary"):
E01000001 in ward E05000001, E01000002 in ward E05000001, E01000003 in ward
E05000002. E01000009 lies in district E06000009 of force area 'Other' and has
no polygon. 2011 codes: E01000001 and E01000009 unchanged, E01100002 split
into E01000002 and E01000003, E01100004 merged into E01000001.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
from pathlib import Path

from pyproj import Transformer

from lpt.ingest.reference import DATASETS, IMD2025_DOMAINS

#: (code, west longitude) of each LSOA 2021 square, 0.01 degrees wide, latitudes 52.40 to 52.41.
SQUARES = (("E01000001", -1.51), ("E01000002", -1.50), ("E01000003", -1.49))
LSOA21 = [
    ("E01000001", "Test 001A", "E05000001", "North", "E06000001", "Testborough"),
    ("E01000002", "Test 001B", "E05000001", "North", "E06000001", "Testborough"),
    ("E01000003", "Test 002A", "E05000002", "South", "E06000001", "Testborough"),
    ("E01000009", "Other 001A", "E05000009", "Far", "E06000009", "Otherborough"),
]
LSOA11 = [
    ("E01000001", "E01000001", "U"),
    ("E01100002", "E01000002", "S"),
    ("E01100002", "E01000003", "S"),
    ("E01100004", "E01000001", "M"),
    ("E01000009", "E01000009", "U"),
]
#: postcode, lon, lat, LSOA 2011 (ONS) or None, usertype
POSTCODES = [
    ("TE1 1AA", -1.505, 52.405, "E01000001", "0"),  # unique 2011 -> 2021
    ("TE1 1AB", -1.485, 52.405, "E01100002", "1"),  # split: point in E01000003; large user
    ("TE11 1AD", -1.4995, 52.4045, None, "0"),  # new postcode, in E01000002
    ("TE1 1AE", -1.479, 52.405, None, "0"),  # just east of the squares: nearest, E01000003
    ("TE1 1AF", -1.40, 52.405, None, "0"),  # 6 km away: unlinked
]


def _csv(rows: list[list], header: list[str]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def _square(west: float) -> dict:
    ring = [[west, 52.40], [west + 0.01, 52.40], [west + 0.01, 52.41], [west, 52.41], [west, 52.40]]
    return {"type": "Polygon", "coordinates": [ring]}


def _geojson(features: list[tuple[dict, dict]]) -> str:
    return json.dumps(
        {
            "type": "FeatureCollection",
            "features": [{"type": "Feature", "properties": p, "geometry": g} for p, g in features],
        }
    )


def reference_texts() -> dict[str, str]:
    """Contents of every reference file, keyed by its path relative to the raw folder."""
    to_grid = Transformer.from_crs(4326, 27700, always_xy=True)
    codes = [row[0] for row in LSOA21[:3]]
    points = []
    for postcode, lon, lat, _, _ in POSTCODES:
        easting, northing = to_grid.transform(lon, lat)
        points.append(
            [postcode, "10", round(easting), round(northing), "E92000001", "", "", "", "E06000001", "X"]
        )
    imd2025_header = ["lsoa21_code"] + [
        f"{d}_{m}" for m in ("decile", "rank", "score") for d in IMD2025_DOMAINS
    ]
    files = [d.files for d in DATASETS]
    paths = {name: path for group in files for path in group for name in [Path(path).name.split(".")[0]]}
    texts = {
        "lookup_lsoa21_ward24_ltla24": _csv(
            LSOA21, ["lsoa21_code", "lsoa21_name", "ward24_code", "ward24_name", "ltla24_code", "ltla24_name"]
        ),
        "lookup_ltla24_csp24_pfa24": _csv(
            [
                ["E06000001", "Testborough", "E22000001", "Testborough", "E23000001", "Test"],
                ["E06000009", "Otherborough", "E22000009", "Otherborough", "E23000009", "Other"],
            ],
            ["ltla24_code", "ltla24_name", "csp24_code", "csp24_name", "pfa24_code", "pfa24_name"],
        ),
        "lookup_lsoa11_lsoa21_ltla22": _csv(
            [[a, "n", c, "n", b, "Testborough", "E06000001"] for a, b, c in LSOA11],
            [
                "lsoa11_code",
                "lsoa11_name",
                "change_code",
                "lsoa21_name",
                "lsoa21_code",
                "ltla22_name",
                "ltla22_code",
            ],
        ),
        "lsoa21_humberside": _geojson(
            [({"lsoa21_code": code, "lsoa21_name": code}, _square(west)) for code, west in SQUARES]
        ),
        "wards_dec2023_humberside": _geojson([({"WD23CD": "E05000001", "WD23NM": "North"}, _square(-1.51))]),
        "ruc21_lsoa21": _csv(
            [[c, "UN1", "Urban: Nearer to a major town or city", "Urban"] for c in codes],
            ["lsoa21_code", "ruc21_code", "classification", "ruc"],
        ),
        "IMD2019_File_1_Index_of_Multiple_Deprivation": "\ufeff"
        + _csv(
            [["E01000001", "Test 001A", "E06000001", "Testborough", "1,234", "1"]],
            [
                "LSOA code (2011)",
                "LSOA name (2011)",
                "Local Authority District code (2019)",
                "Local Authority District name (2019)",
                "Index of Multiple Deprivation (IMD) Rank",
                "Index of Multiple Deprivation (IMD) Decile",
            ],
        ),
        "imd2025_england_lsoa21": _csv(
            [[c] + ["2"] * 8 + ["150"] * 8 + ["41.5"] * 8 for c in codes], imd2025_header
        ),
        "ethnicity21_lsoa21_humberside": _csv(
            [[c, 100, g, 50, 0.5] for c in codes for g in ("White", "Asian")],
            ["lsoa21_code", "total_residents", "ethnic_group", "n", "prop"],
        ),
        "household_tenure21_lsoa21_humberside": _csv(
            [[c, 40, "Owned: Owns outright", 40, 1.0] for c in codes],
            ["lsoa21_code", "total_households", "tenure", "n", "prop"],
        ),
        "household_deprivation21_lsoa21_humberside": _csv(
            [[c, 40, "Household is deprived in one dimension", 40, 1.0] for c in codes],
            ["lsoa21_code", "total_households", "deprivation_dimensions", "n", "prop"],
        ),
        "disability21_lsoa21_ew_humberside": _csv(
            [[c, "Disabled under the Equality Act", 20, 100, 0.2] for c in codes],
            ["lsoa21_code", "disability", "n", "total_residents", "prop"],
        ),
        "population20_lsoa11_humberside": _csv(
            [["Test 001A", "E01000001", 3, 1, 2]],
            ["lsoa11_name", "lsoa11_code", "total_population", "0", "90+"],
        ),
        "codepoint_open_2025-04_hu_dn_yo": _csv(
            points,
            [
                "Postcode",
                "Positional_quality_indicator",
                "Eastings",
                "Northings",
                "Country_code",
                "NHS_regional_HA_code",
                "NHS_HA_code",
                "Admin_county_code",
                "Admin_district_code",
                "Admin_ward_code",
            ],
        ),
        "ons_pcd_oa_lsoa_msoa_lad_may22_hu_dn_yo": _csv(
            [
                [
                    pc.replace(" ", ""),
                    pc,
                    pc,
                    "198001",
                    "",
                    usertype,
                    "",
                    lsoa or "",
                    "",
                    "E06000001",
                    "",
                    "",
                    "",
                    "",
                ]
                for pc, _, _, lsoa, usertype in POSTCODES
                if lsoa
            ]
            + [
                [
                    "TE1 9ZZ",
                    "TE1 9ZZ",
                    "TE1 9ZZ",
                    "198001",
                    "202001",
                    "0",
                    "",
                    "E01000001",
                    "",
                    "",
                    "",
                    "",
                    "",
                    "",
                ]
            ],
            [
                "pcd7",
                "pcd8",
                "pcds",
                "dointr",
                "doterm",
                "usertype",
                "oa11cd",
                "lsoa11cd",
                "msoa11cd",
                "ladcd",
                "lsoa11nm",
                "msoa11nm",
                "ladnm",
                "ladnmw",
            ],
        ),
    }
    return {paths[name]: text for name, text in texts.items()}


def write_reference(folder: Path, **replace: str) -> Path:
    """Write the tiny release under ``folder`` (gzip where the name ends .gz); ``replace`` overrides
    a file's text by its path relative to ``folder``, with '/' and '.' and '-' as '_'."""
    texts = reference_texts()
    for path, text in texts.items():
        text = replace.get(_key(path), text)
        target = folder / path
        target.parent.mkdir(parents=True, exist_ok=True)
        data = text.encode()
        target.write_bytes(gzip.compress(data) if path.endswith(".gz") else data)
    return folder


def _key(path: str) -> str:
    return path.replace("/", "_").replace(".", "_").replace("-", "_")
