"""Rules as data: a street's reasons become recommended actions.

The rules live in ``actions.toml`` beside this module (its header documents the
fields), so an analyst changes what LPT recommends by editing a reviewed file,
not code branches. :func:`load_rules` checks the file and names the rule and
field of any mistake; :func:`actions_for` applies the rules to one street's
reasons (as the scorer gives them: ``{"kind", "text", "strength", "figures"}``)
and is pure.
"""

from __future__ import annotations

import math
import re
import string
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from lpt.errors import LPTError
from lpt.vocab import TOPIC_LABELS

__all__ = [
    "FollowUp",
    "REASON_KINDS",
    "Rule",
    "Rules",
    "RulesError",
    "WHO",
    "actions_for",
    "fill",
    "load_rules",
]

#: Kinds of reason the scorer gives (lpt.priorities.score).
REASON_KINDS = ("expected_harm", "crime_rise", "public_concern", "confidence_gap", "engagement_gap", "vulnerability")
#: Who an action may name.
WHO = ("officer", "supervisor", "analyst", "partners")
RULES_FILE = Path(__file__).with_name("actions.toml")

_ID = re.compile(r"[a-z][a-z0-9_]{0,59}")
_RULE_KEYS = {"id", "when", "action", "who", "priority", "defaults"}
_FOLLOW_UP_KEYS = {"id", "after", "action", "who", "priority", "defaults"}
_WHEN_KEYS = {"kind", "min_strength", "figure_min", "figure_max", "figure_in"}


class RulesError(LPTError):
    """The rules file is wrong: names the file, the rule and the field."""


@dataclass(frozen=True)
class Rule:
    """One rule: reasons of ``kinds`` (meeting the conditions) call for ``action`` by ``who``."""

    id: str
    kinds: tuple[str, ...]
    action: str
    who: str
    priority: int
    min_strength: float = 0.0
    figure_min: Mapping[str, float] = field(default_factory=dict)
    figure_max: Mapping[str, float] = field(default_factory=dict)
    figure_in: Mapping[str, tuple] = field(default_factory=dict)
    defaults: Mapping[str, Any] = field(default_factory=dict)

    def matches(self, reason: Mapping) -> bool:
        """Whether ``reason`` is of this rule's kinds and meets its strength and figure conditions."""
        figures = reason.get("figures") or {}
        if reason.get("kind") not in self.kinds or float(reason.get("strength", 0.0)) < self.min_strength:
            return False
        for name, low in self.figure_min.items():
            if not _number(figures.get(name)) or figures[name] < low:
                return False
        for name, high in self.figure_max.items():
            if not _number(figures.get(name)) or figures[name] > high:
                return False
        return all(figures.get(name) in allowed for name, allowed in self.figure_in.items())


@dataclass(frozen=True)
class FollowUp:
    """An action proposed when an action answering a reason of kind ``after`` is done."""

    id: str
    after: str
    action: str
    who: str
    priority: int
    defaults: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Rules:
    """The checked rules file: rules and follow-ups."""

    rules: tuple[Rule, ...]
    follow_ups: tuple[FollowUp, ...]
    path: str = ""

    def rule(self, rule_id: str) -> Rule | FollowUp | None:
        """The rule or follow-up called ``rule_id``."""
        return next((r for r in (*self.rules, *self.follow_ups) if r.id == rule_id), None)


@cache
def _default_rules() -> Rules:
    return load_rules(RULES_FILE)


