"""The statistics callers may have: each model runs here on microdata, and only its results leave.

Every function takes the caller and a purpose and asks the access layer
(action ``statistical_models``) first; the wards it allows decide which
answers and members the model sees. Counts of people in the results pass
through disclosure control (estimates on fewer answers than the threshold are
already suppressed by the models). Crime change and peer wards use public
data only and need no caller.
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy import Engine

from lpt.access.guard import MINE, Area, Authorized, User, authorize, record_access
from lpt.census import adult_age_counts, ethnic_counts
from lpt.disclosure import Audience, disclose_counts
from lpt.stats import change, hotspots, peers, representation, weighting
from lpt.stats.microdata import registered_members, respondents
from lpt.store.queries import read_table, ward_crime_counts
from lpt.store.reuse import reused
from lpt.store.schema import ref_lsoa21

__all__ = [
    "confidence_changes",
    "crime_changes",
    "low_confidence_hotspots",
    "peer_wards",
    "representation_of",
    "weighted_confidence",
]

_ACTION = "statistical_models"


def weighted_confidence(
    engine: Engine, caller: User, *, purpose: str, area: Area = MINE, level: str = "ward", waves: list[str] | None = None
) -> pd.DataFrame:
    """Share confident (4-5 of 5) per ward or district, raked to census age and ethnic margins.

    Columns: lpt.stats.weighting.RESULT_COLUMNS (``n`` after disclosure control).
    """
    granted = authorize(engine, caller, _ACTION, purpose=purpose, area=area)
    inputs = weighting.load_inputs(engine, granted.wards)
    table = weighting.weighted_confidence(
        inputs.respondents, inputs.census_age, inputs.census_ethnic, areas=inputs.areas, level=level, waves=waves
    )
    return _released(engine, granted, table, ["n"], len(inputs.respondents))


def confidence_changes(
    engine: Engine, caller: User, *, purpose: str, area: Area = MINE, level: str = "ward", compare: str = "quarter"
) -> pd.DataFrame:
    """Change in the share confident on the previous quarter (or year), tested and FDR-corrected.

    Columns: as lpt.stats.change.confidence_change (``n`` and ``previous_n`` after disclosure control).
    """
    granted = authorize(engine, caller, _ACTION, purpose=purpose, area=area)
    answers = respondents(engine, granted.wards)
    table = change.confidence_change(answers, level=level, compare=compare)
    return _released(engine, granted, table, ["n", "previous_n"], len(answers))


def representation_of(
    engine: Engine, caller: User, *, purpose: str, area: Area = MINE, on: str = "2025-12-31", k: int = 2
) -> pd.DataFrame:
    """The least represented groups among members registered on ``on``, per ward, against the census.

    Columns: as lpt.stats.representation.least_represented (people counts after disclosure control).
    """
    granted = authorize(engine, caller, _ACTION, purpose=purpose, area=area)
    people = registered_members(engine, on, granted.wards)
    lookup = _lsoa_wards(engine).set_index("lsoa21_code")["ward_code"]
    table = representation.representation(people, adult_age_counts(engine), ethnic_counts(engine), lookup)
    named = representation.least_represented(table, k=k)
    return _released(engine, granted, named, ["people"], len(people))


def low_confidence_hotspots(engine: Engine, caller: User, *, purpose: str, area: Area = MINE, wave: str | None = None) -> pd.DataFrame:
    """Hot and cold spots of low confidence across LSOAs (local Getis-Ord G*, FDR-corrected).

    The statistic uses every LSOA with enough answers (neighbours matter); the
    caller receives the LSOAs of the wards they may see. Columns: as
    lpt.stats.hotspots.low_confidence_hotspots.
    """
    granted = authorize(engine, caller, _ACTION, purpose=purpose, area=area)
    table = hotspots.low_confidence_hotspots(engine, wave=wave)
    if granted.wards is not None:
        lsoas = _lsoa_wards(engine)
        mine = set(lsoas.loc[lsoas["ward_code"].isin(granted.wards), "lsoa21_code"])
        table = table[table["code"].isin(mine)]
    return _released(engine, granted, table.reset_index(drop=True), ["answers"], int(table["answers"].sum()))


@reused
def crime_changes(engine: Engine, *, level: str = "ward", compare: str = "quarter") -> pd.DataFrame:
    """Crime per ward (or district) this quarter against the previous quarter or year (public data)."""
    return change.crime_change(ward_crime_counts(engine), level=level, compare=compare)


@reused
def peer_wards(engine: Engine, k: int = 7) -> pd.DataFrame:
    """Each ward's most similar wards by deprivation, population mix and crime (public data)."""
    return peers.peer_groups(peers.load_ward_features(engine), k=k)


def _lsoa_wards(engine: Engine) -> pd.DataFrame:
    """LSOA 2021 -> ward: columns ``lsoa21_code``, ``ward_code``."""
    return read_table(engine, ref_lsoa21, ["lsoa21_code", "ward_code"])


def _released(engine: Engine, granted: Authorized, table: pd.DataFrame, counts: list[str], records: int) -> pd.DataFrame:
    """The model's results with counts of people through disclosure control, and the read audited."""
    out = table.copy()
    for column in counts:
        out[column] = disclose_counts(out[column], Audience.INTERNAL)
    record_access(engine, granted.user.user_id, _ACTION, granted.purpose, granted.area, records, "allowed")
    return out
