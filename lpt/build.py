"""The main job, ``lpt build``: bring the store up to date with the bundled data.

It grows stage by stage with the project: reference data, crime, linkage,
synthetic community data (generated once per scale and seed, then imported
like a real export), the insight tables profiles read, and later scoring. Each stage is idempotent, so running
it again only does new work; linkage is recomputed as a whole, so it always
matches what is stored.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from sqlalchemy import Engine

from lpt import settings
from lpt.ingest.community import import_community_files
from lpt.ingest.crime import ImportReport, import_crime_files
from lpt.ingest.reference import ReferenceReport, import_reference
from lpt.insight.refresh import RefreshReport, refresh
from lpt.linkage.link import LinkReport, link_all
from lpt.progress import progress_bar
from lpt.store.queries import crime_summary, quality_summary
from lpt.synth import generate, write
from lpt.synth.calibration import load_calibration

__all__ = ["BuildResult", "DEFAULT_SEED", "COMMUNITY_ORDER", "build", "synthetic_export"]

DEFAULT_SEED = 20251
#: Import order of the community export: references must already be stored.
COMMUNITY_ORDER = ("households", "members", "visits", "surveys")


@dataclass
class BuildResult:
    """What a build did: import reports, the link run, and summaries of the store."""

    reference_import: ReferenceReport
    crime_import: ImportReport
    link: LinkReport
    synthetic: Path | None  # None when reference data failed to import
    community_import: dict[str, ImportReport]
    insight: RefreshReport
    crime_summary: pd.DataFrame
    quality: pd.DataFrame

    @property
    def failed(self) -> bool:
        imports = [self.crime_import, *self.community_import.values()]
        return bool(self.reference_import.failed or any(r.failed for r in imports))


def build(
    engine: Engine, *, scale: str = "sample", seed: int = DEFAULT_SEED, progress: bool | None = None
) -> BuildResult:
    """Import the bundled reference data and police.uk files, link them, generate (if needed) and
    import the synthetic community export of ``scale`` and ``seed``, and summarise the store."""
    reference = import_reference(engine, progress=progress)
    crime = import_crime_files(engine, [settings.bundled_crime_dir()], progress=progress)
    link = link_all(engine)
    folder, community = None, {}
    if not reference.failed:  # the generator is calibrated on the reference data
        folder = synthetic_export(engine, scale=scale, seed=seed)
        community = {
            kind: import_community_files(engine, kind, [folder / f"{kind}.csv"])
            for kind in progress_bar(COMMUNITY_ORDER, "Importing community data", "file", progress)
        }
    insight = refresh(engine)
    return BuildResult(
        reference_import=reference,
        crime_import=crime,
        link=link,
        synthetic=folder,
        community_import=community,
        insight=insight,
        crime_summary=crime_summary(engine),
        quality=quality_summary(engine),
    )


def synthetic_export(engine: Engine, *, scale: str, seed: int) -> Path:
    """Folder of the synthetic export for ``scale`` and ``seed``, generated unless already there."""
    folder = settings.synthetic_dir() / f"{scale}-seed{seed}"
    truth = folder / "truth.json"
    if truth.exists():
        made = json.loads(truth.read_text())
        if (made.get("scale"), made.get("seed")) == (scale, seed):
            return folder
    write(generate(load_calibration(engine), seed=seed, scale=scale), folder)
    return folder
