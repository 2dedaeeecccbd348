# The two set-up commands of the README: `make demo` and `make test`.
# Each builds .venv on first use (and again only when pyproject.toml changes).

PYTHON ?= python3
VENV := .venv
STAMP := $(VENV)/.installed

.PHONY: demo test bench guide clean

demo: $(STAMP)
	$(VENV)/bin/lpt build

test: $(STAMP)
	bash scripts/system-packages.sh
	$(VENV)/bin/ruff check lpt tests benchmarks
	$(VENV)/bin/python -m pytest

bench: $(STAMP)
	bash scripts/system-packages.sh
	$(VENV)/bin/python benchmarks/linkage.py
	$(VENV)/bin/python benchmarks/ingest.py
	$(VENV)/bin/python benchmarks/backtest.py
	$(VENV)/bin/python benchmarks/build.py
	$(VENV)/bin/python benchmarks/profile.py
	$(VENV)/bin/python benchmarks/reports.py
	$(VENV)/bin/python benchmarks/supervision.py
	$(VENV)/bin/python benchmarks/evaluation.py
	$(VENV)/bin/lpt build
	$(VENV)/bin/python benchmarks/evaluation_confidence.py

# The officer guide's screenshots, taken again by the browser tests (docs/OFFICER_GUIDE.md).
guide: $(STAMP)
	bash scripts/system-packages.sh
	$(VENV)/bin/python -m pytest -q tests/test_apps_browser.py
	$(VENV)/bin/python scripts/guide_images.py

$(STAMP): pyproject.toml
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

clean:
	rm -rf $(VENV) data/lpt.sqlite data/lpt.sqlite-wal data/lpt.sqlite-shm
