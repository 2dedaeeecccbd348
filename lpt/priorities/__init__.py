"""Streets to focus on and actions to take, each with its reasons, and a record of what was done.

:mod:`lpt.priorities.score` scores every street; :mod:`lpt.priorities.recommend`
gives a ward's ranked streets with reasons and actions (rules as data in
``actions.toml``) behind the access layer; :mod:`lpt.priorities.lifecycle`
records what became of each action.
"""
