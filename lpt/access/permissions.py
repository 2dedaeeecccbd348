"""Permissions as data: which role may take which action, over which area, seeing what.

The table lives in ``permissions.toml`` beside this module, so a force changes
who sees what by editing data that is reviewed like code, not by finding
``if role == ...`` branches.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

__all__ = ["ROLES", "SCOPES", "VIEWS", "Grant", "grant", "permissions"]

ROLES = ("officer", "supervisor", "analyst", "evaluator", "admin")
SCOPES = ("own_area", "force")
VIEWS = ("full", "pseudonymised", "aggregate", "statistics", "admin")
_FILE = Path(__file__).with_name("permissions.toml")


@dataclass(frozen=True)
class Grant:
    """What a role may do for one action: over which ``scope`` and with which ``view`` of the data."""

    role: str
    action: str
    scope: str
    view: str


@cache
def permissions(path: Path = _FILE) -> dict[tuple[str, str], Grant]:
    """Every grant of the permissions file, keyed by (role, action); checked on load."""
    table = tomllib.loads(path.read_text())
    grants = {}
    for role, actions in table.items():
        if role not in ROLES:
            raise ValueError(f"{path}: unknown role {role!r}")
        for action, rule in actions.items():
            if rule.get("scope") not in SCOPES or rule.get("view") not in VIEWS:
                raise ValueError(f"{path}: {role}.{action} needs scope in {SCOPES} and view in {VIEWS}")
            grants[(role, action)] = Grant(role, action, rule["scope"], rule["view"])
    return grants


def grant(role: str, action: str) -> Grant | None:
    """The grant of ``action`` to ``role``, or None when the role may not take it."""
    return permissions().get((role, action))
