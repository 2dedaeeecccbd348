"""Reports: figures computed in lpt (``content``) shown by thin notebooks, rendered to HTML (``render``).

``lpt report ward CODE``, ``lpt report force`` and ``lpt report setup ID`` execute
``notebooks/ward_report.ipynb``, ``notebooks/force_overview.ipynb`` and ``notebooks/setup_report.ipynb``
with papermill and publish HTML without code to the reports folder (lpt.settings.reports_dir), with an
``index.html`` linking every report. ``--pdf`` also prints
the HTML to PDF with headless Chromium (``pdf``). ``lpt report all`` renders every ward's report
in parallel worker processes (``batch``). ``lpt evaluate confidence`` and ``lpt evaluate setup ID``
render the evaluation notebooks the same way.
"""

from lpt.reports.publish import confidence_evaluation, force_report, setup_evaluation, setup_report, ward_report
from lpt.reports.render import render, write_index

__all__ = [
    "confidence_evaluation", "force_report", "render", "setup_evaluation", "setup_report", "ward_report", "write_index",
]
