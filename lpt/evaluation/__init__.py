"""Evaluation: public confidence over time, and the effect of targeted setups on crime, ASB and confidence.

:mod:`lpt.evaluation.effect` says what an estimate is; the estimators, the power of a design before a
setup starts and the simulation checks of the estimators live in their own modules.
"""
