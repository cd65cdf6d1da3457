"""Policies from plain callables: a hand-written function, or an agent trained in ``game.envs``.

Two wrappers make a :class:`~agents.policy.Policy` of a function, so that it plays in
``fabrace run``, ``new_game`` and tournaments beside the built-ins:

- :class:`CallablePolicy` — ``fn(obs, phase) -> decisions``, over the engine's own
  :class:`~game.observation.Observation` (``phase`` is ``propose``, ``respond`` or ``moves``);
- :class:`ActionPolicy` — ``fn(observation) -> action``, over what the environments of
  :mod:`game.envs` show a learner (``{"observation": vector, "action_mask": mask}``) and the
  action numbers of their catalogue. At each engine call it asks the function again and again,
  with the slots of that call's phase unmasked (proposals when the quarter opens, answers when
  offers wait, moves when it closes) and each slot it took masked, until it passes.

A policy file can hand either to the command line through a factory function::

    # my_agent.py
    def make():
        return ActionPolicy(my_trained_fn, name="linear")

    fabrace run --policy OpenAI=my_agent.py:make

The mask an :class:`ActionPolicy` sees comes from the observation's legal decisions alone (a
policy cannot ask the engine's ``check``): a slot it takes may still be refused by the engine
(money, stakes left), which then counts as a refused decision of the seat and changes nothing.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np

from agents.policy import Policy
from game.decisions import Decision
from game.envs.catalogue import ActionCatalogue
from game.envs.encoding import ObservationEncoder
from game.observation import Observation

__all__ = ["ActionPolicy", "CallablePolicy", "policy_from_callable"]

#: Decisions one engine call may take from an :class:`ActionPolicy`, at most.
MAX_ACTIONS_PER_CALL = 16

_PHASE_OPS: dict[str, frozenset[str] | None] = {
    "propose": frozenset({"propose"}),
    "respond": frozenset({"accept", "reject"}),
    "moves": None,  # every move type: the slots that are none of the above
}


class _FunctionPolicy(Policy):
    """What both wrappers share: the function they ask, a name, the roles they may play, and
    the quarter's three calls, each asking for that phase's decisions (``_ask``)."""

    def __init__(self, fn: Callable[..., Any], *, name: str, roles: tuple[str, ...] | None) -> None:
        super().__init__()
        if not callable(fn):
            raise TypeError(f"fn must be callable (got {type(fn).__name__})")
        self.fn = fn
        self.variant = name
        if roles is not None:
            self.roles = tuple(roles)  # type: ignore[misc]  # per instance, on purpose

    @abstractmethod
    def _ask(self, obs: Observation, phase: str) -> list[Decision]:
        """The decisions of ``phase`` (``propose``, ``respond`` or ``moves``)."""

    def propose(self, obs: Observation) -> list[Decision]:
        return self._ask(obs, "propose")

    def respond(self, obs: Observation) -> list[Decision]:
        return self._ask(obs, "respond")

    def moves(self, obs: Observation) -> list[Decision]:
        return self._ask(obs, "moves")


class CallablePolicy(_FunctionPolicy):
    """A policy that asks ``fn(obs, phase)`` for its decisions.

    Args:
        fn: called with the observation and ``"propose"``, ``"respond"`` or ``"moves"``;
            returns an iterable of decisions (or ``None`` for none).
        name: how results show it.
        roles: the roles it may play.
    """

    name = "callable"
    description = "decisions from a function fn(obs, phase)"

    def __init__(
        self,
        fn: Callable[[Observation, str], Iterable[Decision] | None],
        *,
        name: str = "callable",
        roles: tuple[str, ...] | None = None,
    ) -> None:
        super().__init__(fn, name=name, roles=roles)

    def _ask(self, obs: Observation, phase: str) -> list[Decision]:
        got = self.fn(obs, phase)
        return [] if got is None else list(got)


class ActionPolicy(_FunctionPolicy):
    """A policy that asks ``fn({"observation": x, "action_mask": m})`` for action numbers.

    The catalogue and encoder are those of :mod:`game.envs` for the seat it plays, built at its
    first observation, so a function trained in an environment sees the same vectors here.

    Args:
        fn: returns an action number of the seat's catalogue (0: pass); an action outside the
            mask ends the call, as a pass.
        name: how results show it.
        roles: the roles it may play.
    """

    name = "action"
    description = "action numbers from a function trained in game.envs"

    def __init__(
        self,
        fn: Callable[[Mapping[str, np.ndarray]], Any],
        *,
        name: str = "action",
        roles: tuple[str, ...] | None = None,
    ) -> None:
        super().__init__(fn, name=name, roles=roles)
        self._tools: Any = None  # (catalogue, encoder) of the seat, made at the first call

    def reset(self, seed: int) -> None:
        super().reset(seed)
        self._tools = None

    def _seat(self, obs: Observation) -> Any:
        if self._tools is None or self._tools[0].actor != obs.actor:
            actors = [(n, str(p["role"])) for n, p in obs.public.items()]
            self._tools = (ActionCatalogue(actors, obs.actor), ObservationEncoder(obs))
        return self._tools

    def _ask(self, obs: Observation, phase: str) -> list[Decision]:
        catalogue, encoder = self._seat(obs)
        ops = _PHASE_OPS[phase]
        answer_ops = _PHASE_OPS["propose"] | _PHASE_OPS["respond"]  # type: ignore[operator]
        in_phase = [
            (s.op in ops if ops is not None else s.op not in answer_ops) for s in catalogue.slots
        ]
        decisions = catalogue.decisions(obs, in_phase)
        mask = catalogue.mask(decisions)
        x = encoder.encode(obs)
        out: list[Decision] = []
        proposals = obs.legal.proposals_left
        for _ in range(MAX_ACTIONS_PER_CALL):
            a = self.fn({"observation": x.copy(), "action_mask": mask.copy()})
            try:
                a = int(a)
            except (TypeError, ValueError):
                raise ValueError(f"the policy function returned {a!r}, not an action") from None
            if a <= 0 or a >= len(mask) or not mask[a]:
                break
            d = decisions[a]
            assert d is not None  # an allowed slot other than pass has one
            out.append(d)
            taken = catalogue.slots[a]
            for j, s in enumerate(catalogue.slots):
                same_offer = s.op in ("accept", "reject") and s.size == taken.size
                if (
                    j == a
                    or (taken.op in ("accept", "reject") and same_offer)
                    or (taken.op not in answer_ops and s.op == taken.op)
                ):
                    mask[j] = 0  # an offer is answered once, a move made once a quarter
            if taken.op == "propose":
                proposals -= 1
                if proposals <= 0:
                    break
        return out


def policy_from_callable(fn: Callable[..., Any], *, kind: str = "action", **kwargs: Any) -> Policy:
    """Wrap ``fn``: ``kind="action"`` gives an :class:`ActionPolicy`, ``"decisions"`` a
    :class:`CallablePolicy`.

    Raises:
        ValueError: for another kind.
    """
    if kind == "action":
        return ActionPolicy(fn, **kwargs)
    if kind == "decisions":
        return CallablePolicy(fn, **kwargs)
    raise ValueError(f"kind must be 'action' or 'decisions' (got {kind!r})")
