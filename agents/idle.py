"""The idle policy: makes no decision at all — the floor for benchmarks.

It opens no offer, answers none (offers to it expire at the quarter's end) and makes no move: its
actor lives on its starting books, contracts and the market alone. Every other built-in family
should beat it in every role; ``benchmarks/world.py`` and the policy benchmark measure by how much.
"""

from __future__ import annotations

from agents.policy import Policy

__all__ = ["IdlePolicy"]


class IdlePolicy(Policy):
    """Decides nothing: the :class:`~agents.policy.Policy` defaults open no offer, answer none and
    make no move, and this family keeps them all."""

    name = "idle"
    description = "makes no decision (the floor for benchmarks)"
