"""The street priority score: expected harm, public concern, confidence, engagement and vulnerability.

Each part is a figure per street (LSOA 2021 code and street name, the
Linkage street key), turned into its percentile rank among the force's
streets so parts on different scales combine fairly; the score is their sum
with the weights of ``weights.toml``. A part in the top quarter becomes a
reason in plain words with the figures behind it. Generic places (car parks,
supermarkets) are scored like streets and labelled as places.

Reads the insight cubes (lpt refresh) and the survey microdata inside lpt;
callers get the result through :func:`lpt.priorities.recommend.recommend`.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy import Engine, select

from lpt.forecast.model import expected_counts
from lpt.harm import harm_weights
from lpt.store.frames import read_query
from lpt.store.queries import streets as street_places
from lpt.store.reuse import reused
from lpt.store.schema import insight_crime, insight_households, insight_lsoa, insight_members, insight_responses
from lpt.vocab import TOPIC_LABELS, TOPICS

__all__ = ["PARTS", "ScoreConfig", "load_config", "score_streets"]

PARTS = ("expected_harm", "public_concern", "confidence_gap", "engagement_gap", "vulnerability", "crime_rise")
_FILE = Path(__file__).with_name("weights.toml")


@dataclass(frozen=True)
class ScoreConfig:
    """Weights of the parts (summing to 1) and the thresholds for stating reasons."""

    weights: dict[str, float]
    min_strength: float
    min_respondents: int
    min_households: int


@cache
def load_config(path: Path = _FILE) -> ScoreConfig:
    """The score configuration, checked: every part named, weights non-negative and not all zero."""
    table = tomllib.loads(Path(path).read_text())
    weights = {part: float(table.get("weights", {}).get(part, 0.0)) for part in PARTS}
    unknown = set(table.get("weights", {})) - set(PARTS)
    if unknown or any(w < 0 for w in weights.values()) or not sum(weights.values()):
        raise ValueError(f"{path}: weights must be non-negative, not all zero, for parts {', '.join(PARTS)}")
    total = sum(weights.values())
    reasons = table.get("reasons", {})
    return ScoreConfig(
        weights={k: v / total for k, v in weights.items()},
        min_strength=float(reasons.get("min_strength", 0.75)),
        min_respondents=int(reasons.get("min_respondents", 5)),
        min_households=int(reasons.get("min_households", 10)),
    )


@reused
def score_streets(engine: Engine, config: ScoreConfig | None = None) -> pd.DataFrame:
    """Every street of the force, scored.

    Columns: ``ward_code``, ``lsoa21_code``, ``street_name``, ``is_place``,
    ``score`` (0-1), ``rank_in_ward`` (1 = highest), each part of
    :data:`PARTS` as its percentile (0-1) and the figures behind it
    (``expected_harm_value``, ``expected_records``, ``top_crime_type``,
    ``rise_crime_type``, ``rise_pct``, ``rise_from``, ``rise_to``,
    ``concern_topic``, ``concern_pct``, ``respondents``, ``ward_confident_pct``,
    ``force_confident_pct``, ``households``, ``members``, ``coverage_pct``,
    ``ward_coverage_pct``, ``imd2025_decile``), and ``reasons`` (a list of
    dicts ``kind``, ``text``, ``strength``, ``figures``, strongest first).
    """
    config = config or load_config()
    lsoas = read_query(engine, select(insight_lsoa.c.lsoa21_code, insight_lsoa.c.ward_code, insight_lsoa.c.imd2025_decile))
    crime = read_query(engine, select(insight_crime))
    streets = _street_table(engine, crime, lsoas)
    streets = streets.join(_expected_harm(crime), on=["lsoa21_code", "street_name"])
    streets = streets.join(_crime_rise(crime), on=["lsoa21_code", "street_name"])
    streets = streets.merge(_concern(engine), on="lsoa21_code", how="left")
    streets = streets.merge(_confidence(engine, lsoas), on="ward_code", how="left")
    streets = _engagement(engine, streets)
    figures = {
        "expected_harm": streets["expected_harm_value"],
        "public_concern": streets["concern_pct"].where(streets["respondents"] >= config.min_respondents),
        "confidence_gap": 100 - streets["ward_confident_pct"],
        "engagement_gap": 100 - streets["coverage_pct"],
        "vulnerability": 11 - streets["imd2025_decile"],
        "crime_rise": streets["rise_pct"],
    }
    for part, values in figures.items():
        streets[part] = values.rank(pct=True).fillna(0.0)
    streets["score"] = sum(config.weights[p] * streets[p] for p in PARTS)
    streets["rank_in_ward"] = streets.groupby("ward_code")["score"].rank(ascending=False, method="first").astype(int)
    streets["reasons"] = [_reasons(row, config) for row in streets.itertuples(index=False)]
    return streets.sort_values(["ward_code", "rank_in_ward"]).reset_index(drop=True)


def _street_table(engine: Engine, crime: pd.DataFrame, lsoas: pd.DataFrame) -> pd.DataFrame:
    """Streets with crime or households in the force's LSOAs, with ward, deprivation and the place label."""
    homes = read_query(engine, select(insight_households))
    keys = pd.concat([crime[["lsoa21_code", "street_name"]], homes[["lsoa21_code", "street_name"]]]).drop_duplicates()
    keys = keys[keys["street_name"] != ""].merge(lsoas, on="lsoa21_code")
    places = street_places(engine)[["lsoa21_code", "street_name", "is_place"]]
    keys = keys.merge(places, on=["lsoa21_code", "street_name"], how="left")
    keys["is_place"] = keys["is_place"].fillna(False).astype(bool)
    homes_per_street = homes.groupby(["lsoa21_code", "street_name"])["households"].sum()
    return keys.join(homes_per_street, on=["lsoa21_code", "street_name"]).fillna({"households": 0}).reset_index(drop=True)


