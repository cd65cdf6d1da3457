"""Playing a tournament's games: what runs in a worker process (or a Dask worker).

A worker gets the configuration (scenario included) and a batch of games, rebuilds each seat's
policy from its recipe, plays, and returns plain results. A game that raises or runs past its time
limit comes back as failed, with its error; the batch goes on.
"""

from __future__ import annotations

import hashlib
import json
import time
import traceback
from functools import lru_cache
from typing import Any

from agents.policy import Policy
from agents.registry import PolicyRegistry, load_factory_from_file
from agents.sandbox import SandboxedPolicy
from game.model import FabRaceModel
from game.scenario import ScenarioSpec, scenario_from_dict
from tournament.design import GameSpec, TournamentConfig

__all__ = ["UNBUDGETED_SECONDS", "GameTimeout", "make_from_recipe", "play_batch", "play_game"]


#: The hard limit of a sandboxed policy's call when the tournament sets no decision budget.
UNBUDGETED_SECONDS = 60.0


class GameTimeout(Exception):
    """A game ran past its time limit."""


@lru_cache(maxsize=1)
def _registry() -> PolicyRegistry:
    return PolicyRegistry(policies_file=None, cwd=None, plugins=True, use_cwd_file=False)


_SPECS: dict[str, ScenarioSpec] = {}


def _scenario(config: TournamentConfig) -> ScenarioSpec:
    """The scenario of a configuration, built once per process."""
    key = config.key()
    spec = _SPECS.get(key)
    if spec is None:
        spec = scenario_from_dict(config.scenario, source="<tournament>")
        _SPECS.clear()
        _SPECS[key] = spec
    return spec


@lru_cache(maxsize=64)
def _sandboxed_class(target_json: str, seconds: float | None) -> type[Policy]:
    """The proxy class of a sandboxed recipe's target, loaded once per worker process."""
    from agents.sandbox import SandboxLimits, describe_target, proxy_class

    target = json.loads(target_json)
    limits = SandboxLimits(seconds=seconds if seconds is not None else UNBUDGETED_SECONDS)
    return proxy_class(target, describe_target(target, limits), limits)


def make_from_recipe(r: dict[str, Any], role: str, seconds: float | None = None) -> Policy:
    """Rebuild a policy from its recipe (see :func:`tournament.design.recipe`).

    A sandboxed recipe gives a :class:`~agents.sandbox.SandboxedPolicy` held to ``seconds`` a
    call (:data:`UNBUDGETED_SECONDS` if None); its code is never imported here.
    """
    kind = r["kind"]
    make: Any
    if kind == "file":
        with open(r["path"], "rb") as fh:
            if hashlib.sha256(fh.read()).hexdigest() != r["file_sha256"]:
                raise RuntimeError(f"policy file {r['path']} changed since the tournament began")
    if r.get("sandbox"):
        make = _sandboxed_class(json.dumps(r["target"], sort_keys=True), seconds)
    elif kind == "file":
        make = load_factory_from_file(f"{r['path']}:{r['class']}")
    else:
        make = _registry().entry(r["family"] if kind == "variant" else r["name"]).cls
    if isinstance(make, type) and role not in make.roles:
        raise RuntimeError(f"policy {r['name']!r} does not play the {role} role")
    policy = make(**r["params"])
    if not isinstance(policy, Policy) or role not in policy.roles:
        raise RuntimeError(f"policy {r['name']!r} does not play the {role} role")
    if kind != "family":
        policy.variant = r["name"]
    return policy


def play_game(
    config: TournamentConfig, game: GameSpec, spec: ScenarioSpec | None = None
) -> dict[str, Any]:
    """Play one game, within the configuration's time budgets, and return its result record."""
    t0 = time.perf_counter()
    time_limit = config.game_seconds
    rec: dict[str, Any] = {"id": game.id, "status": "ok", "error": None}
    policies: dict[str, Policy] = {}
    try:
        spec = spec or _scenario(config)
        recipes = {c["name"]: c for c in config.candidates}
        if config.field is not None:
            recipes[config.field["name"]] = config.field
        roles = {a.name: a.role for a in spec.actors}
        for actor, p in game.seats:
            policies[actor] = make_from_recipe(recipes[p], roles[actor], config.decision_seconds)
        # the game's clock starts once its seats are filled: starting a sandbox process (about
        # half a second, more on a busy machine) is not the game's time
        started = time.perf_counter()
        m = FabRaceModel(
            spec,
            seed=game.seed,
            quarters=config.quarters,
            policies=policies,
            decision_seconds=config.decision_seconds,
        )
        while not m.finished:
            m.step()
            if time_limit is not None and time.perf_counter() - started > time_limit:
                raise GameTimeout(f"ran past its {time_limit:g} s limit at {m.label}")
        res = m.result()
        rec["scores"] = [
            (a["name"], a["role"], dict(game.seats)[a["name"]], a["score"], a["score_breakdown"])
            for a in res["actors"]
        ]
        rec["totals"] = res["totals"]
    except (Exception, SystemExit) as e:  # a policy calling exit() fails its game, not the run
        rec["status"] = "failed"
        rec["error"] = f"{type(e).__name__}: {e}"
        rec["traceback"] = traceback.format_exc(limit=8)
    finally:
        for policy in policies.values():  # sandbox processes go back to their pool
            if isinstance(policy, SandboxedPolicy):
                policy.close()
    rec["seconds"] = time.perf_counter() - t0
    return rec


def play_batch(config: TournamentConfig, games: list[GameSpec]) -> list[dict[str, Any]]:
    """Play several games (one task, to spread the dispatch cost)."""
    spec = _scenario(config)
    return [play_game(config, g, spec) for g in games]
