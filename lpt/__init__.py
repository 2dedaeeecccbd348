"""LPT: the Local Priority Targeting workbench.

Data flows one way: ``lpt.ingest`` reads outside data into ``lpt.store``;
later stages (linkage, scoring, reports, apps) read from the store. See
``docs/ARCHITECTURE.md``.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("lpt")
except PackageNotFoundError:  # running from a source tree without installing
    __version__ = "0+unknown"

__all__ = ["__version__"]
