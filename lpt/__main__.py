"""``python -m lpt`` runs the command line."""

import sys

from lpt.cli import main

sys.exit(main())
