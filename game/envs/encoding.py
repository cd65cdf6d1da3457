"""The observation vector: one actor's observation as a fixed-length array of floats.

The layout is fixed for an actor of a scenario when the environment is built, from a first
observation: time (quarter and quarters left, as shares of the game), the market's figures, the
actor's own books (every number, and every flag as 0/1), every actor's public figures in scenario
order, its trust in each other actor and theirs in it, the proposals it has left, the modifiers of
the events in force, and up to ``INBOX_SLOTS`` offers of its inbox (present, deal kind one-hot,
proposer, value). A figure that is missing later (an actor gone) reads 0.

Every figure goes through ``sign(x) * log1p(|x|)`` and is clipped to ``[-OBS_BOUND, OBS_BOUND]``,
so that the vector is finite and inside its ``Box`` whatever the game does (cash of $1 T reads
about 6.9). The vector is ``float32``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from game.deals import DealKind
from game.envs.catalogue import INBOX_SLOTS
from game.observation import Observation

__all__ = ["OBS_BOUND", "ObservationEncoder"]

#: Every entry of the vector lies in ``[-OBS_BOUND, OBS_BOUND]``.
OBS_BOUND = 25.0

_KINDS = [k.value for k in DealKind]


def _numeric_keys(m: Mapping[str, Any]) -> tuple[str, ...]:
    """The keys of ``m`` whose values are numbers or flags (None counts: it may become one)."""
    return tuple(
        k for k, v in m.items() if v is None or (isinstance(v, bool | int | float) and k != "name")
    )


def _num(v: Any) -> float:
    if isinstance(v, bool):
        return 1.0 if v else 0.0
    if isinstance(v, int | float):
        x = float(v)
        return x if math.isfinite(x) else 0.0
    return 0.0


class ObservationEncoder:
    """Turns one actor's observations into vectors of a fixed layout.

    Args:
        first: an observation of the actor (its keys fix the layout).
    """

    def __init__(self, first: Observation) -> None:
        self.actor = first.actor
        self.actors: tuple[str, ...] = tuple(first.public)
        self.market_keys = _numeric_keys(first.market)
        self.book_keys = _numeric_keys(first.books)
        self.public_keys = {n: _numeric_keys(p) for n, p in first.public.items()}
        self.modifier_keys = _numeric_keys(first.modifiers)
        self.others = tuple(n for n in self.actors if n != self.actor)
        self.budget = max(1, int(first.rules.action_budget))
        self.size = (
            2
            + len(self.market_keys)
            + len(self.book_keys)
            + sum(len(k) for k in self.public_keys.values())
            + 2 * len(self.others)
            + 1
            + len(self.modifier_keys)
            + INBOX_SLOTS * (3 + len(_KINDS))
        )

    def encode(self, obs: Observation) -> np.ndarray:
        """The vector of ``obs`` (``float32``, length :attr:`size`, every entry in bounds).

        Raises:
            ValueError: if ``obs`` is another actor's.
        """
        if obs.actor != self.actor:
            raise ValueError(f"an observation of {obs.actor}, not of {self.actor}")
        total = max(1, obs.quarter + obs.quarters_left)
        raw: list[float] = [obs.quarter / total, obs.quarters_left / total]
        raw += [_num(obs.market.get(k)) for k in self.market_keys]
        raw += [_num(obs.books.get(k)) for k in self.book_keys]
        for n, keys in self.public_keys.items():
            pub = obs.public.get(n, {})
            raw += [_num(pub.get(k)) for k in keys]
        raw += [_num(obs.trust_in.get(n)) for n in self.others]
        raw += [_num(obs.trusted_by.get(n)) for n in self.others]
        raw.append(obs.legal.proposals_left / self.budget)
        raw += [_num(obs.modifiers.get(k)) for k in self.modifier_keys]
        for i in range(INBOX_SLOTS):
            if i < len(obs.inbox):
                offer = obs.inbox[i]
                who = offer["proposer"]
                pos = (self.actors.index(who) + 1) / len(self.actors) if who in self.actors else 0
                raw += [1.0, pos, _num(offer.get("value"))]
                raw += [1.0 if offer["kind"] == k else 0.0 for k in _KINDS]
            else:
                raw += [0.0] * (3 + len(_KINDS))
        x = np.asarray(raw, dtype=np.float64)
        x = np.sign(x) * np.log1p(np.abs(x))
        return np.clip(x, -OBS_BOUND, OBS_BOUND).astype(np.float32)
