"""Generate a whole synthetic community data export, seeded, and write it as CSV files.

The same seed, scale and calibration give byte-identical files. Each part
(households, members, visits, surveys) draws from its own child of the seed,
so changing one part's model leaves the others' random streams alone.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from lpt.errors import LPTError
from lpt.synth import members as member_model
from lpt.synth import surveys as survey_model
from lpt.synth.calibration import Calibration
from lpt.synth.households import HOUSEHOLD_COLUMNS, generate_households
from lpt.synth.members import MEMBER_COLUMNS, generate_members
from lpt.synth.surveys import SURVEY_COLUMNS, PlantedChange, generate_surveys
from lpt.synth.visits import VISIT_COLUMNS, generate_visits

__all__ = ["SAMPLE_WARDS", "SCALES", "FILES", "Synthetic", "generate", "sample_wards", "write"]

#: The sample scale: four contrasting wards (Hull Central, Hull Bricknell,
#: Howden in the East Riding, East Marsh in Grimsby).
SAMPLE_WARDS: tuple[str, ...] = ("E05011529", "E05011528", "E05001699", "E05001714")
SCALES = ("sample", "force")
#: Export file names and their columns.
FILES: dict[str, list[str]] = {
    "households.csv": HOUSEHOLD_COLUMNS,
    "members.csv": MEMBER_COLUMNS,
    "surveys.csv": SURVEY_COLUMNS,
    "visits.csv": VISIT_COLUMNS,
}


@dataclass
class Synthetic:
    """Generated frames (export columns plus truth columns) and the planted truth."""

    households: pd.DataFrame
    members: pd.DataFrame
    surveys: pd.DataFrame
    visits: pd.DataFrame
    truth: dict


def generate(
    calibration: Calibration, *, seed: int, scale: str = "sample", plant: PlantedChange | None = None
) -> Synthetic:
    """Generate every part; ``scale`` ``sample`` keeps :data:`SAMPLE_WARDS` only."""
    if scale not in SCALES:
        raise LPTError(f"scale must be one of {', '.join(SCALES)}, not {scale!r}")
    if calibration.areas.empty:
        raise LPTError("no areas to generate for: import reference data first (lpt ingest reference)")
    if scale == "sample":
        calibration = calibration.only_wards(sample_wards(calibration))
    if calibration.areas.empty:
        raise LPTError("no areas to generate for: import reference data first (lpt ingest reference)")
    rng_households, rng_members, rng_visits, rng_surveys = (
        np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(4)
    )
    households = generate_households(calibration, rng_households)
    members = generate_members(households, calibration, rng_members)
    visits, members = generate_visits(households, members, rng_visits)
    surveys = generate_surveys(members, households, calibration, rng_surveys, plant=plant)
    truth = {
        "seed": seed,
        "scale": scale,
        "wards": sorted(calibration.areas["ward_code"].unique().tolist()),
        "registration_log_odds": member_model.REGISTRATION_LOG_ODDS,
        "response_log_odds": survey_model.RESPONSE_LOG_ODDS,
        "confidence_effects": survey_model.CONFIDENCE_EFFECTS,
        "planted_change": _planted_truth(plant, surveys) if plant else None,
        "rows": {"households": len(households), "members": len(members), "surveys": len(surveys), "visits": len(visits)},
    }
    return Synthetic(households=households, members=members, surveys=surveys, visits=visits, truth=truth)


def _planted_truth(plant: PlantedChange, surveys: pd.DataFrame) -> dict:
    """The plant as given and the true effect it has on the share confident, in percentage points:
    ``true_effect_pp`` over the planted answers, ``true_effect_wards_pp`` over every answer from the plant's
    wave on in the wards holding a planted answer (what a comparison of whole wards estimates: the same for
    a plant on wards, diluted for one on LSOAs); None without planted answers."""
    planted = surveys["planted"].to_numpy(dtype=bool)
    wards = surveys["ward_code"].isin(surveys.loc[planted, "ward_code"]) & (surveys["wave"] >= plant.wave)
    effect = surveys["planted_effect"]
    return {
        **asdict(plant), "wards": list(plant.wards), "lsoas": list(plant.lsoas),
        "true_effect_pp": 100 * float(effect[planted].mean()) if planted.any() else None,
        "true_effect_wards_pp": 100 * float(effect[wards].mean()) if planted.any() else None,
    }


def sample_wards(calibration: Calibration, size: int = len(SAMPLE_WARDS)) -> list[str]:
    """:data:`SAMPLE_WARDS` where the calibration has them, else one ward per district in code order."""
    wards = calibration.areas.drop_duplicates("ward_code").sort_values(["district_code", "ward_code"])
    chosen = [w for w in SAMPLE_WARDS if w in set(wards["ward_code"])]
    if chosen:
        return chosen
    spread = wards.groupby("district_code").head(1)["ward_code"].tolist()
    return (spread + [w for w in wards["ward_code"] if w not in spread])[:size]


def write(synthetic: Synthetic, out: str | Path) -> list[Path]:
    """Write the export CSV files and ``truth.json`` into ``out``; returns the paths written."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    frames = {
        "households.csv": synthetic.households,
        "members.csv": synthetic.members,
        "surveys.csv": synthetic.surveys,
        "visits.csv": synthetic.visits,
    }
    paths = []
    for name, frame in frames.items():
        path = out / name
        frame[FILES[name]].to_csv(path, index=False, lineterminator="\n")
        paths.append(path)
    truth = out / "truth.json"
    truth.write_text(json.dumps(synthetic.truth, indent=2, sort_keys=True) + "\n")
    return [*paths, truth]
