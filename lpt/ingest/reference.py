"""Import public reference data: boundaries, lookups, deprivation, census, postcodes.

Each *dataset* (one or two published files) fills its rows of one store table.
A dataset imports in one transaction, all or nothing: a bad row raises
:class:`~lpt.errors.InputFileError` naming file, line and field, and that
dataset keeps its previous rows. The sha256 of a dataset's files is recorded,
so importing the same release again stores nothing; a new release replaces the
dataset's rows. Files are read from the raw folder unchanged (see
``data/SOURCES.md``); paths below are relative to it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import geopandas as gpd
import pandas as pd
from pyogrio.errors import CRSError, DataLayerError, DataSourceError
from pyproj import Transformer
from sqlalchemy import Engine, Table, delete, insert, select

from lpt import settings
from lpt.errors import InputFileError
from lpt.progress import progress_bar
from lpt.store.frames import replace_rows
from lpt.store.schema import (
    ref_boundaries,
    ref_census,
    ref_deprivation,
    ref_districts,
    ref_lsoa11_lsoa21,
    ref_lsoa21,
    ref_postcodes,
    ref_rural_urban,
    reference_imports,
)

__all__ = [
    "DATASETS",
    "IMD2025_DOMAINS",
    "Dataset",
    "DatasetReport",
    "ReferenceReport",
    "import_reference",
    "normalise_postcodes",
]

#: IMD 2025 domains (IMD is the overall index), as named in the file's column prefixes.
IMD2025_DOMAINS = (
    "IMD",
    "Income",
    "Employment",
    "Education",
    "Health",
    "Crime",
    "Housing_and_Services",
    "Environment",
)


@dataclass(frozen=True)
class Dataset:
    """One reference dataset: its files (relative to the raw folder), table and reader.

    ``read`` returns a frame whose columns are the table's (``dataset`` included
    where the table has one).
    """

    name: str
    files: tuple[str, ...]
    table: Table
    read: Callable[[Sequence[Path]], pd.DataFrame]


@dataclass
class DatasetReport:
    """What one dataset's import did: ``status`` is imported, unchanged or failed."""

    dataset: str
    status: str
    rows: int = 0
    error: str | None = None


@dataclass
class ReferenceReport:
    """Reports of every dataset of one ``lpt ingest reference``."""

    datasets: list[DatasetReport] = field(default_factory=list)

    @property
    def failed(self) -> list[DatasetReport]:
        return [d for d in self.datasets if d.error]

    def as_dict(self) -> dict:
        """The ``--json`` shape: rows stored by this run, then one object per dataset."""
        imported = sum(d.rows for d in self.datasets if d.status == "imported")
        return {"rows_imported": imported, "datasets": [asdict(d) for d in self.datasets]}


def import_reference(
    engine: Engine, folder: str | Path | None = None, *, progress: bool | None = None
) -> ReferenceReport:
    """Import every dataset of :data:`DATASETS` found under ``folder`` (default: the raw folder)."""
    folder = Path(folder) if folder is not None else settings.raw_dir()
    report = ReferenceReport()
    for dataset in progress_bar(DATASETS, "Importing reference data", "dataset", progress):
        report.datasets.append(_import_dataset(engine, dataset, [folder / f for f in dataset.files]))
    return report


def _import_dataset(engine: Engine, dataset: Dataset, paths: list[Path]) -> DatasetReport:
    try:
        fingerprint = _fingerprint(paths)
        with engine.connect() as connection:
            stored = connection.execute(
                select(reference_imports.c.fingerprint, reference_imports.c.rows).where(
                    reference_imports.c.dataset == dataset.name
                )
            ).first()
        if stored is not None and stored.fingerprint == fingerprint:
            return DatasetReport(dataset.name, "unchanged", stored.rows)
        frame = dataset.read(paths)
        _check_unique(frame, dataset.table, paths[0])
    except InputFileError as exc:
        return DatasetReport(dataset.name, "failed", error=str(exc))
    table = dataset.table
    with engine.begin() as connection:
        rows = replace_rows(
            connection, table, frame, table.c.dataset == dataset.name if "dataset" in table.c else True
        )
        connection.execute(delete(reference_imports).where(reference_imports.c.dataset == dataset.name))
        connection.execute(
            insert(reference_imports).values(
                dataset=dataset.name,
                source_paths=json.dumps([str(p) for p in paths]),
                fingerprint=fingerprint,
                rows=rows,
                imported_at=datetime.now(UTC),
            )
        )
    return DatasetReport(dataset.name, "imported", rows)


