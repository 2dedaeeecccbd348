"""The main job, ``lpt build``: bring the store up to date with the bundled data.

It grows stage by stage with the project: reference data, crime, linkage (and
later scoring). Each stage is idempotent, so running it again only does new
work; linkage is recomputed as a whole, so it always matches what is stored.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Engine

from lpt import settings
from lpt.ingest.crime import ImportReport, import_crime_files
from lpt.ingest.reference import ReferenceReport, import_reference
from lpt.linkage.link import LinkReport, link_all
from lpt.store.queries import crime_summary, quality_summary

__all__ = ["BuildResult", "build"]


@dataclass
class BuildResult:
    """What a build did: import reports, the link run, and summaries of the store."""

    reference_import: ReferenceReport
    crime_import: ImportReport
    link: LinkReport
    crime_summary: pd.DataFrame
    quality: pd.DataFrame

    @property
    def failed(self) -> bool:
        return bool(self.reference_import.failed or self.crime_import.failed)


def build(engine: Engine, *, progress: bool | None = None) -> BuildResult:
    """Import the bundled reference data and police.uk files, link them, summarise the store."""
    reference = import_reference(engine, progress=progress)
    crime = import_crime_files(engine, [settings.bundled_crime_dir()], progress=progress)
    link = link_all(engine)
    return BuildResult(
        reference_import=reference,
        crime_import=crime,
        link=link,
        crime_summary=crime_summary(engine),
        quality=quality_summary(engine),
    )
