"""notebooks/evaluation_confidence.ipynb runs under papermill as an evaluator on a copy of the sample store."""

from __future__ import annotations

import nbformat
import papermill
import pytest

from lpt.access.users import add_user, get_user
from lpt.reports.render import NOTEBOOKS
from lpt.store import open_store
from tests.conftest import OFFICER_WARD, backup_copy

NOTEBOOK = NOTEBOOKS / "evaluation_confidence.ipynb"


@pytest.fixture(scope="module")
def evaluator_url(sample_store, tmp_path_factory) -> str:
    """A copy of the sample store with user 'evaluator' (role evaluator), the notebook's default user."""
    engine, _ = sample_store
    url = backup_copy(engine, tmp_path_factory.mktemp("evaluation") / "lpt.sqlite")
    copy = open_store(url)
    add_user(copy, get_user(copy, "admin"), "evaluator", name="Evaluator", role="evaluator")
    copy.dispose()
    return url


def test_the_notebook_shows_every_section_for_a_ward_by_age_band(evaluator_url, tmp_path):
    source = nbformat.read(NOTEBOOK, as_version=4)
    parameters = next(cell for cell in source.cells if "parameters" in cell.metadata.get("tags", []))
    assert "user = 'evaluator'" in parameters.source and "by = None" in parameters.source
    out = tmp_path / "evaluation_confidence.ipynb"
    papermill.execute_notebook(str(NOTEBOOK), str(out), kernel_name="python3", progress_bar=False, cwd=str(NOTEBOOKS),
                               parameters={"db_url": evaluator_url, "level": "ward", "code": OFFICER_WARD,
                                           "first_wave": "2024Q2", "by": "age_band"})
    executed = nbformat.read(out, as_version=4)
    outputs = [output for cell in executed.cells if cell.cell_type == "code" for output in cell.outputs]
    assert not [output for output in outputs if output.output_type == "error"]
    text = "\n".join(str(output.get("data", {}).get("text/markdown", "")) for output in outputs)
    assert "**Central, survey waves 2024Q2 to 2025Q4.**" in text
    assert "Residents aged 18-24 in Central" in text  # the trend sentences of the groups
    assert "independent advisory group" in text
    images = [output for output in outputs if "image/png" in output.get("data", {})]
    assert len(images) == 4  # over time, by group, response rates, under-represented groups
    headings = [cell.source.splitlines()[0] for cell in executed.cells if cell.cell_type == "markdown"]
    assert headings == ["# Public confidence over time", "## Headline", "## Confidence over time", "## By group",
                        "## Response rates", "## Under-represented groups", "## Independent advisory group"]
