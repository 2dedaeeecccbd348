"""Harm weights per police.uk crime category, and harm-weighted counts.

A count treats a robbery and a shoplifting alike; neighbourhood work aimed by
counts alone drifts towards high-volume, low-harm crime. So LPT shows a
harm-weighted figure beside every count. The weights come from one CSV file:
the bundled ``data/harm_weights.csv`` (Cambridge Crime Harm Index days, see
docs/HARM.md for the derivation and caveats) unless ``LPT_HARM_WEIGHTS`` names
another file, so a force can use its own weights without editing code.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from lpt import settings
from lpt.errors import InputFileError, LPTError

__all__ = [
    "HARM_WEIGHTS_ENV",
    "POLICE_UK_CRIME_TYPES",
    "STATUSES",
    "harm_weights_path",
    "harm_weights",
    "harm_of",
    "count_and_harm",
]

#: Environment variable naming a replacement weights file.
HARM_WEIGHTS_ENV = "LPT_HARM_WEIGHTS"

#: The 14 police.uk street-level categories: a weights file must cover every one.
POLICE_UK_CRIME_TYPES: tuple[str, ...] = (
    "Anti-social behaviour",
    "Bicycle theft",
    "Burglary",
    "Criminal damage and arson",
    "Drugs",
    "Other crime",
    "Other theft",
    "Possession of weapons",
    "Public order",
    "Robbery",
    "Shoplifting",
    "Theft from the person",
    "Vehicle crime",
    "Violence and sexual offences",
)

#: Allowed values of the optional ``status`` column (meanings: docs/HARM.md).
STATUSES: tuple[str, ...] = ("published", "derived", "provisional")

_REQUIRED = ("crime_type", "weight")


def harm_weights_path(path: str | Path | None = None) -> Path:
    """The weights file in force: ``path``, else ``$LPT_HARM_WEIGHTS``, else the bundled file.

    One resolution rule, so the command line and the profiles always agree on
    which weights they used (and can say so).
    """
    return Path(path) if path is not None else settings.harm_weights_file()


def harm_weights(path: str | Path | None = None) -> dict[str, float]:
    """Crime type → non-negative weight, read from the weights file (see :func:`harm_weights_path`).

    The file is CSV with columns ``crime_type`` and ``weight`` (``basis`` and
    ``status`` optional); it must cover all of :data:`POLICE_UK_CRIME_TYPES`
    and may add others (e.g. pre-2013 categories). Every bad row is refused
    with file, line and field, because a silently skipped weight would bias
    every harm figure without anyone noticing.
    """
    source = harm_weights_path(path)
    try:
        with open(source, newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle)
            header = next(reader, None)
            if header is None:
                raise InputFileError(source, "empty file: harm weights need a header row", 1)
            header = [name.strip() for name in header]
            missing = [name for name in _REQUIRED if name not in header]
            if missing:
                message = f"harm weights need columns {', '.join(_REQUIRED)}; missing {', '.join(missing)}"
                raise InputFileError(source, message, 1)
            weights = _read_rows(source, reader, header)
    except FileNotFoundError:
        raise InputFileError(
            source, f"cannot read harm weights: no such file (give another with {HARM_WEIGHTS_ENV} or --harm)"
        ) from None
    except OSError as exc:
        raise InputFileError(source, f"cannot read harm weights: {exc.strerror or exc}") from None
    except (UnicodeDecodeError, csv.Error) as exc:
        raise InputFileError(source, f"cannot read harm weights: {exc}") from None
    absent = [t for t in POLICE_UK_CRIME_TYPES if t not in weights]
    if absent:
        raise InputFileError(source, f"field crime_type: no weight for police.uk categories: {', '.join(absent)}")
    return weights


def _read_rows(source: Path, reader, header: list[str]) -> dict[str, float]:
    """Weights by crime type from the data rows; the first bad row raises with its line."""
    column = {name: header.index(name) for name in header}
    weights: dict[str, float] = {}
    first_line: dict[str, int] = {}
    for fields in reader:
        line = reader.line_num
        if not any(field.strip() for field in fields):
            continue
        if len(fields) != len(header):
            raise InputFileError(source, f"expected {len(header)} fields, found {len(fields)}", line)
        crime_type = fields[column["crime_type"]].strip()
        text = fields[column["weight"]].strip()
        if not crime_type:
            raise InputFileError(source, "field crime_type: empty", line)
        if crime_type in first_line:
            raise InputFileError(
                source, f"field crime_type: duplicate of line {first_line[crime_type]}: {crime_type!r}", line
            )
        try:
            weight = float(text)
        except ValueError:
            weight = math.nan
        if not math.isfinite(weight) or weight < 0:
            raise InputFileError(source, f"field weight: not a non-negative number: {text!r}", line)
        if "status" in column and fields[column["status"]].strip() not in STATUSES:
            status = fields[column["status"]].strip()
            raise InputFileError(source, f"field status: not one of {', '.join(STATUSES)}: {status!r}", line)
        weights[crime_type] = weight
        first_line[crime_type] = line
    return weights


def harm_of(counts: pd.DataFrame, weights: Mapping[str, float] | None = None) -> pd.Series:
    """Harm per row of ``counts`` (one column per crime type): Σ count × weight.

    ``weights`` defaults to :func:`harm_weights`. A column with no weight is an
    error rather than a zero, so a renamed category cannot vanish from the harm.
    """
    weights = harm_weights() if weights is None else weights
    unweighted = [str(c) for c in counts.columns if c not in weights]
    if unweighted:
        raise LPTError(f"harm weights missing for crime types: {', '.join(unweighted)}")
    vector = pd.Series({c: float(weights[c]) for c in counts.columns}, dtype=float)
    return (counts.astype(float) * vector).sum(axis=1).rename("harm")


def count_and_harm(counts: pd.DataFrame, weights: Mapping[str, float] | None = None) -> pd.DataFrame:
    """Count-based and harm-based figures side by side, one row per row of ``counts``.

    Columns ``crimes`` and ``harm`` (totals) and ``crime_share`` and
    ``harm_share`` (each row's share of all rows), because a place can rank
    low by count yet high by harm, and profiles should show both.
    """
    crimes = counts.astype(float).sum(axis=1).rename("crimes")
    harm = harm_of(counts, weights)
    table = pd.concat([crimes, harm], axis=1)
    table["crime_share"] = _share(crimes)
    table["harm_share"] = _share(harm)
    return table


def _share(values: pd.Series) -> pd.Series:
    total = values.sum()
    return values / total if total > 0 else values * 0.0