def _expected_harm(crime: pd.DataFrame) -> pd.DataFrame:
    """Next month's expected records and harm per street (lpt.forecast.model on the monthly cube)."""
    weights = harm_weights()
    months = sorted(crime["month"].unique())
    types = sorted(crime["crime_type"].unique())
    keys = crime[["lsoa21_code", "street_name"]].drop_duplicates().reset_index(drop=True)
    index = pd.MultiIndex.from_frame(keys)
    counts = np.zeros((len(months), len(keys), len(types)))
    np.add.at(
        counts,
        (
            pd.Index(months).get_indexer(crime["month"]),
            index.get_indexer(pd.MultiIndex.from_frame(crime[["lsoa21_code", "street_name"]])),
            pd.Index(types).get_indexer(crime["crime_type"]),
        ),
        crime["records"].to_numpy(),
    )
    expected = expected_counts(counts)
    harm = expected * np.array([weights.get(t, 0.0) for t in types])
    return pd.DataFrame(
        {
            "expected_records": expected.sum(axis=1),
            "expected_harm_value": harm.sum(axis=1),
            "top_crime_type": np.asarray(types)[harm.argmax(axis=1)],
        },
        index=index,
    )


def _crime_rise(crime: pd.DataFrame, minimum: int = 3) -> pd.DataFrame:
    """The fastest-rising crime type per street: the last three months against the three before."""
    months = sorted(crime["month"].unique())
    if len(months) < 6:
        return pd.DataFrame(columns=["rise_crime_type", "rise_pct", "rise_from", "rise_to"], index=pd.MultiIndex.from_arrays([[], []], names=["lsoa21_code", "street_name"]))
    recent, before = months[-3:], months[-6:-3]
    period = np.where(crime["month"].isin(recent), "to", np.where(crime["month"].isin(before), "from", ""))
    table = crime.assign(period=period)[period != ""].pivot_table(
        index=["lsoa21_code", "street_name", "crime_type"], columns="period", values="records", aggfunc="sum", fill_value=0
    ).reindex(columns=["from", "to"], fill_value=0)
    table = table[table["to"] >= minimum]
    table["rise_pct"] = 100 * (table["to"] - table["from"]) / table["from"].clip(lower=1)
    top = table.reset_index().sort_values("rise_pct", ascending=False).drop_duplicates(["lsoa21_code", "street_name"])
    top = top[top["rise_pct"] > 0].rename(columns={"crime_type": "rise_crime_type", "from": "rise_from", "to": "rise_to"})
    return top.set_index(["lsoa21_code", "street_name"])[["rise_crime_type", "rise_pct", "rise_from", "rise_to"]]


def _concern(engine: Engine) -> pd.DataFrame:
    """Per LSOA: the topic most respondents name over the last four waves, its share and the respondents."""
    answers = read_query(engine, select(insight_responses))
    if answers.empty:
        return pd.DataFrame(columns=["lsoa21_code", "concern_topic", "concern_pct", "respondents"])
    recent = sorted(answers["wave"].unique())[-4:]
    sums = answers[answers["wave"].isin(recent)].groupby("lsoa21_code")[["responses", *(f"priority_{t}" for t in TOPICS)]].sum()
    named = sums[[f"priority_{t}" for t in TOPICS]]
    return pd.DataFrame(
        {
            "concern_topic": named.idxmax(axis=1).str.removeprefix("priority_"),
            "concern_pct": 100 * named.max(axis=1) / sums["responses"].clip(lower=1),
            "respondents": sums["responses"],
        }
    ).reset_index()


