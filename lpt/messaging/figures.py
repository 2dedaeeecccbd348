"""Figures a message to residents may quote: what residents told us, and what police did about it.

Residents receive these, so every figure comes from the access-checked functions the reports
use, with the **public** disclosure rule (lpt.insight.profile.area_profile with
``Audience.PUBLIC``: counts below 10 hidden, the rest rounded to 5, no shares on fewer than 10
answers), and a hidden figure reads as a phrase ("not enough answers yet"), never as a number.
What police did comes from the action record (lpt.priorities.lifecycle.done_actions) in words
meant for the public: no notes, no internal figures, no street outside the audience's own, and
nothing about safeguarding.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date

import pandas as pd
from sqlalchemy import Engine, select

from lpt.access.guard import Area, User
from lpt.disclosure import Audience
from lpt.errors import LPTError
from lpt.insight.profile import area_profile
from lpt.priorities.lifecycle import done_actions
from lpt.store.schema import insight_lsoa
from lpt.vocab import TOPIC_LABELS

__all__ = ["FIGURES", "HIDDEN", "NONE_DONE", "PUBLIC_WORDS", "message_figures"]

#: The placeholders a message may use, e.g. ``{top_concern}``.
FIGURES = ("area_name", "period", "responses", "top_concern", "top_concern_pct", "confident_pct", "done_actions")
#: What a figure hidden by disclosure control reads as.
HIDDEN = "not enough answers yet"
NONE_DONE = "no actions recorded in the last three months"
#: How each action rule (lpt/priorities/actions.toml) is told to residents; None: never told publicly
#: (it could point at vulnerable residents). Rules not listed (follow-ups such as feedback messages)
#: are not told either. ``{topic}`` is the residents' concern, ``{crime}`` the crime type.
PUBLIC_WORDS: dict[str, str | None] = {
    "harm_supervisor_plan": "a problem-solving plan against {crime}",
    "patrol_top_crime": "patrols and problem-solving against {crime}",
    "partners_persistent_concern": "joint work with the council and housing on {topic}",
    "officer_answer_concern": "action on residents' concern about {topic}",
    "key_contacts_confidence": "meetings with community contacts and groups",
    "door_knock_registration": "door-knocking to invite residents to join the scheme",
    "safeguarding_vulnerability": None,
}
_LISTED = 5  # actions told at most
_MONTHS = 3  # how far back "what we did" goes


def message_figures(
    engine: Engine,
    caller: User,
    area: Area,
    *,
    purpose: str,
    streets: Collection[tuple[str, str]] | None = None,
    today: date | None = None,
) -> dict[str, str]:
    """The text of every placeholder of :data:`FIGURES` for ``area`` (a force, district or ward).

    ``area_name``; ``period`` the profile's twelve months ("April 2024 to March 2025");
    ``responses`` survey answers in it; ``top_concern`` residents' most chosen priority and
    ``top_concern_pct`` its share; ``confident_pct`` the share confident in local police;
    ``done_actions`` a short list ("- June 2025: patrols and problem-solving against burglary in
    Mill Lane") of actions done in the three months to ``today``. Street names appear only for
    ``streets`` ((LSOA, street) keys) when given, else for any street of the area. Needs the
    caller's ``area_profile`` and ``manage_actions`` grants over the area.
    """
    level, code = _profiled(engine, area)
    profile = area_profile(engine, caller, level, code, purpose=purpose, audience=Audience.PUBLIC)
    summary = profile.summary
    concern, share = _top_concern(profile.priorities)
    since = (pd.Timestamp(today or date.today()) - pd.DateOffset(months=_MONTHS)).date()
    done = done_actions(engine, caller, area=Area(level, code), since=since, purpose=purpose)
    return {
        "area_name": profile.name,
        "period": f"{_month(profile.start)} to {_month(profile.end)}",
        "responses": HIDDEN if summary["responses"] is None else f"{summary['responses']:,}",
        "top_concern": concern,
        "top_concern_pct": share,
        "confident_pct": _percent(summary["confident_pct"]),
        "done_actions": _told(done, streets),
    }


def _profiled(engine: Engine, area: Area) -> tuple[str, str]:
    """The profile level and code of ``area``; the force without a code is the store's one force area."""
    if area.level not in ("force", "district", "ward"):
        raise LPTError(f"message figures are for a force, district or ward, not a {area.level}")
    if area.code is not None:
        return area.level, area.code
    with engine.connect() as connection:
        forces = connection.execute(select(insight_lsoa.c.pfa_code).distinct().where(insight_lsoa.c.pfa_code.is_not(None))).scalars().all()
    if len(forces) != 1:
        raise LPTError(f"the store holds {len(forces)} force areas: name one for the figures (force codes)")
    return "force", forces[0]


def _top_concern(priorities: pd.DataFrame) -> tuple[str, str]:
    """Residents' most chosen topic (ties named together) and its share, or the hidden phrase."""
    shown = priorities[priorities["respondents"].notna() & priorities["share_pct"].notna()]
    if shown.empty:
        return HIDDEN, HIDDEN
    top = shown[shown["respondents"] == shown["respondents"].max()]
    return " and ".join(TOPIC_LABELS[t] for t in top["topic"]), _percent(top["share_pct"].iloc[0])


def _percent(value) -> str:
    return HIDDEN if value is None or pd.isna(value) else f"{float(value):g}%"


def _month(period: str) -> str:
    return pd.Period(period, freq="M").strftime("%B %Y")


def _told(done: pd.DataFrame, streets: Collection[tuple[str, str]] | None) -> str:
    """Done actions in public words, newest first, at most :data:`_LISTED`, each once."""
    lines: list[str] = []
    for action in done.to_dict("records"):
        words = PUBLIC_WORDS.get(action["rule_id"])
        if words is None:
            continue
        figures = {k: v for reason in reversed(action["reasons"]) for k, v in (reason.get("figures") or {}).items()}
        text = words.format(
            topic=TOPIC_LABELS.get(figures.get("topic"), "local concerns"),
            crime=str(figures.get("crime_type") or "crime").lower(),
        )
        if streets is None or (action["lsoa21_code"], action["street_name"]) in streets:
            text += f" in {action['street_name']}"
        line = f"- {action['done_on'].strftime('%B %Y')}: {text}"
        if line not in lines:
            lines.append(line)
    return "\n".join(lines[:_LISTED]) or NONE_DONE
