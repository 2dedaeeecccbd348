"""Column checks for record files, vectorised over a column of strings.

A :class:`Field` turns the raw text of one column into the reason each value
is unacceptable ('' where it is fine) and into the value to store, so an
importer can say file, line, field and reason for every rejected row.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import pandas as pd

__all__ = [
    "Field",
    "text",
    "choice",
    "choices",
    "date",
    "integer",
    "pattern",
    "postcode",
    "POSTCODE_RE",
    "first_problem",
]

#: UK postcode (upper case, optional single space before the 3-character incode).
POSTCODE_RE = r"^[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}$"

Check = Callable[[pd.Series], pd.Series]


@dataclass(frozen=True)
class Field:
    """One column: how to check it (reasons, '' if fine) and what to store (``None`` for blank)."""

    name: str
    check: Check
    convert: Callable[[pd.Series], pd.Series]
    required: bool = True

    def problems(self, values: pd.Series) -> pd.Series:
        """Reason per value, '' where fine; blanks are fine only when the field is optional."""
        blank = values.str.strip() == ""
        reasons = pd.Series("", index=values.index)
        reasons[~blank] = self.check(values[~blank].str.strip())
        if self.required:
            reasons[blank] = "empty"
        return reasons

    def values(self, values: pd.Series) -> pd.Series:
        """Stored values of (checked) raw text, blanks as None."""
        stripped = values.str.strip()
        converted = self.convert(stripped).astype(object)
        return converted.where(stripped != "", None)


def _reason_where(bad: pd.Series, reason: Callable[[pd.Series], pd.Series] | str, values: pd.Series) -> pd.Series:
    out = pd.Series("", index=values.index, dtype=object)
    if bad.any():
        out[bad] = reason(values[bad]) if callable(reason) else reason
    return out


def _same(values: pd.Series) -> pd.Series:
    return values


def text(name: str, *, max_length: int = 200, required: bool = True) -> Field:
    """Free text up to ``max_length`` characters."""
    def check(values: pd.Series) -> pd.Series:
        return _reason_where(values.str.len() > max_length, f"longer than {max_length} characters", values)

    return Field(name, check, _same, required)


def pattern(name: str, regex: str, description: str, *, required: bool = True) -> Field:
    """Text matching ``regex``."""
    def check(values: pd.Series) -> pd.Series:
        bad = ~values.str.fullmatch(regex)
        return _reason_where(bad, lambda b: f"not {description}: " + b.str[:40].map(repr), values)

    return Field(name, check, _same, required)


def choice(name: str, allowed: Iterable[str], *, required: bool = True) -> Field:
    """One of a fixed set of values."""
    allowed = tuple(allowed)
    listed = ", ".join(allowed)

    def check(values: pd.Series) -> pd.Series:
        return _reason_where(~values.isin(allowed), lambda b: b.str[:40].map(repr) + f" is not one of {listed}", values)

    return Field(name, check, _same, required)


def choices(name: str, allowed: Iterable[str], *, separator: str = ";", required: bool = False) -> Field:
    """Several values of a fixed set, separated by ``separator``; stored sorted and de-duplicated."""
    allowed = frozenset(allowed)

    def unknown(value: str) -> str:
        wrong = sorted({p.strip() for p in value.split(separator) if p.strip()} - allowed)
        return f"unknown value {wrong[0]!r}" if wrong else ""

    def canonical(values: pd.Series) -> pd.Series:
        return values.map(lambda s: separator.join(sorted({p.strip() for p in s.split(separator) if p.strip()})))

    return Field(name, lambda v: v.map(unknown), canonical, required)


def date(name: str, *, required: bool = True) -> Field:
    """A calendar date written ``YYYY-MM-DD``."""

    def parse(values: pd.Series) -> pd.Series:
        return pd.to_datetime(values, format="%Y-%m-%d", errors="coerce")

    def check(values: pd.Series) -> pd.Series:
        bad = parse(values).isna() | ~values.str.fullmatch(r"\d{4}-\d{2}-\d{2}")
        return _reason_where(bad, lambda b: "not a date in YYYY-MM-DD form: " + b.str[:40].map(repr), values)

    return Field(name, check, lambda v: parse(v).dt.date, required)


def integer(name: str, low: int, high: int, *, required: bool = True) -> Field:
    """A whole number from ``low`` to ``high``."""

    def check(values: pd.Series) -> pd.Series:
        numbers = pd.to_numeric(values.where(values.str.fullmatch(r"-?\d+"), None), errors="coerce")
        bad = numbers.isna() | (numbers < low) | (numbers > high)
        return _reason_where(bad, lambda b: b.str[:40].map(repr) + f" is not a whole number from {low} to {high}", values)

    return Field(name, check, lambda v: pd.to_numeric(v, errors="coerce").astype("Int64"), required)


def postcode(name: str, *, required: bool = True) -> Field:
    """A UK postcode in any case and spacing; stored as 'HU1 1AA'."""
    def compact(values: pd.Series) -> pd.Series:
        return values.str.upper().str.replace(r"\s+", "", regex=True)

    def check(values: pd.Series) -> pd.Series:
        bad = ~compact(values).str.fullmatch(POSTCODE_RE)
        return _reason_where(bad, lambda b: "not a UK postcode: " + b.str[:40].map(repr), values)

    def normalise(values: pd.Series) -> pd.Series:
        plain = compact(values)
        return plain.str[:-3] + " " + plain.str[-3:]

    return Field(name, check, normalise, required)


def first_problem(fields: Iterable[Field], frame: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """Field name and reason of the first problem in each row ('' where the row is sound)."""
    field_of = pd.Series("", index=frame.index, dtype=object)
    reason_of = pd.Series("", index=frame.index, dtype=object)
    for field in fields:
        reasons = field.problems(frame[field.name])
        new = (reasons != "") & (field_of == "")
        field_of[new] = field.name
        reason_of[new] = reasons[new]
    return field_of, reason_of

