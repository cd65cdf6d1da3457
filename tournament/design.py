"""The paired ("duplicate") design: which games a tournament plays, fixed before any is played.

For each role and each seed, every candidate policy takes the focal seat against the same field on
the same seed, so candidates are compared on identical games and the luck of the draw cancels out.
When a role has several actors, the focal seat rotates among them from seed to seed. The field
(every other seat) is either one named policy or drawn from the candidates, seat by seat, with the
tournament's seed, once per seed, and is the same for every candidate.

Every game's seed and seating is decided here, in the parent, before anything is dispatched; so a
serial run, a process pool and a Dask cluster play exactly the same games.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from agents.registry import PolicyEntry, PolicyRegistry
from game.deals import ROLES
from game.scenario import ScenarioSpec

__all__ = ["SETTINGS", "GameSpec", "TournamentConfig", "plan", "recipe"]

#: The command-line option behind each field of a configuration (for the store's messages).
SETTINGS = {
    "scenario": "--scenario",
    "scenario_name": "--scenario",
    "roles": "--scenario",
    "candidates": "--policies",
    "field": "--field",
    "games": "--games",
    "seed": "--seed",
    "quarters": "--quarters",
    "decision_seconds": "--decision-seconds",
    "game_seconds": "--game-seconds",
}


def recipe(entry: PolicyEntry) -> dict[str, Any]:
    """How a worker rebuilds a policy without the parent's registry (JSON-ready).

    Families and plugins are named; variants carry their family and parameters; a policy file is
    named by path and pinned by the hash of its text. A policy that runs in a sandbox carries
    ``sandbox: true`` and where the sandbox loads it from (``target``).
    """
    from agents.sandbox import SandboxedPolicy

    sandboxed = issubclass(entry.cls, SandboxedPolicy)
    target = dict(getattr(entry.cls, "target", {})) if sandboxed else {}
    out: dict[str, Any] = {
        "name": entry.name,
        "kind": entry.kind,
        "family": entry.cls.name,
        "params": dict(entry.params),
    }
    if entry.kind == "file":
        path = Path(entry.name.rpartition(":")[0])
        out["file_sha256"] = hashlib.sha256(path.read_bytes()).hexdigest()
        out["class"] = entry.name.rpartition(":")[2]  # a class, or a function making policies
        out["path"] = str(path.resolve())
    elif entry.kind == "plugin":
        out["plugin"] = entry.name
    if sandboxed:
        out["sandbox"] = True
        out["target"] = target
    return out


@dataclass(frozen=True)
class TournamentConfig:
    """Everything that decides a tournament's results; two runs with equal configs are one run.

    Its :meth:`key` is what a results store is tied to, so it holds every setting that changes
    the results or their meaning: the games (scenario, policies, field, seeds, length) and the
    time budgets, which turn a slow policy call into a fault or a slow game into a failure.
    How the games are spread out — ``--workers``, ``--engine``, ``--address`` — is left out on
    purpose: a game's seed and seating are fixed here before anything runs, so the same seed
    gives the same game on any number of workers (the tests compare serial, pool and Dask runs
    game by game), and a stopped run may be resumed with more or fewer workers.

    Attributes:
        scenario: the scenario as a dict (``ScenarioSpec.model_dump``), so workers need no file.
        scenario_name: its name, for reports.
        candidates: the candidate policies' recipes, in the order given.
        field: the field policy's recipe, or None to draw the field from the candidates.
        games: seeds per role.
        seed: the tournament's seed.
        quarters: game length, or None for the scenario's.
        roles: the scenario's roles, in the order of play.
        decision_seconds: time budget of one policy call (past it, the call is a fault), or None.
        game_seconds: seconds a game may take before it is recorded as failed, or None.
    """

    scenario: dict[str, Any]
    scenario_name: str
    candidates: tuple[dict[str, Any], ...]
    field: dict[str, Any] | None
    games: int
    seed: int
    quarters: int | None = None
    roles: tuple[str, ...] = field(default=())
    decision_seconds: float | None = 2.0
    game_seconds: float | None = 600.0

    @classmethod
    def build(
        cls,
        spec: ScenarioSpec,
        registry: PolicyRegistry,
        candidates: list[str],
        games: int,
        seed: int,
        field_policy: str | None = None,
        quarters: int | None = None,
        *,
        decision_seconds: float | None = 2.0,
        game_seconds: float | None = 600.0,
    ) -> TournamentConfig:
        """Resolve names through the registry and fix the configuration.

        The budgets are stored as floats, so that ``2`` and ``2.0`` make one key.

        Raises:
            agents.registry.PolicyError: for an unknown policy or one that cannot play a role.
            ValueError: for an empty or duplicated candidate list.
        """
        if not candidates:
            raise ValueError("give at least one candidate policy")
        dup = sorted({c for c in candidates if candidates.count(c) > 1})
        if dup:
            raise ValueError(f"candidate {dup[0]!r} is given twice")
        roles = tuple(r for r in ROLES if any(a.role == r for a in spec.actors))
        entries = [registry.entry(c) for c in candidates]
        fentry = registry.entry(field_policy) if field_policy else None
        for e in [*entries, *([fentry] if fentry else [])]:
            for r in roles:
                if r not in e.roles:
                    raise ValueError(
                        f"policy {e.name!r} does not play the {r} role, which {spec.name} has"
                    )
        return cls(
            spec.model_dump(mode="json"),
            spec.name,
            tuple(recipe(e) for e in entries),
            recipe(fentry) if fentry else None,
            games,
            seed,
            quarters,
            roles,
            None if decision_seconds is None else float(decision_seconds),
            None if game_seconds is None else float(game_seconds),
        )

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        d["candidates"] = list(d["candidates"])
        d["roles"] = list(d["roles"])
        return d

    def key(self) -> str:
        """A fingerprint of the configuration (what a results store is tied to)."""
        blob = json.dumps(self.to_json(), sort_keys=True, separators=(",", ":")).encode()
        return hashlib.sha256(blob).hexdigest()

    @property
    def names(self) -> list[str]:
        return [c["name"] for c in self.candidates]


@dataclass(frozen=True)
class GameSpec:
    """One game of the tournament: its id, seed and who sits where."""

    id: str
    role: str
    seed_index: int
    seed: int
    focal: str
    policy: str
    seats: tuple[tuple[str, str], ...]  # (actor, policy name), in scenario order


def game_seeds(seed: int, n: int) -> list[int]:
    """The games' seeds, drawn from the tournament seed (independent of roles and policies)."""
    return [int(s) for s in np.random.SeedSequence(seed).generate_state(n, dtype=np.uint32)]


def plan(config: TournamentConfig) -> list[GameSpec]:
    """Every game of the tournament, in a fixed order (role, seed, candidate)."""
    actors = [(a["name"], a["role"]) for a in config.scenario["actors"]]
    seeds = game_seeds(config.seed, config.games)
    names = config.names
    draw = np.random.default_rng(np.random.SeedSequence([config.seed, 1]))
    out: list[GameSpec] = []
    for role in config.roles:
        of_role = [n for n, r in actors if r == role]
        for i, s in enumerate(seeds):
            focal = of_role[i % len(of_role)]
            field = {}
            for n, _r in actors:
                if n == focal:
                    continue
                field[n] = (
                    config.field["name"] if config.field else names[int(draw.integers(len(names)))]
                )
            for p in names:
                seats = tuple((n, p if n == focal else field[n]) for n, _r in actors)
                out.append(GameSpec(f"{role}/{i}/{p}", role, i, s, focal, p, seats))
    return out
