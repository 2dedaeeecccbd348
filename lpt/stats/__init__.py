"""Honest survey figures: weighting, change over time, representativeness, peer wards, hot spots.

Models run here on microdata (lpt.stats.microdata, internal); only their
results leave, through the access layer (action ``statistical_models``).
"""
