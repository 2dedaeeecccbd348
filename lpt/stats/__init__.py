"""Honest survey figures: weighting, change over time, representativeness, peer wards, hot spots.

Models run here on microdata (lpt.stats.microdata, internal); callers use
:mod:`lpt.stats.results`, where each model sits behind the access layer
(action ``statistical_models``) and only results leave.
"""
