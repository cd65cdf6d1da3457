"""Fab Race as standard learning environments: PettingZoo (AEC and Parallel) and Gymnasium.

::

    from game.envs import env, raw_env, parallel_env, SingleSeatEnv

    aec = env("baseline-2024", quarters=8)         # every actor an agent, acting in turn
    par = parallel_env("duel")                     # every agent at once
    one = SingleSeatEnv("baseline-2024", seat="OpenAI", opponents="historical")

Needs the ``rl`` extra (``pip install -e '.[rl]'``: pettingzoo, gymnasium). A thin adapter over
the engine's public API: the action catalogue (:mod:`game.envs.catalogue`) numbers an actor's
decisions and the engine's ``check`` masks them; the observation encoder
(:mod:`game.envs.encoding`) makes an observation a vector; the table (:mod:`game.envs.table`)
drives the game and says how turns, rewards and bad actions work; names of opponents are
resolved through an entry-point group, so ``game/`` never imports ``agents/``
(:mod:`game.envs.resolve`). ``agents.callable_policy`` turns a function over these vectors back
into a policy for ``fabrace run`` and tournaments. Guide: ``docs/ENVS.md``.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

__all__ = [
    "RESOLVER_GROUP",
    "ActionCatalogue",
    "ObservationEncoder",
    "ResolverError",
    "SingleSeatEnv",
    "Table",
    "env",
    "parallel_env",
    "raw_env",
]

#: Where each name lives. Loaded on first use (PEP 562), so that the catalogue and the encoder,
#: which need only numpy, import without PettingZoo and Gymnasium (a policy uses them).
_WHERE = {
    "RESOLVER_GROUP": "game.envs.resolve",
    "ActionCatalogue": "game.envs.catalogue",
    "ObservationEncoder": "game.envs.encoding",
    "ResolverError": "game.envs.resolve",
    "SingleSeatEnv": "game.envs.single",
    "Table": "game.envs.table",
    "env": "game.envs.aec",
    "parallel_env": "game.envs.parallel",
    "raw_env": "game.envs.aec",
}


def __getattr__(name: str) -> Any:
    where = _WHERE.get(name)
    if where is None:
        raise AttributeError(f"module 'game.envs' has no attribute {name!r}")
    try:
        module = import_module(where)
    except ImportError as e:
        if e.name not in ("pettingzoo", "gymnasium") and "pettingzoo" not in str(e):
            raise
        raise ImportError(
            f"game.envs.{name} needs the rl extra: pip install -e '.[rl]' "
            f"(pettingzoo, gymnasium); {e}"
        ) from e
    return getattr(module, name)
