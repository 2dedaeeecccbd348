"""Synthetic community data (residents, members, surveys, visits), calibrated to real public data.

Personal data in LPT is never real. This package makes data that behaves like a
community messaging system's export, so the workbench can be built, tested
and demonstrated; the export goes in through the same importers as real data.
"""

from lpt.synth.calibration import Calibration
from lpt.synth.generate import SAMPLE_WARDS, SCALES, Synthetic, generate, write
from lpt.synth.surveys import PlantedChange

__all__ = ["Calibration", "PlantedChange", "SAMPLE_WARDS", "SCALES", "Synthetic", "generate", "write"]