def _check_unique(frame: pd.DataFrame, table: Table, path: Path) -> None:
    """Refuse a release that repeats a key, rather than fail inside the database."""
    key = [c.name for c in table.primary_key.columns]
    repeated = frame.duplicated(key)
    if repeated.any():
        values = frame.loc[repeated, key].iloc[0].tolist()
        raise InputFileError(path, f"{', '.join(key)} {', '.join(map(str, values))} appears more than once")


def _fingerprint(paths: Sequence[Path]) -> str:
    digest = hashlib.sha256()
    for path in paths:
        try:
            digest.update(path.read_bytes())
        except OSError as exc:
            raise InputFileError(path, f"cannot read file: {exc.strerror or exc}") from None
    return digest.hexdigest()


# --- Readers: checked columns, typed values, errors naming file, line and field ---


def _read_csv(path: Path, columns: Sequence[str]) -> pd.DataFrame:
    """All values as text (empty string when blank); ``columns`` must be in the header."""
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (UnicodeDecodeError, pd.errors.ParserError, EOFError, OSError) as exc:
        raise InputFileError(path, f"not a readable CSV file ({exc})") from None
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InputFileError(path, f"missing column(s) {', '.join(map(repr, missing))}", 1)
    return frame


def _required(frame: pd.DataFrame, column: str, path: Path) -> pd.Series:
    """A text column that must be filled on every row."""
    values = frame[column].str.strip()
    _fail_at(values == "", frame, column, path, "empty")
    return values


def _numbers(frame: pd.DataFrame, column: str, path: Path, *, whole: bool = True) -> pd.Series:
    """A numeric column; thousands commas (IMD 2019's "29,199") are allowed."""
    text = frame[column].str.strip().str.replace(",", "", regex=False)
    values = pd.to_numeric(text.mask(text == ""), errors="coerce")
    bad = values.isna()
    if whole:
        bad |= values.notna() & (values % 1 != 0)
    _fail_at(bad, frame, column, path, "not a whole number" if whole else "not a number")
    return values.astype("Int64") if whole else values


def _fail_at(bad: pd.Series, frame: pd.DataFrame, column: str, path: Path, problem: str) -> None:
    """Raise for the first ``bad`` row; frames keep read_csv's index, so label + 2 is the file line."""
    if bad.any():
        label = bad[bad].index[0]
        value = frame.at[label, column]
        raise InputFileError(path, f"field {column!r}: {problem}: {value!r}", int(label) + 2)


def _table(path: Path, columns: dict[str, str], numeric: Sequence[str] = ()) -> pd.DataFrame:
    """Required columns of a CSV file renamed by ``columns`` (file name -> store name)."""
    return _typed(_read_csv(path, list(columns)), path, columns, numeric)


def _typed(
    frame: pd.DataFrame, path: Path, columns: dict[str, str], numeric: Sequence[str] = ()
) -> pd.DataFrame:
    """Required text columns renamed by ``columns``; those in ``numeric`` as whole numbers."""
    return pd.DataFrame(
        {
            store: _numbers(frame, source, path) if source in numeric else _required(frame, source, path)
            for source, store in columns.items()
        }
    )


def _renamed(columns: dict[str, str]) -> Callable[[Sequence[Path]], pd.DataFrame]:
    """Reader of a CSV file whose required text columns are renamed by ``columns``."""
    return lambda paths: _table(paths[0], columns)


def _code_and_name(**levels: str) -> dict[str, str]:
    """Columns ``<level>_code`` and ``<level>_name`` of each file level, renamed to the store's level."""
    return {
        f"{file}_{part}": f"{store}_{part}" for file, store in levels.items() for part in ("code", "name")
    }


def _read_lsoa11_lookup(paths: Sequence[Path]) -> pd.DataFrame:
    frame = _table(
        paths[0], {"lsoa11_code": "lsoa11_code", "lsoa21_code": "lsoa21_code", "change_code": "change_code"}
    )
    _fail_at(~frame["change_code"].isin(list("USMX")), frame, "change_code", paths[0], "not U, S, M or X")
    return frame.drop_duplicates(["lsoa11_code", "lsoa21_code"])


def _read_imd2019(paths: Sequence[Path]) -> pd.DataFrame:
    """MHCLG File 1: overall IMD rank and decile on LSOA 2011; no scores."""
    frame = _table(
        paths[0],
        {
            "LSOA code (2011)": "lsoa_code",
            "Index of Multiple Deprivation (IMD) Rank": "rank",
            "Index of Multiple Deprivation (IMD) Decile": "decile",
        },
        numeric=("Index of Multiple Deprivation (IMD) Rank", "Index of Multiple Deprivation (IMD) Decile"),
    )
    return frame.assign(dataset="imd2019", domain="IMD", score=None)


