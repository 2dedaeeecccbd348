"""The ``lpt`` command: a thin layer over the ``lpt`` Python API.

Each command parses its arguments, calls one API function and prints the
result. Expected failures (:class:`~lpt.errors.LPTError`) print one line on
stderr and exit 1; with ``--json`` stdout carries exactly one JSON object.
The parser is in :mod:`lpt.cli.app`; each command group is a module of its own.
"""

from lpt.cli.app import main

__all__ = ["main"]
