"""The main job, ``lpt build``: bring the store up to date with the bundled data.

It grows stage by stage with the project (reference data, linkage, scoring);
each stage is idempotent, so running it again only does new work.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Engine

from lpt import settings
from lpt.ingest.crime import ImportReport, import_crime_files
from lpt.store.queries import crime_summary

__all__ = ["BuildResult", "build"]


@dataclass
class BuildResult:
    """What a build did: the crime import report and the stored records per force-month."""

    crime_import: ImportReport
    crime_summary: pd.DataFrame


def build(engine: Engine, *, progress: bool | None = None) -> BuildResult:
    """Import the bundled police.uk files and summarise the store."""
    report = import_crime_files(engine, [settings.bundled_crime_dir()], progress=progress)
    return BuildResult(crime_import=report, crime_summary=crime_summary(engine))
