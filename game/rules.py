"""Deprecated: the legality checks moved to :mod:`game.legality`.

``from game.rules import LegalDecisions`` still works and warns; import from ``game.legality``.
"""

import warnings

from game.legality import (
    MOVE_BOUNDS,
    TERM_BOUNDS,
    LegalDecisions,
    Refused,
    check_signing,
    deal_partners,
    legal_decisions,
    prepare,
)

__all__ = [
    "MOVE_BOUNDS",
    "TERM_BOUNDS",
    "LegalDecisions",
    "Refused",
    "check_signing",
    "deal_partners",
    "legal_decisions",
    "prepare",
]

warnings.warn(
    "game.rules is deprecated; import the legality checks from game.legality",
    DeprecationWarning,
    stacklevel=2,
)