def load_rules(path: str | Path | None = None) -> Rules:
    """The rules of ``path`` (default: the bundled ``actions.toml``), checked; RulesError names what is wrong."""
    if path is None:
        return _default_rules()
    path = Path(path)
    try:
        table = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise RulesError(f"{path}: cannot read the rules file: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise RulesError(f"{path}: not valid TOML: {exc}") from None
    unknown = set(table) - {"rule", "follow_up"}
    if unknown:
        raise RulesError(f"{path}: unknown section {sorted(unknown)[0]!r}: use [[rule]] and [[follow_up]]")
    if not isinstance(table.get("rule", []), list) or not isinstance(table.get("follow_up", []), list):
        raise RulesError(f"{path}: rules are [[rule]] and [[follow_up]] tables")
    rules = tuple(_rule(path, n, item) for n, item in enumerate(table.get("rule", []), 1))
    follow_ups = tuple(_follow_up(path, n, item) for n, item in enumerate(table.get("follow_up", []), 1))
    if not rules:
        raise RulesError(f"{path}: no [[rule]] in the file")
    seen: set[str] = set()
    for item in (*rules, *follow_ups):
        if item.id in seen:
            raise RulesError(f"{path}: rule {item.id!r}: field 'id': used by more than one rule")
        seen.add(item.id)
    return Rules(rules, follow_ups, str(path))


def actions_for(street: Mapping, reasons: Sequence[Mapping], rules: Rules | None = None) -> list[dict]:
    """The recommended actions for one street, most urgent first.

    ``street`` carries at least ``ward_code``, ``lsoa21_code`` and ``street_name``; ``reasons`` are the
    scorer's. Each action is ``{"rule_id", "action", "who", "priority", "reason_kinds", "reasons"}``:
    ``reason_kinds`` and ``reasons`` are the reasons the rule matched (links back). One action per
    rule, filled from the strongest matching reason; identical action texts are merged. Ordered by
    priority, then by strength of reason, then rule ID.
    """
    rules = rules or load_rules()
    found: dict[str, dict] = {}
    for rule in rules.rules:
        matched = sorted(
            (r for r in reasons if rule.matches(r)), key=lambda r: -float(r.get("strength", 0.0))
        )
        # the strongest reason whose own figures fill the template, else the strongest the defaults complete
        filled = [(r, fill(rule, {**street, **(r.get("figures") or {})}, defaults=False)) for r in matched]
        filled += [(r, fill(rule, {**street, **(r.get("figures") or {})})) for r in matched]
        for reason, text in filled:
            if text is not None:
                found[rule.id] = {
                    "rule_id": rule.id,
                    "action": text,
                    "who": rule.who,
                    "priority": rule.priority,
                    "strength": float(reason.get("strength", 0.0)),
                    "reason_kinds": sorted({r["kind"] for r in matched}),
                    "reasons": [dict(r) for r in matched],
                }
                break
    merged: dict[str, dict] = {}
    for action in sorted(found.values(), key=lambda a: (a["priority"], -a["strength"], a["rule_id"])):
        same = merged.get(action["action"])
        if same is None:
            merged[action["action"]] = action
        else:  # two rules saying the same thing: keep the first, link every reason
            same["reason_kinds"] = sorted({*same["reason_kinds"], *action["reason_kinds"]})
            same["reasons"] += [r for r in action["reasons"] if r not in same["reasons"]]
    return [{k: v for k, v in a.items() if k != "strength"} for a in merged.values()]


def fill(rule: Rule | FollowUp, values: Mapping[str, Any], *, defaults: bool = True) -> str | None:
    """The rule's action text with ``values`` (then the rule's defaults); None when a placeholder has neither.

    A ``topic`` value also gives ``topic_label``, its words (``litter_flytipping``: litter and fly-tipping).
    """
    given = {**(rule.defaults if defaults else {}), **{k: v for k, v in values.items() if v is not None}}
    if isinstance(given.get("topic"), str) and "topic_label" not in values:
        given["topic_label"] = TOPIC_LABELS.get(given["topic"], given["topic"].replace("_", " "))
    names = _placeholders(rule.action)
    if any(name not in given for name in names):
        return None
    try:
        return rule.action.format_map({name: _shown(given[name]) for name in names})
    except (ValueError, TypeError) as exc:
        raise RulesError(f"rule {rule.id!r}: field 'action': cannot fill the template: {exc}") from None


def _shown(value: Any) -> Any:
    """Numbers as people read them: at most one decimal, 12.0 as 12."""
    if isinstance(value, float) and math.isfinite(value):
        value = round(value, 1)
        return int(value) if value.is_integer() else value
    return value


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _placeholders(template: str) -> list[str]:
    return [name for _, name, _, _ in string.Formatter().parse(template) if name is not None]


# --- checking the file ----------------------------------------------------------


def _common(path: Path, n: int, item: Any, section: str, keys: set[str]) -> tuple[str, Any]:
    """Checks shared by rules and follow-ups; returns the ID and a function raising errors about it."""
    if not isinstance(item, dict):
        raise RulesError(f"{path}: {section} {n} is not a table")
    rule_id = item.get("id")
    if not isinstance(rule_id, str) or not _ID.fullmatch(rule_id):
        raise RulesError(f"{path}: {section} {n}: field 'id': needs a short name of lower-case letters, digits and _")

    def error(name: str, message: str) -> RulesError:
        return RulesError(f"{path}: rule {rule_id!r}: field {name!r}: {message}")

    unknown = set(item) - keys
    if unknown:
        raise error(sorted(unknown)[0], f"unknown field (known: {', '.join(sorted(keys))})")
    for name in ("action", "who", "priority"):
        if name not in item:
            raise error(name, "missing")
    action = item["action"]
    if not isinstance(action, str) or not action.strip():
        raise error("action", "needs a text")
    try:
        names = _placeholders(action)
    except ValueError as exc:
        raise error("action", f"bad template: {exc}") from None
    bad = [name for name in names if not name.isidentifier()]
    if bad:
        raise error("action", f"placeholder {{{bad[0]}}} is not a plain name")
    if item["who"] not in WHO:
        raise error("who", f"{item['who']!r} is not one of {', '.join(WHO)}")
    if not isinstance(item["priority"], int) or isinstance(item["priority"], bool) or item["priority"] < 1:
        raise error("priority", "needs a whole number from 1 (first)")
    if not isinstance(item.get("defaults", {}), dict):
        raise error("defaults", "needs a table, e.g. { crime_type = \"crime\" }")
    return rule_id, error


def _rule(path: Path, n: int, item: Any) -> Rule:
    rule_id, error = _common(path, n, item, "rule", _RULE_KEYS)
    when = item.get("when")
    if not isinstance(when, dict):
        raise error("when", "missing: needs a table, e.g. { kind = \"engagement_gap\" }")
    unknown = set(when) - _WHEN_KEYS
    if unknown:
        raise error(f"when.{sorted(unknown)[0]}", f"unknown condition (known: {', '.join(sorted(_WHEN_KEYS))})")
    kinds = when.get("kind")
    kinds = (kinds,) if isinstance(kinds, str) else tuple(kinds) if isinstance(kinds, list) else ()
    if not kinds or any(kind not in REASON_KINDS for kind in kinds):
        raise error("when.kind", f"needs one or more of {', '.join(REASON_KINDS)}, not {when.get('kind')!r}")
    strength = when.get("min_strength", 0.0)
    if not _number(strength) or not 0 <= strength <= 1:
        raise error("when.min_strength", f"needs a number from 0 to 1, not {strength!r}")
    bounds = {}
    for name in ("figure_min", "figure_max", "figure_in"):
        value = when.get(name, {})
        ok = isinstance(value, dict) and all(
            isinstance(v, list) if name == "figure_in" else _number(v) for v in value.values()
        )
        if not ok:
            example = "{ topic = [\"drugs\"] }" if name == "figure_in" else "{ change_pct = 20 }"
            raise error(f"when.{name}", f"needs a table of figures, e.g. {example}")
        bounds[name] = {k: tuple(v) for k, v in value.items()} if name == "figure_in" else dict(value)
    return Rule(
        rule_id, kinds, item["action"], item["who"], item["priority"], float(strength),
        bounds["figure_min"], bounds["figure_max"], bounds["figure_in"], dict(item.get("defaults", {})),
    )


def _follow_up(path: Path, n: int, item: Any) -> FollowUp:
    rule_id, error = _common(path, n, item, "follow_up", _FOLLOW_UP_KEYS)
    if item.get("after") not in REASON_KINDS:
        raise error("after", f"needs one of {', '.join(REASON_KINDS)}, not {item.get('after')!r}")
    return FollowUp(rule_id, item["after"], item["action"], item["who"], item["priority"], dict(item.get("defaults", {})))
