"""Deprecated: the actors moved to :mod:`game.actors` (they hold engine state, not policy code).

``from agents.actors import Lab`` still works and warns; import from ``game.actors`` instead.
"""

import warnings

from game.actors import ROLE_CLASSES, Actor, Cohort, Designer, Foundry, Investor, Lab

__all__ = ["ROLE_CLASSES", "Actor", "Cohort", "Designer", "Foundry", "Investor", "Lab"]

warnings.warn(
    "agents.actors is deprecated; import the role classes from game.actors",
    DeprecationWarning,
    stacklevel=2,
)