def _read_imd2025(paths: Sequence[Path]) -> pd.DataFrame:
    """IoD 2025: score, rank and decile of the IMD and its 7 domains on LSOA 2021, one row per domain."""
    path = paths[0]
    wide = _read_csv(
        path, ["lsoa21_code", *(f"{d}_{m}" for d in IMD2025_DOMAINS for m in ("score", "rank", "decile"))]
    )
    codes = _required(wide, "lsoa21_code", path)
    parts = [
        pd.DataFrame(
            {
                "lsoa_code": codes,
                "domain": domain,
                "score": _numbers(wide, f"{domain}_score", path, whole=False),
                "rank": _numbers(wide, f"{domain}_rank", path),
                "decile": _numbers(wide, f"{domain}_decile", path),
            }
        )
        for domain in IMD2025_DOMAINS
    ]
    return pd.concat(parts, ignore_index=True).assign(dataset="imd2025")


def _census(name: str, category: str, total: str) -> Callable[[Sequence[Path]], pd.DataFrame]:
    """Reader of a long census table: (lsoa21_code, category, n, total) per row."""

    def read(paths: Sequence[Path]) -> pd.DataFrame:
        frame = _table(
            paths[0],
            {"lsoa21_code": "lsoa_code", category: "category", "n": "n", total: "total"},
            numeric=("n", total),
        )
        return frame.assign(dataset=name)

    return read


def _read_population(paths: Sequence[Path]) -> pd.DataFrame:
    """Mid-2020 population by single year of age (LSOA 2011), melted to one row per age."""
    path = paths[0]
    wide = _read_csv(path, ["lsoa11_code", "total_population"])
    ages = [c for c in wide.columns if c not in ("lsoa11_name", "lsoa11_code", "total_population")]
    if not ages:
        raise InputFileError(path, "no single-year-of-age columns", 1)
    counts = pd.DataFrame({age: _numbers(wide, age, path) for age in ages})
    counts["lsoa_code"] = _required(wide, "lsoa11_code", path)
    counts["total"] = _numbers(wide, "total_population", path)
    long = counts.melt(id_vars=["lsoa_code", "total"], var_name="category", value_name="n")
    return long.assign(dataset="population_age_mid2020")


def _read_boundaries(name: str, code: str, label: str) -> Callable[[Sequence[Path]], pd.DataFrame]:
    """Reader of a GeoJSON boundary layer: (code, name, WKB geometry in EPSG:4326)."""

    def read(paths: Sequence[Path]) -> pd.DataFrame:
        path = paths[0]
        try:
            layer = gpd.read_file(path, engine="pyogrio")
        except (DataSourceError, DataLayerError, CRSError, OSError) as exc:
            raise InputFileError(path, f"not a readable boundary file ({exc})") from None
        missing = [c for c in (code, label) if c not in layer.columns]
        if missing:
            raise InputFileError(path, f"missing propert(ies) {', '.join(map(repr, missing))}")
        checks = [
            (f"property {c!r} missing or empty", layer[c].isna() | (layer[c] == "")) for c in (code, label)
        ]
        geometry = layer.geometry
        checks.append(
            ("missing or invalid geometry", geometry.isna() | geometry.is_empty | ~geometry.is_valid)
        )
        for problem, bad in checks:
            if bad.any():
                raise InputFileError(path, f"feature {int(bad.to_numpy().argmax()) + 1}: {problem}")
        layer = layer.to_crs(4326)
        return pd.DataFrame(
            {"dataset": name, "code": layer[code], "name": layer[label], "geometry": layer.geometry.to_wkb()}
        )

    return read


def normalise_postcodes(values: pd.Series) -> pd.Series:
    """Postcodes in one form, 'HU1 1AA': upper case, one space before the 3-character incode."""
    compact = values.str.upper().str.replace(r"\s+", "", regex=True)
    return compact.str[:-3] + " " + compact.str[-3:]


