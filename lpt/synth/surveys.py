"""Synthetic quarterly survey answers, 2024 Q1 to 2025 Q4.

Members still registered at a wave answer it with a propensity that varies by
group (older members and advisory group members answer more). Trust and
confidence are a latent score (a member's lasting view, their LSOA's
deprivation and crime, a ward effect, the ward's ups and downs from wave to
wave, noise) cut into a 5-point scale, with an
optional planted change for named wards or LSOAs from a given wave: a change
in an area, or the known effect of a door-knocking setup on its area, which
the evaluation's estimate is checked against (lpt.evaluation.simulate_confidence).

The truth of a plant on the share confident: an answer is 4 or 5 (confident)
when latent + noise exceeds the third threshold, so with normal noise of sd
:data:`ANSWER_SD` a planted answer's chance of being confident moves from
Phi((latent - cut) / sd) to Phi((latent + shift - cut) / sd). The answers carry
that difference (``planted_effect``): its mean over the planted answers is the
expected difference in the share confident between the planted answers and
the same answers unplanted, the true effect an estimate should find.

Local priorities follow the real crime mix of the member's LSOA in that quarter
(the nearest quarter with police.uk data where there is none) and its deprivation.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import expit
from scipy.stats import norm

from lpt.synth.calibration import Calibration
from lpt.vocab import QUESTIONS, TOPICS

__all__ = [
    "ANSWER_SD",
    "SURVEY_COLUMNS",
    "TRUTH_COLUMNS",
    "WAVES",
    "PlantedChange",
    "RESPONSE_LOG_ODDS",
    "CONFIDENCE_EFFECTS",
    "generate_surveys",
]

WAVES: tuple[str, ...] = tuple(f"{year}Q{q}" for year in (2024, 2025) for q in (1, 2, 3, 4))
#: Columns of the surveys export (docs/DATA_SCHEMA.md).
SURVEY_COLUMNS = [
    "response_id", "member_id", "wave", "responded_on", *QUESTIONS,
    "priority_1", "priority_2", "priority_3", "concern",
]
#: Columns the generator adds for tests, never exported: the answer's ``ward_code``, whether it carries the
#: plant (``planted``) and the plant's effect on its chance of being confident (``planted_effect``, 0-1).
TRUTH_COLUMNS = ["ward_code", "planted", "planted_effect"]
#: Planted response propensity (log odds); the base gives about 30% per wave.
RESPONSE_LOG_ODDS: dict[str, float] = {
    "base": -0.9, "older": 0.45, "younger": -0.5, "independent_advisory_group": 1.2, "neighbourhood_watch": 0.5,
}
#: Planted effects on the latent confidence score: per IMD decile, per sd of the LSOA's crime rate, for
#: older members; the sd of a ward's lasting effect (``ward_sd``) and of its ups and downs from wave to wave
#: (``ward_wave_sd``: events, local news; what clustered standard errors by ward are for).
CONFIDENCE_EFFECTS: dict[str, float] = {
    "imd_decile": 0.08, "crime_rate_z": -0.25, "older": 0.25, "ward_sd": 0.2, "ward_wave_sd": 0.1,
}
_THRESHOLDS = np.array([-1.6, -0.6, 0.4, 1.4])
#: Sd of the normal noise added to the latent score of each answer.
ANSWER_SD = 0.7
_CONFIDENT_CUT = _THRESHOLDS[2]  # latent + noise above it: answer 4 or 5 (lpt.stats.weighting.CONFIDENT)
_TOPIC_BASE = {
    "drugs": 1.0, "asb": 1.0, "speeding": 1.1, "burglary": 0.7, "vehicle_crime": 0.5, "violence": 0.6,
    "litter_flytipping": 0.6, "youth_nuisance": 0.7, "shoplifting": 0.3, "criminal_damage": 0.4,
}
_CONCERNS = {
    "drugs": "Drug dealing on {street}, mostly in the evenings.",
    "asb": "Groups causing trouble on {street} late at night.",
    "speeding": "Cars speeding along {street}; someone will get hurt.",
    "burglary": "Two houses near {street} broken into recently.",
    "vehicle_crime": "Cars on {street} being broken into.",
    "violence": "Fights outside the shops on {street} at weekends.",
    "litter_flytipping": "Rubbish dumped at the end of {street} again.",
    "youth_nuisance": "Youths on bikes intimidating people on {street}.",
    "shoplifting": "Shoplifting at the shops on {street} is getting worse.",
    "criminal_damage": "Cars and fences damaged on {street}.",
}


@dataclass(frozen=True)
class PlantedChange:
    """Shift confidence (and trust) by ``shift`` latent units (the answer noise has sd :data:`ANSWER_SD`) for
    members living in ``wards`` or in ``lsoas`` (LSOA 2021 codes: a setup of streets or a drawn area), from
    ``wave`` on."""

    wards: tuple[str, ...]
    wave: str
    shift: float = -0.8
    lsoas: tuple[str, ...] = ()

    def of(self, members: pd.DataFrame) -> np.ndarray:
        """Which ``members`` (with ``ward_code`` and ``lsoa21_code``) live where the change is planted."""
        return (members["ward_code"].isin(self.wards) | members["lsoa21_code"].isin(self.lsoas)).to_numpy()


def generate_surveys(
    members: pd.DataFrame,
    households: pd.DataFrame,
    calibration: Calibration,
    rng: np.random.Generator,
    plant: PlantedChange | None = None,
) -> pd.DataFrame:
    """Survey responses: the export columns plus :data:`TRUTH_COLUMNS`."""
    areas = calibration.areas.set_index("lsoa21_code")
    lsoa = members["lsoa21_code"]
    crime_z = _zscore(lsoa.map(areas["crime_rate"]).to_numpy())
    wards = areas["ward_code"].unique()
    ward_effect = dict(zip(wards, rng.normal(0, CONFIDENCE_EFFECTS["ward_sd"], len(wards))))
    # A child generator, so the ups and downs leave every other draw of ``rng`` as it was.
    ups_and_downs = rng.spawn(1)[0].normal(0, CONFIDENCE_EFFECTS["ward_wave_sd"], (len(WAVES), len(wards)))
    ward_number = pd.Index(wards).get_indexer(members["ward_code"])
    older = members["true_age_band"].isin(["55-64", "65-74", "75+"]).to_numpy()
    lasting = (
        CONFIDENCE_EFFECTS["imd_decile"] * (lsoa.map(areas["imd_decile"]).to_numpy() - 5.5)
        + CONFIDENCE_EFFECTS["crime_rate_z"] * crime_z
        + CONFIDENCE_EFFECTS["older"] * older
        + members["ward_code"].map(ward_effect).to_numpy()
        + rng.normal(0, 0.6, len(members))
    )
    propensity = _response_log_odds(members, older)
    street_of = members["address_id"].map(households.set_index("address_id")["street"])
    planted_members = plant.of(members) if plant else np.zeros(len(members), dtype=bool)
    frames = []
    for number, wave in enumerate(WAVES):
        start = pd.Period(wave, freq="Q").start_time
        registered = (pd.to_datetime(members["opted_in"]) <= start) & ~(
            pd.to_datetime(members["opted_out"].replace("", None)) <= start
        )
        answers = registered.to_numpy() & (rng.random(len(members)) < expit(propensity))
        rows = np.flatnonzero(answers)
        planted = planted_members[rows] & bool(plant and wave >= plant.wave)
        unplanted = lasting[rows] + ups_and_downs[number, ward_number[rows]]
        latent = unplanted + (plant.shift * planted if plant else 0.0)
        wave_frame = pd.DataFrame({"member_id": members["member_id"].to_numpy()[rows], "wave": wave})
        wave_frame["responded_on"] = (
            start + pd.to_timedelta(rng.integers(14, 75, len(rows)), unit="D")
        ).strftime("%Y-%m-%d")
        for question in QUESTIONS:
            wave_frame[question] = 1 + np.searchsorted(_THRESHOLDS, latent + rng.normal(0, ANSWER_SD, len(rows)))
        priorities = _priorities(lsoa.to_numpy()[rows], wave, calibration, rng)
        wave_frame[["priority_1", "priority_2", "priority_3"]] = priorities
        wave_frame["concern"] = _concerns(priorities[:, 0], street_of.to_numpy()[rows], rng)
        wave_frame["ward_code"] = members["ward_code"].to_numpy()[rows]
        wave_frame["planted"] = planted
        wave_frame["planted_effect"] = _confident_chance(latent) - _confident_chance(unplanted)
        frames.append(wave_frame)
    surveys = pd.concat(frames, ignore_index=True)
    surveys["response_id"] = [f"R{i:08d}" for i in range(1, len(surveys) + 1)]
    return surveys[SURVEY_COLUMNS + TRUTH_COLUMNS]


def _confident_chance(latent: np.ndarray) -> np.ndarray:
    """The chance that an answer on latent score ``latent`` is 4 or 5, over the answer noise."""
    return norm.cdf((latent - _CONFIDENT_CUT) / ANSWER_SD)


def _zscore(values: np.ndarray) -> np.ndarray:
    spread = values.std()
    return (values - values.mean()) / spread if spread else np.zeros_like(values)


def _response_log_odds(members: pd.DataFrame, older: np.ndarray) -> np.ndarray:
    effects = RESPONSE_LOG_ODDS
    younger = members["true_age_band"].isin(["18-24", "25-34"]).to_numpy()
    groups = members["groups"]
    return (
        effects["base"]
        + effects["older"] * older
        + effects["younger"] * younger
        + effects["independent_advisory_group"] * groups.str.contains("independent_advisory_group").to_numpy()
        + effects["neighbourhood_watch"] * groups.str.contains("neighbourhood_watch").to_numpy()
    )


def _priorities(lsoas: np.ndarray, wave: str, calibration: Calibration, rng: np.random.Generator) -> np.ndarray:
    """Up to three topics per respondent (blank where fewer), weighted by the local crime mix."""
    mix = _quarter_mix(calibration.crime_mix, wave).reindex(lsoas).fillna(0.0).to_numpy()
    areas = calibration.areas.set_index("lsoa21_code")
    rural = areas["rural"].reindex(lsoas).fillna(False).to_numpy(dtype=bool)
    deprived = areas["imd_decile"].reindex(lsoas).to_numpy() <= 3
    base = np.array([_TOPIC_BASE[t] for t in TOPICS])
    weights = base * (1 + 4 * mix)
    weights[:, TOPICS.index("speeding")] *= np.where(rural, 2.0, 1.0)
    weights[:, TOPICS.index("litter_flytipping")] *= np.where(deprived, 1.5, 1.0)
    keys = np.log(weights) + rng.gumbel(size=weights.shape)  # Gumbel top-k: weighted sampling without replacement
    ranked = np.asarray(TOPICS, dtype=object)[np.argsort(-keys, axis=1)[:, :3]]
    how_many = rng.choice([1, 2, 3], size=len(lsoas), p=[0.25, 0.3, 0.45])
    ranked[np.arange(3) >= how_many[:, None]] = ""
    return ranked


def _quarter_mix(crime_mix: pd.DataFrame, wave: str) -> pd.DataFrame:
    """Topic shares per LSOA in the wave's quarter, or the nearest quarter with crime data."""
    quarters = sorted(crime_mix["quarter"].unique())
    if not quarters:
        return pd.DataFrame(columns=list(TOPICS))
    target = pd.Period(wave, freq="Q")
    nearest = min(quarters, key=lambda q: (abs((pd.Period(q, freq="Q") - target).n), q))
    return crime_mix[crime_mix["quarter"] == nearest].set_index("lsoa21_code")[list(TOPICS)]


def _concerns(topics: np.ndarray, streets: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A free-text concern for about half the respondents, about their first priority."""
    writes = (rng.random(len(topics)) < 0.5) & (topics != "")
    return np.array(
        [_CONCERNS[t].format(street=s) if w else "" for t, s, w in zip(topics, streets, writes)], dtype=object
    )
