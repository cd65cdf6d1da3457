"""Who plays the seats no learner takes: policy objects, a factory, or names resolved at run time.

The engine (``game/``) imports nothing from ``agents/``, yet ``SingleSeatEnv("baseline-2024",
seat="OpenAI", opponents="historical")`` must turn ``"historical"`` into a policy. Names are
resolved through the Python entry-point group ``fabrace.policy_resolvers``: the ``fabrace``
package registers ``agents.registry:make_policy`` there (``pyproject.toml``), and any installed
package may register its own ``(spec, role) -> policy`` callable. It is looked up with
:mod:`importlib.metadata` when a name must be resolved, so nothing in ``game/`` names the agents
package, and a game built only from policy objects or a factory needs no resolver at all.
"""

from __future__ import annotations

import copy
import importlib.metadata
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["RESOLVER_GROUP", "Opponents", "ResolverError", "seat_factory"]

RESOLVER_GROUP = "fabrace.policy_resolvers"

#: What fills the seats no learner takes: ``None`` (the policy the scenario names for each), a
#: policy name for all of them (``"historical"``), a mapping actor -> name or policy object
#: (seats not in it get the scenario's), or a factory ``(actor, role, scenario's policy name) ->
#: policy``.
Opponents = str | Mapping[str, Any] | Callable[[str, str, str], Any] | None


class ResolverError(LookupError):
    """No installed resolver can turn a policy name into a policy."""


def _resolver() -> Callable[[str, str], Any]:
    eps = sorted(importlib.metadata.entry_points(group=RESOLVER_GROUP), key=lambda e: e.name)
    if not eps:
        raise ResolverError(
            f"no policy resolver is installed (entry-point group {RESOLVER_GROUP!r}): "
            "reinstall the game (make setup, or pip install -e .), or pass policy objects "
            "or a factory as opponents"
        )
    fn = eps[0].load()
    if not callable(fn):
        raise ResolverError(f"the policy resolver {eps[0].value} is not callable")
    return fn


def seat_factory(opponents: Opponents) -> Callable[[str, str, str], Any]:
    """A policy factory for :class:`game.model.FabRaceModel` from an :data:`Opponents` value.

    Policy objects given in a mapping are deep-copied for every game, so that no state carries
    from one game to the next.

    Raises:
        TypeError: if ``opponents`` is none of the accepted forms.
    """
    if opponents is None or isinstance(opponents, str):
        fixed = opponents

        def by_name(name: str, role: str, policy_name: str) -> Any:
            return _resolver()(fixed or policy_name, role)

        return by_name
    if isinstance(opponents, Mapping):
        table = dict(opponents)

        def by_table(name: str, role: str, policy_name: str) -> Any:
            pol = table.get(name, policy_name)
            return _resolver()(pol, role) if isinstance(pol, str) else copy.deepcopy(pol)

        return by_table
    if callable(opponents):
        return opponents
    raise TypeError(
        "opponents must be a policy name, a mapping of actor to policy, a factory "
        f"(actor, role, policy name) -> policy, or None (got {type(opponents).__name__})"
    )
