"""The policy contract: how a bot (or a human, or a user's strategy) decides for one actor.

A policy sees only its :class:`~game.observation.Observation` and acts only through the decisions
it returns. The engine calls, each quarter:

1. :meth:`Policy.propose` — new offers, when the quarter opens (at most the action budget is
   taken);
2. :meth:`Policy.respond` — answers to the offers in ``obs.inbox`` (maybe several times a quarter,
   as counters come back, and again before the quarter closes);
3. :meth:`Policy.moves` — unilateral moves, when the quarter closes.

:meth:`Policy.reset` is called once with the policy's own seed before the game; a policy must draw
all its randomness from ``self.rng`` so that a seed gives the same game. A policy that raises or
returns something other than decisions loses that call, not the game.

:meth:`Policy.get_state` and :meth:`Policy.set_state` carry a policy's state into a game's snapshot
and back (see ``docs/SNAPSHOTS.md``).
"""

from __future__ import annotations

import copy
import math
import numbers
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from game.deals import ROLES
from game.decisions import Decision
from game.observation import Observation

__all__ = ["Param", "ParamError", "Policy"]


class ParamError(ValueError):
    """A parameter that a policy family does not have, or a value out of its range."""


@dataclass(frozen=True)
class Param:
    """A named, tunable parameter of a policy family.

    Attributes:
        default: the value when none is given.
        lo: smallest value allowed. hi: largest value allowed.
        doc: what it does, in a sentence.
    """

    default: float
    lo: float
    hi: float
    doc: str

    def check(self, name: str, value: Any) -> float:
        """Return ``value`` as a float if it is a number within range.

        Raises:
            ParamError: naming the parameter and the problem.
        """
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise ParamError(f"parameter {name!r} must be a number (got {value!r})")
        v = float(value)
        if not math.isfinite(v) or not self.lo <= v <= self.hi:
            raise ParamError(
                f"parameter {name!r} must be between {self.lo:g} and {self.hi:g} (got {value!r})"
            )
        return v


class Policy:
    """Base of every policy. Subclasses override the calls they need.

    Class attributes a family sets: ``name`` (how users call it), ``description`` (one line),
    ``roles`` (the roles it can play) and ``parameters`` (its :class:`Param` table).

    Args:
        **params: values for some of the family's parameters; the rest take their defaults.

    Raises:
        ParamError: for an unknown parameter or a value out of range.
    """

    name: ClassVar[str] = "policy"
    description: ClassVar[str] = ""
    roles: ClassVar[tuple[str, ...]] = ROLES
    parameters: ClassVar[dict[str, Param]] = {}

    def __init__(self, **params: Any) -> None:
        unknown = sorted(set(params) - set(self.parameters))
        if unknown:
            raise ParamError(
                f"policy {self.name!r} has no parameter {unknown[0]!r} "
                f"(parameters: {', '.join(self.parameters) or 'none'})"
            )
        self.params: dict[str, float] = {k: p.default for k, p in self.parameters.items()}
        for k, v in params.items():
            self.params[k] = self.parameters[k].check(k, v)
        self.variant: str | None = None  # the configured name it was made under, if any
        self.rng = np.random.default_rng(0)

    @property
    def label(self) -> str:
        """The name shown in results (the variant's name if it has one)."""
        return self.variant or self.name

    def reset(self, seed: int) -> None:
        """Start a new game with this seed (the policy's own random stream)."""
        self.rng = np.random.default_rng(seed)

    def clone(self) -> Policy:
        """An independent copy with the same parameters and state."""
        return copy.deepcopy(self)

    def get_state(self) -> dict[str, Any]:
        """The policy's state as JSON data, for a game's snapshot.

        Its class name, parameters, random generator and every other attribute, written by the
        snapshot codec (:func:`game.snapshot.encode`). A subclass whose attributes the codec does
        not carry overrides this pair (or its seat is saved as not restorable).

        Raises:
            SnapshotError: naming the attribute the codec cannot carry.
        """
        from game.snapshot import SnapshotError, encode  # imports Mesa: only when saving

        own = {k: v for k, v in vars(self).items() if k not in ("params", "rng")}
        try:
            attrs = encode(own)
        except SnapshotError as e:
            raise SnapshotError(f"policy {self.label!r}: {e}") from None
        return {
            "class": type(self).__qualname__,
            "params": encode(self.params),
            "rng": encode(self.rng),
            "attrs": attrs,
        }

    def set_state(self, state: Mapping[str, Any]) -> None:
        """Take the state :meth:`get_state` gave (of a policy of the same class).

        Raises:
            SnapshotError: if the state is of another class or damaged.
        """
        from game.snapshot import SnapshotError, decode  # imports Mesa: only when restoring

        where = f"state of policy {self.label!r}"
        if not isinstance(state, Mapping) or set(state) != {"class", "params", "rng", "attrs"}:
            raise SnapshotError(f"{where}: must have class, params, rng and attrs")
        if state["class"] != type(self).__qualname__:
            raise SnapshotError(
                f"{where}: saved from a {state['class']!r}, not a {type(self).__qualname__!r}"
            )
        params, rng, attrs = decode(state["params"]), decode(state["rng"]), decode(state["attrs"])
        if not isinstance(params, dict) or set(params) != set(self.parameters):
            raise SnapshotError(f"{where}: params must be {', '.join(self.parameters) or 'none'}")
        try:
            params = {k: self.parameters[k].check(k, v) for k, v in params.items()}
        except ParamError as e:
            raise SnapshotError(f"{where}: {e}") from None
        if not isinstance(rng, np.random.Generator):
            raise SnapshotError(f"{where}: rng must be a numpy Generator")
        if not isinstance(attrs, dict):
            raise SnapshotError(f"{where}: attrs must be a mapping")
        for k in attrs:
            if not isinstance(k, str) or not k.isidentifier() or k.startswith("__"):
                raise SnapshotError(f"{where}: {k!r} is not an attribute name")
            attr = getattr(type(self), k, None)
            if callable(attr) or isinstance(attr, property):
                raise SnapshotError(f"{where}: {k!r} is a method, not state")
        self.params = params
        self.rng = rng
        vars(self).update(attrs)

    def propose(self, obs: Observation) -> list[Decision]:
        """New offers to open this quarter. The default opens none."""
        return []

    def respond(self, obs: Observation) -> list[Decision]:
        """Answers to offers in ``obs.inbox``. The default leaves them to expire."""
        return []

    def moves(self, obs: Observation) -> list[Decision]:
        """Unilateral moves this quarter. The default makes none."""
        return []

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in self.params.items())})"