def _read_postcodes(paths: Sequence[Path]) -> pd.DataFrame:
    """Code-Point Open positions of live postcodes, with the ONS LSOA 2011 and large-user mark.

    ONS ``usertype`` 1 is a large user (business); postcodes missing from the
    ONS lookup (newer than it) get NULL LSOA and NULL mark.
    """
    codepoint_path, ons_path = paths
    codepoint = _read_csv(codepoint_path, ["Postcode", "Admin_district_code"])
    points = _typed(
        codepoint,
        codepoint_path,
        {
            "Postcode": "postcode",
            "Positional_quality_indicator": "positional_quality",
            "Eastings": "easting",
            "Northings": "northing",
        },
        numeric=("Positional_quality_indicator", "Eastings", "Northings"),
    )
    points["postcode"] = normalise_postcodes(points["postcode"])
    points["district_code"] = codepoint["Admin_district_code"].str.strip().replace("", None)
    lon, lat = Transformer.from_crs(27700, 4326, always_xy=True).transform(
        points["easting"].to_numpy(float), points["northing"].to_numpy(float)
    )
    points["longitude"], points["latitude"] = lon.round(6), lat.round(6)

    ons = _read_csv(ons_path, ["pcds", "doterm", "usertype", "lsoa11cd"])
    live = ons[ons["doterm"].str.strip() == ""]
    usertype = _numbers(live, "usertype", ons_path)
    _fail_at(~usertype.isin([0, 1]), live, "usertype", ons_path, "not 0 or 1")
    ons_rows = pd.DataFrame(
        {
            "postcode": normalise_postcodes(live["pcds"]),
            "lsoa11_code": live["lsoa11cd"].str.strip().replace("", None),
            "is_large_user": usertype == 1,
        }
    ).drop_duplicates("postcode")
    return points.drop_duplicates("postcode").merge(ons_rows, on="postcode", how="left")


#: Every reference dataset, in import order. Paths are relative to the raw folder.
DATASETS: tuple[Dataset, ...] = (
    Dataset(
        "lsoa21_ward_district",
        ("geography/lookup_lsoa21_ward24_ltla24.csv.gz",),
        ref_lsoa21,
        _renamed(_code_and_name(lsoa21="lsoa21", ward24="ward", ltla24="district")),
    ),
    Dataset(
        "district_csp_force",
        ("geography/lookup_ltla24_csp24_pfa24.csv",),
        ref_districts,
        _renamed(_code_and_name(ltla24="district", csp24="csp", pfa24="pfa")),
    ),
    Dataset(
        "lsoa11_lsoa21",
        ("geography/lookup_lsoa11_lsoa21_ltla22.csv.gz",),
        ref_lsoa11_lsoa21,
        _read_lsoa11_lookup,
    ),
    Dataset(
        "lsoa21_boundaries",
        ("geography/lsoa21_humberside.geojson",),
        ref_boundaries,
        _read_boundaries("lsoa21_boundaries", "lsoa21_code", "lsoa21_name"),
    ),
    Dataset(
        "ward_boundaries",
        ("geography/wards_dec2023_humberside.geojson",),
        ref_boundaries,
        _read_boundaries("ward_boundaries", "WD23CD", "WD23NM"),
    ),
    Dataset(
        "rural_urban",
        ("geography/ruc21_lsoa21.csv.gz",),
        ref_rural_urban,
        _renamed({c: c for c in ("lsoa21_code", "ruc21_code", "classification", "ruc")}),
    ),
    Dataset(
        "imd2019",
        ("deprivation/IMD2019_File_1_Index_of_Multiple_Deprivation.csv.gz",),
        ref_deprivation,
        _read_imd2019,
    ),
    Dataset("imd2025", ("deprivation/imd2025_england_lsoa21.csv.gz",), ref_deprivation, _read_imd2025),
    *(
        Dataset(name, (f"census/{file}",), ref_census, _census(name, category, total))
        for name, file, category, total in (
            ("ethnic_group_2021", "ethnicity21_lsoa21_humberside.csv", "ethnic_group", "total_residents"),
            ("tenure_2021", "household_tenure21_lsoa21_humberside.csv", "tenure", "total_households"),
            (
                "household_deprivation_2021",
                "household_deprivation21_lsoa21_humberside.csv",
                "deprivation_dimensions",
                "total_households",
            ),
            ("disability_2021", "disability21_lsoa21_ew_humberside.csv", "disability", "total_residents"),
        )
    ),
    Dataset(
        "population_age_mid2020",
        ("census/population20_lsoa11_humberside.csv",),
        ref_census,
        _read_population,
    ),
    Dataset(
        "postcodes",
        (
            "postcodes/codepoint_open_2025-04_hu_dn_yo.csv.gz",
            "postcodes/ons_pcd_oa_lsoa_msoa_lad_may22_hu_dn_yo.csv.gz",
        ),
        ref_postcodes,
        _read_postcodes,
    ),
)
