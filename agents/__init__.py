"""Fab Race's agents' minds: policies, their registry and the conformance checks.

The engine (:mod:`game`) knows nothing of this package: policies are handed to it.
:func:`new_game` is the convenience that seats the built-in bots::

    from agents import new_game
    game = new_game("duel", seed=7, policies={"OpenAI": None})  # "OpenAI" played from outside
"""

from __future__ import annotations

from typing import Any

__all__ = ["new_game"]


def new_game(
    scenario: Any,
    seed: int = 0,
    policies: Any = None,
    *,
    registry: Any = None,
    **kwargs: Any,
) -> Any:
    """A game with the default bots in every seat not named in ``policies``.

    Args:
        scenario: a built-in scenario name, a scenario file's path or a loaded ``ScenarioSpec``.
        seed: the game's seed.
        policies: by actor name, a policy object, a policy spec the registry resolves
            (``"planner"``, a variant of the registry's policies file, ``"my.py:Bold"``), or
            ``None`` for a seat played from outside. Seats not named get the policy their
            scenario entry names.
        registry: the :class:`~agents.registry.PolicyRegistry` resolving names (default: the
            built-in families and installed plugins).
        **kwargs: passed on to :class:`game.model.FabRaceModel` (``quarters``, ``recorder``,
            ``decision_seconds``).

    Returns:
        A :class:`game.model.FabRaceModel`, before its first quarter opens.
    """
    from agents.registry import make_policy
    from game.model import FabRaceModel
    from game.scenario import ScenarioSpec, load_scenario

    make = registry.make if registry is not None else make_policy
    spec = scenario if isinstance(scenario, ScenarioSpec) else load_scenario(scenario)
    roles = {a.name: a.role for a in spec.actors}
    seats: dict[str, Any] = {}
    for name, pol in dict(policies or {}).items():
        if isinstance(pol, str):
            if name not in roles:
                raise ValueError(f"no actor named {name!r} in scenario {spec.name}")
            pol = make(pol, roles[name])
        seats[name] = pol

    def factory(name: str, role: str, policy_name: str) -> Any:
        return make(policy_name, role)

    return FabRaceModel(spec, seed=seed, policies=seats, policy_factory=factory, **kwargs)
