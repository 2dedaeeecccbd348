"""Next-month crime per street: the LPT forecast, naive baselines and a back-test.

A *street* here is the raw police.uk ``Location`` string within its raw
``LSOA code`` (the back-test's unit); rows without an LSOA code belong to no
street.
"""

from lpt.forecast.backtest import BacktestResult, run_backtest
from lpt.forecast.history import StreetHistory, records_from_files, street_history
from lpt.forecast.model import expected_counts

__all__ = [
    "BacktestResult",
    "StreetHistory",
    "expected_counts",
    "records_from_files",
    "run_backtest",
    "street_history",
]
