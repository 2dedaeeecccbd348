"""Stable pseudonymous IDs for analysts: the same member always gets the same ID, and the ID
cannot be turned back into the member without the deployment's secret key (HMAC-SHA256)."""

from __future__ import annotations

import hashlib
import hmac

import pandas as pd

__all__ = ["pseudonym", "pseudonyms"]

_PREFIX = "P"


def pseudonym(member_id: str, key: bytes) -> str:
    """The pseudonymous ID of one member."""
    return _PREFIX + hmac.new(key, member_id.encode(), hashlib.sha256).hexdigest()[:16]


def pseudonyms(member_ids: pd.Series, key: bytes) -> pd.Series:
    """Pseudonymous IDs of a column of member IDs (missing stays missing)."""
    return member_ids.map(lambda m: None if m is None or pd.isna(m) else pseudonym(m, key))
