"""Synthetic members of the community messaging scheme, with the skews real schemes have.

Registration is a logistic model of the adult's age band, the LSOA's
deprivation and the adult's ethnic group: older, less deprived and White
residents register more, as in real schemes. The coefficients are the
planted truth (:data:`REGISTRATION_LOG_ODDS`), written to ``truth.json`` so
tests can check the analysis finds them; the intercept is solved so the
scheme reaches its target coverage.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
from scipy.optimize import brentq
from scipy.special import expit

from lpt.synth.calibration import Calibration
from lpt.synth.people import draw_people

__all__ = ["MEMBER_COLUMNS", "TRUTH_COLUMNS", "GROUP_SHARES", "REGISTRATION_LOG_ODDS", "generate_members"]

#: Columns of the members export (docs/DATA_SCHEMA.md).
MEMBER_COLUMNS = [
    "member_id", "first_name", "last_name", "email", "phone", "address_id", "postcode",
    "age_band", "sex", "ethnic_group", "religion", "first_language", "groups", "opted_in", "opted_out",
]
#: Share of members in each group (before the skews below).
GROUP_SHARES: dict[str, float] = {
    "independent_advisory_group": 0.006,
    "neighbourhood_watch": 0.07,
    "faith_group": 0.04,
    "community_group": 0.05,
    "key_individual_network": 0.012,
    "business": 0.03,
}
#: Planted registration effects (log odds), relative to 45-54, White, middle deprivation.
REGISTRATION_LOG_ODDS: dict[str, dict[str, float]] = {
    "age_band": {"18-24": -1.2, "25-34": -0.7, "35-44": -0.3, "45-54": 0.0, "55-64": 0.35, "65-74": 0.6, "75+": 0.4},
    "ethnic_group": {"White": 0.0, "Asian": -0.6, "Black": -0.7, "Mixed": -0.4, "Other": -0.8},
    # per IMD decile above 5.5 (decile 10, least deprived: +0.09 × 4.5 = +0.4)
    "imd_decile": {"slope": 0.09},
}
#: Columns the generator keeps for its own later steps and tests, never exported.
TRUTH_COLUMNS = ["lsoa21_code", "ward_code", "registration_p", "true_age_band"]
_SECOND_MEMBER = 0.12  # registered households with a second registered adult
_ALL_BLANK = 1 / 3  # members who give no demographics at all
_FIELD_BLANK = 0.08  # otherwise, each demographic left blank
_OPT_OUT = 0.07
_SCHEME_START, _SCHEME_END = date(2018, 1, 1), date(2025, 12, 31)


def generate_members(
    households: pd.DataFrame, calibration: Calibration, rng: np.random.Generator, coverage: float = 0.12
) -> pd.DataFrame:
    """Members: the export columns plus :data:`TRUTH_COLUMNS` (kept out of the export)."""
    imd = households["lsoa21_code"].map(calibration.areas.set_index("lsoa21_code")["imd_decile"]).to_numpy()
    adults = draw_people(households["lsoa21_code"], calibration, rng)
    log_odds = _log_odds(adults, imd)
    intercept = brentq(lambda b: expit(b + log_odds).mean() - coverage, -20, 20)
    p = expit(intercept + log_odds)
    first = np.flatnonzero(rng.random(len(p)) < p)
    second = first[rng.random(len(first)) < _SECOND_MEMBER]
    extra = draw_people(households["lsoa21_code"].iloc[second], calibration, rng)
    extra["last_name"] = adults["last_name"].to_numpy()[second]  # same household, same surname
    people = pd.concat([adults.iloc[first], extra], ignore_index=True)
    homes = households.iloc[np.concatenate([first, second])].reset_index(drop=True)
    members = pd.concat([homes[["address_id", "postcode", "lsoa21_code", "ward_code"]], people], axis=1)
    members["registration_p"] = np.concatenate([p[first], p[second]])
    members = members.sort_values("address_id", kind="stable").reset_index(drop=True)
    members["member_id"] = [f"M{i:07d}" for i in range(1, len(members) + 1)]
    members["groups"] = _groups(members, imd_of=calibration.areas.set_index("lsoa21_code")["imd_decile"], rng=rng)
    members["opted_in"], members["opted_out"] = _opt_dates(len(members), rng)
    members["true_age_band"] = members["age_band"]
    _blank_demographics(members, rng)
    return members[MEMBER_COLUMNS + TRUTH_COLUMNS]


def _log_odds(people: pd.DataFrame, imd: np.ndarray) -> np.ndarray:
    effects = REGISTRATION_LOG_ODDS
    return (
        people["age_band"].map(effects["age_band"]).to_numpy()
        + people["ethnic_group"].map(effects["ethnic_group"]).to_numpy()
        + effects["imd_decile"]["slope"] * (imd - 5.5)
    )


def _groups(members: pd.DataFrame, imd_of: pd.Series, rng: np.random.Generator) -> np.ndarray:
    """Semicolon-separated memberships; watch schemes skew older and less deprived, faith groups religious."""
    n = len(members)
    older = members["age_band"].isin(["55-64", "65-74", "75+"]).to_numpy()
    less_deprived = members["lsoa21_code"].map(imd_of).to_numpy() >= 6
    religious = ~members["religion"].isin(["No religion"]).to_numpy()
    lift = {
        "neighbourhood_watch": np.where(older, 1.6, 0.7) * np.where(less_deprived, 1.4, 0.7),
        "faith_group": np.where(religious, 1.6, 0.1),
    }
    joined = pd.Series("", index=range(n), dtype=object)
    for group, share in GROUP_SHARES.items():
        joined += np.where(rng.random(n) < share * lift.get(group, 1.0), group + ";", "")
    return joined.str.rstrip(";").to_numpy()


def _opt_dates(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Opt-in dates skewed to recent years; some members opt out later."""
    span = (_SCHEME_END - _SCHEME_START).days
    back = np.minimum(rng.exponential(span / 2.5, n), span).astype(int)
    opted_in = pd.Timestamp(_SCHEME_END) - pd.to_timedelta(back, unit="D")
    out_after = (rng.random(n) * (pd.Timestamp(_SCHEME_END) - opted_in).days).astype(int)
    opted_out = opted_in + pd.to_timedelta(out_after, unit="D")
    leaves = rng.random(n) < _OPT_OUT
    return opted_in.strftime("%Y-%m-%d").to_numpy(), np.where(leaves, opted_out.strftime("%Y-%m-%d"), "")


def _blank_demographics(members: pd.DataFrame, rng: np.random.Generator) -> None:
    """About a third give no demographics; the rest skip some questions."""
    fields = ["age_band", "sex", "ethnic_group", "religion", "first_language"]
    silent = rng.random(len(members)) < _ALL_BLANK
    for field in fields:
        blank = silent | (rng.random(len(members)) < _FIELD_BLANK)
        members[field] = members[field].where(~blank, "")
