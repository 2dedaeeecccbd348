"""``lpt recommend``: streets to focus on in a ward, each with its reasons and recommended actions,
beside an audit of where recommendations concentrate across the force.

Through the access layer (action ``recommendations``): an officer sees the
wards they cover. The figures in the reasons are aggregates; those derived
from personal data are only put in words above the disclosure thresholds
(lpt.priorities.weights.toml).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Engine, select

from lpt.access.guard import Area, User, authorize, record_access
from lpt.census import ethnic_counts
from lpt.priorities.actions import actions_for
from lpt.priorities.lifecycle import propose
from lpt.priorities.score import score_streets
from lpt.store.frames import read_query
from lpt.store.schema import insight_lsoa

__all__ = ["Recommendations", "recommend", "recommendation_audit", "ward_scores"]


@dataclass
class Recommendations:
    """``streets``: the ward's top streets (columns of lpt.priorities.score.score_streets plus
    ``actions``, a list of dicts ``rule_id``, ``action``, ``who``, ``reason_kinds``).
    ``audit``: lpt.priorities.recommend.recommendation_audit over every ward's top streets."""

    ward_code: str
    streets: pd.DataFrame
    audit: pd.DataFrame


def recommend(
    engine: Engine, caller: User, *, ward: str, top: int = 10, purpose: str = "recommendations", record: bool = False
) -> Recommendations:
    """The ``top`` streets of ``ward`` by priority score, with reasons and actions.

    ``record`` also proposes the actions in the action record (lpt.priorities.lifecycle; idempotent),
    where officers accept, dismiss or complete them.
    """
    authorize(engine, caller, "recommendations", purpose=purpose, area=Area("ward", ward))
    scored = score_streets(engine)
    streets = scored[(scored["ward_code"] == ward) & (scored["rank_in_ward"] <= top)].copy()
    streets["actions"] = [actions_for(row, row["reasons"]) for row in streets.to_dict("records")]
    record_access(engine, caller.user_id, "recommendations", purpose, Area("ward", ward), len(streets), "allowed")
    if record:
        for street in streets.to_dict("records"):
            propose(engine, caller, street, street["actions"], purpose=purpose)
    return Recommendations(ward, streets.reset_index(drop=True), recommendation_audit(engine, scored, top))


def ward_scores(scored: pd.DataFrame, top: int = 10) -> pd.DataFrame:
    """Per ward: ``mean_top_score`` of its ``top`` streets, ``top_street`` and ``streets`` scored."""
    best = scored[scored["rank_in_ward"] <= top]
    table = best.groupby("ward_code").agg(mean_top_score=("score", "mean"))
    table["top_street"] = scored[scored["rank_in_ward"] == 1].set_index("ward_code")["street_name"]
    table["streets"] = scored.groupby("ward_code").size()
    return table.sort_values("mean_top_score", ascending=False).reset_index()


def recommendation_audit(engine: Engine, scored: pd.DataFrame, top: int = 10) -> pd.DataFrame:
    """Where the recommended streets (every ward's ``top``) lie, against all the force's streets.

    Columns: ``dimension`` (``imd2025_decile`` or ``ethnic_mix``), ``category``
    (a decile; for ethnic mix, LSOAs whose share of non-White residents is
    above or at most the force's), ``recommended_pct``, ``force_pct``.
    """
    lsoa = read_query(engine, select(insight_lsoa.c.lsoa21_code, insight_lsoa.c.imd2025_decile))
    ethnic = ethnic_counts(engine)
    non_white = 1 - ethnic["White"] / ethnic.sum(axis=1).replace(0, 1)
    force_share = 1 - ethnic["White"].sum() / max(ethnic.to_numpy().sum(), 1)
    mix = non_white.gt(force_share).map({True: "above force non-White share", False: "at or below force non-White share"})
    streets = scored[["lsoa21_code", "rank_in_ward"]].merge(lsoa, on="lsoa21_code", how="left")
    streets["ethnic_mix"] = streets["lsoa21_code"].map(mix)
    recommended = streets["rank_in_ward"] <= top
    parts = []
    for dimension in ("imd2025_decile", "ethnic_mix"):
        shares = pd.DataFrame(
            {
                "recommended_pct": 100 * streets.loc[recommended, dimension].value_counts(normalize=True),
                "force_pct": 100 * streets[dimension].value_counts(normalize=True),
            }
        ).fillna(0).round(1)
        parts.append(shares.rename_axis("category").reset_index().assign(dimension=dimension))
    audit = pd.concat(parts, ignore_index=True)
    audit["category"] = audit["category"].astype(str)
    return audit[["dimension", "category", "recommended_pct", "force_pct"]]