def _confidence(engine: Engine, lsoas: pd.DataFrame) -> pd.DataFrame:
    """Per ward: the share confident (4-5 of 5) over the last four waves, and the force's share."""
    answers = read_query(engine, select(insight_responses.c.lsoa21_code, insight_responses.c.wave, insight_responses.c.responses, insight_responses.c.confident))
    if answers.empty:
        return pd.DataFrame(columns=["ward_code", "ward_confident_pct", "force_confident_pct"])
    recent = sorted(answers["wave"].unique())[-4:]
    answers = answers[answers["wave"].isin(recent)].merge(lsoas[["lsoa21_code", "ward_code"]], on="lsoa21_code")
    wards = answers.groupby("ward_code")[["responses", "confident"]].sum()
    force = 100 * wards["confident"].sum() / max(wards["responses"].sum(), 1)
    return pd.DataFrame(
        {"ward_confident_pct": 100 * wards["confident"] / wards["responses"].clip(lower=1), "force_confident_pct": force}
    ).reset_index()


def _engagement(engine: Engine, streets: pd.DataFrame) -> pd.DataFrame:
    """Registered members per street now, coverage of the street's households and of the ward's."""
    people = read_query(engine, select(insight_members.c.lsoa21_code, insight_members.c.street_name, insight_members.c.left_month, insight_members.c.members))
    registered = people[people["left_month"] == ""].groupby(["lsoa21_code", "street_name"])["members"].sum()
    streets = streets.join(registered, on=["lsoa21_code", "street_name"]).fillna({"members": 0})
    streets["coverage_pct"] = (100 * streets["members"] / streets["households"]).where(streets["households"] > 0)
    ward = streets.groupby("ward_code")[["members", "households"]].sum()
    streets["ward_coverage_pct"] = streets["ward_code"].map(100 * ward["members"] / ward["households"].clip(lower=1))
    return streets


def _reasons(row, config: ScoreConfig) -> list[dict]:
    """The parts of a street in the top quarter, in words, strongest first (a rise is stated even
    when its weight is zero: it explains without ranking)."""
    reasons = []

    def strong(part: str) -> bool:
        return getattr(row, part) >= config.min_strength and config.weights[part] > 0

    if strong("expected_harm"):
        reasons.append(_reason("expected_harm", row.expected_harm, (
            f"among the top {100 - 100 * row.expected_harm:.0f}% of streets for expected harm next month, "
            f"mostly {row.top_crime_type.lower()} (about {row.expected_records:.1f} crimes and incidents expected)"),
            {"crime_type": row.top_crime_type, "expected_records": round(float(row.expected_records), 2)}))
    if row.crime_rise >= config.min_strength and pd.notna(row.rise_pct):
        reasons.append(_reason("crime_rise", row.crime_rise, (
            f"{row.rise_crime_type.lower()} up {row.rise_pct:.0f}% on the previous quarter "
            f"({int(row.rise_from)} to {int(row.rise_to)})"),
            {"crime_type": row.rise_crime_type, "change_pct": round(float(row.rise_pct)), "from": int(row.rise_from), "to": int(row.rise_to)}))
    if strong("public_concern") and pd.notna(row.concern_topic):
        reasons.append(_reason("public_concern", row.public_concern, (
            f"{TOPIC_LABELS[row.concern_topic]} the top concern of residents here ({row.concern_pct:.0f}% of respondents)"),
            {"topic": row.concern_topic, "share_pct": round(float(row.concern_pct), 1)}))
    if strong("confidence_gap") and pd.notna(row.ward_confident_pct):
        reasons.append(_reason("confidence_gap", row.confidence_gap, (
            f"{row.ward_confident_pct:.0f}% of residents in the ward confident in the police, "
            f"against {row.force_confident_pct:.0f}% force-wide"),
            {"confident_pct": round(float(row.ward_confident_pct), 1), "force_confident_pct": round(float(row.force_confident_pct), 1)}))
    if strong("engagement_gap") and row.households >= config.min_households and pd.notna(row.coverage_pct):
        reasons.append(_reason("engagement_gap", row.engagement_gap, (
            f"{row.coverage_pct:.0f}% of households registered against {row.ward_coverage_pct:.0f}% in the ward"),
            {"coverage_pct": round(float(row.coverage_pct), 1), "ward_coverage_pct": round(float(row.ward_coverage_pct), 1),
             "households": int(row.households)}))
    if strong("vulnerability") and pd.notna(row.imd2025_decile):
        reasons.append(_reason("vulnerability", row.vulnerability, (
            f"in deprivation decile {int(row.imd2025_decile)} of 10 (1 = most deprived)"),
            {"imd2025_decile": int(row.imd2025_decile)}))
    return sorted(reasons, key=lambda r: -r["strength"])


def _reason(kind: str, strength: float, text: str, figures: dict) -> dict:
    return {"kind": kind, "text": text, "strength": round(float(strength), 3), "figures": figures}
