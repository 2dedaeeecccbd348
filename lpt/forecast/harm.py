"""Harm weights per police.uk crime type, read from a CSV file."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from lpt.errors import InputFileError

__all__ = ["read_harm_weights"]


def read_harm_weights(path: str | Path) -> dict[str, float]:
    """Crime type → weight from a CSV with columns ``crime_type`` and ``weight`` (non-negative numbers)."""
    try:
        table = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (OSError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise InputFileError(path, f"cannot read harm weights: {exc}") from None
    if not {"crime_type", "weight"} <= set(table.columns):
        raise InputFileError(path, "harm weights need columns crime_type and weight", 1)
    weights: dict[str, float] = {}
    for line, (crime_type, text) in enumerate(zip(table["crime_type"], table["weight"]), start=2):
        try:
            weight = float(text)
        except ValueError:
            weight = math.nan
        if not math.isfinite(weight) or weight < 0:
            raise InputFileError(path, f"field weight: not a non-negative number: {text!r}", line)
        weights[crime_type] = weight
    return weights
