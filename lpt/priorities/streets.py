"""Priority streets of an officer's area for a map and a ranked list, and each street's crime over time.

The officer app shows every scored street of the wards an officer covers as a
point coloured by its priority score, with the reasons and recommended actions
behind it (as ``lpt recommend`` gives them for a ward's top streets), and a
street's monthly crime when it is picked (the actions a street's reasons call for come from
lpt.priorities.actions.actions_for when it is picked: working them out for thousands of streets
up front would cost a district's map a quarter of a second). :func:`area_streets` goes through the
access layer (action ``recommendations``, audited) and shows counts derived from
personal data only after internal disclosure control. It filters the force's
scores (lpt.priorities.score.score_streets, reused in app processes) and reads
street points only for the wards allowed, so it answers in well under the
app's 2 s at force scale. The trends are public police.uk data and need no
caller.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sqlalchemy import Engine, select

from lpt.access.guard import MINE, Area, User, authorize, record_access
from lpt.disclosure import RULES, Audience, disclose_counts
from lpt.harm import harm_of
from lpt.insight.maps import months_held
from lpt.insight.profile import street_code
from lpt.priorities.score import score_streets
from lpt.store.frames import read_query
from lpt.store.queries import streets as street_points
from lpt.store.schema import insight_crime

__all__ = ["AREA_STREET_COLUMNS", "TREND_COLUMNS", "area_streets", "street_trend"]

#: Columns of :func:`area_streets` (meanings in its docstring).
AREA_STREET_COLUMNS = [
    "street_id", "ward_code", "lsoa21_code", "street_name", "is_place", "longitude", "latitude", "score",
    "rank_in_ward", "headline", "reasons", "expected_records", "households", "members", "coverage_pct",
    "respondents", "concern_topic", "imd2025_decile",
]
#: Columns of the trend rows :func:`street_trend` sums (it returns the last three).
TREND_COLUMNS = ["lsoa21_code", "street_name", "month", "records", "harm"]
_KEY = ["lsoa21_code", "street_name"]
_AUDIENCE = Audience.INTERNAL


def area_streets(engine: Engine, caller: User, *, area: Area = MINE, purpose: str = "officer app") -> pd.DataFrame:
    """Every scored street with a map point in the wards the caller may see in ``area``, highest score first.

    Columns:

    - ``street_id``: the street key as one stable text, ``LSOA|street name`` (lpt.insight.profile.street_code);
    - ``ward_code``, ``lsoa21_code``, ``street_name``, ``is_place`` (a police.uk generic place such as a car park);
    - ``longitude``, ``latitude``: the street's point (its most used police.uk snap point; streets without
      one, e.g. with households but no crime ever recorded, are left out);
    - ``score`` (0-1) and ``rank_in_ward`` (1 = highest), as lpt.priorities.score.score_streets gives them;
    - ``headline``: one short sentence, the strongest reason's text; without reasons "High overall score"
      for a street in the top quarter of its ward, else "No single reason stands out";
    - ``reasons``: list of dicts ``kind``, ``text``, ``strength``, ``figures``, strongest first;
    - ``expected_records``: crimes and incidents expected on the street next month;
    - ``households`` on the street (the address register); ``members`` registered there (Int64, NA when
      below the internal disclosure threshold) and ``coverage_pct`` (members per 100 households; NA with them);
    - ``respondents``: survey answers of the street's LSOA in the latest four waves (Int64, NA below the
      threshold) and ``concern_topic``, the topic they name most (NA unless the respondents and those naming
      it both reach the threshold);
    - ``imd2025_decile`` of the LSOA (Int64; 1 = most deprived).
    """
    allowed = authorize(engine, caller, "recommendations", purpose=purpose, area=area)
    scored = score_streets(engine)
    if allowed.wards is not None:
        scored = scored[scored["ward_code"].isin(allowed.wards)]
    points = street_points(engine, allowed.wards)[[*_KEY, "longitude", "latitude"]].dropna()
    streets = scored.merge(points, on=_KEY)
    streets = streets.sort_values(["score", "ward_code", "rank_in_ward"], ascending=[False, True, True])
    records = streets.to_dict("records")
    frame = streets.assign(
        street_id=pd.Series([street_code(s["lsoa21_code"], s["street_name"]) for s in records], index=streets.index, dtype=str),
        headline=pd.Series(_headlines(streets, scored.groupby("ward_code").size()), index=streets.index, dtype=str),
        households=streets["households"].astype("int64"),
        imd2025_decile=streets["imd2025_decile"].astype("Int64"),
        **_disclosed_figures(streets),
    )[AREA_STREET_COLUMNS].reset_index(drop=True)
    record_access(engine, caller.user_id, "recommendations", purpose, area, len(frame), "allowed", "area streets")
    return frame


def street_trend(engine: Engine, lsoa21_code: str, street_name: str, months: int = 24) -> pd.DataFrame:
    """Monthly police.uk crime of one street (its key: LSOA 2021 code and street name) over the latest
    ``months`` months held (lpt.insight.maps.months_held), months without crime as zeros.

    Columns: ``month`` (YYYY-MM, oldest first), ``records``, ``harm`` (records weighted by crime type with
    lpt.harm's weights).
    """
    held = months_held(engine, months)
    found = _monthly(engine, [insight_crime.c.lsoa21_code == lsoa21_code, insight_crime.c.street_name == street_name], held)
    trend = found.groupby("month")[["records", "harm"]].sum().reindex(held, fill_value=0)
    return trend.astype({"records": "int64", "harm": "float64"}).rename_axis("month").reset_index()


def _monthly(engine: Engine, where: list, months: list[str]) -> pd.DataFrame:
    """Records and harm per street and month of the insight crime cube rows matching ``where`` in ``months``."""
    query = select(*(insight_crime.c[c] for c in (*_KEY, "month", "crime_type", "records"))).where(
        *where, insight_crime.c.month.in_(months)
    )
    rows = read_query(engine, query)
    if rows.empty:
        return pd.DataFrame({c: pd.Series(dtype="int64" if c == "records" else float if c == "harm" else object) for c in TREND_COLUMNS})
    counts = rows.pivot_table(index=[*_KEY, "month"], columns="crime_type", values="records", aggfunc="sum", fill_value=0)
    table = pd.DataFrame({"records": counts.sum(axis=1).astype("int64"), "harm": harm_of(counts)})
    return table.reset_index().sort_values([*_KEY, "month"], ignore_index=True)[TREND_COLUMNS]


def _headlines(streets: pd.DataFrame, ward_sizes: pd.Series) -> list[str]:
    """The strongest reason's text as a sentence; without reasons, whether the score itself is high
    (the top quarter of the ward's ``ward_sizes`` scored streets)."""
    top_quarter = streets["rank_in_ward"] <= np.ceil(streets["ward_code"].map(ward_sizes).astype("float64") / 4)
    headlines = []
    for reasons, high in zip(streets["reasons"], top_quarter, strict=True):
        text = reasons[0]["text"] if reasons else "high overall score" if high else "no single reason stands out"
        headlines.append(text[:1].upper() + text[1:])
    return headlines


def _disclosed_figures(streets: pd.DataFrame) -> dict[str, pd.Series]:
    """The figures derived from personal data as an officer may see them: counts below the internal
    threshold hidden, with the shares and topic that would give them away."""
    threshold = RULES[_AUDIENCE].threshold
    members, respondents = (disclose_counts(streets[c], _AUDIENCE) for c in ("members", "respondents"))
    naming = (streets["concern_pct"] * streets["respondents"] / 100).round()
    topic_shown = respondents.notna() & (naming >= threshold)
    return {
        "members": members,
        "coverage_pct": streets["coverage_pct"].astype("Float64").where(members.notna()),
        "respondents": respondents,
        "concern_topic": streets["concern_topic"].astype("string").where(topic_shown),
    }
