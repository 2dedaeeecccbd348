"""Door-knocking setups: targeted engagement and the force-wide "every door" campaign.

:mod:`lpt.setups.model` says what a setup is and manages its life; :mod:`lpt.setups.selection`
lists its priority addresses (and hides doors by the "not in" and revisit rules);
:mod:`lpt.setups.walklist` orders them for a shift and prints them; :mod:`lpt.setups.visits`
records doorstep visits (insert-only, so officers recording at once lose nothing);
:mod:`lpt.setups.progress` counts how far they have got, per setup, team and ward, against the plan.
"""
