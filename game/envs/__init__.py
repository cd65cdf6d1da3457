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

try:
    import gymnasium as _gymnasium  # noqa: F401
    import pettingzoo as _pettingzoo  # noqa: F401
except ImportError as e:  # pragma: no cover - the message is the point
    raise ImportError(
        f"game.envs needs the rl extra: pip install -e '.[rl]' (pettingzoo, gymnasium); {e}"
    ) from e

from game.envs.aec import env, raw_env
from game.envs.catalogue import ActionCatalogue
from game.envs.encoding import ObservationEncoder
from game.envs.parallel import parallel_env
from game.envs.resolve import RESOLVER_GROUP, ResolverError
from game.envs.single import SingleSeatEnv
from game.envs.table import Table

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
