"""The world a look-ahead player imagines: a scenario built from its own observation alone.

:func:`imagined_scenario` turns an :class:`~game.observation.Observation` into a
:class:`~game.scenario.ScenarioSpec` that starts at the observed quarter and lasts a few quarters,
so that the engine itself (``game.model.FabRaceModel``) can play it forward. Nothing of the live
game is read: only the observation's plain data.

What it can see is copied as it is:

- every actor still in business, with its role, country, cash, control and public figures (a
  lab's compute, run-rate and campus; a designer's price and market share; a foundry's fabs,
  packaging, wafer price and cost; an investor's campus and licence);
- its own private books (fixed opex, a designer's inventory, dies per wafer and unit cost, an
  investor's inflow, its own compute's vendors);
- the contracts in force (their terms and the quarters already served), but for joint ventures,
  whose fab is already in its foundry's list;
- the scenario's rules and market parameters, the market's state now (demand bases, the AI-demand
  index, the GPU generation, outside clouds) and the events in force (for the quarters they have
  left).

What it cannot see is filled with estimates (the constants below):

- another lab's fixed opex: :data:`LAB_OPEX_SHARE` of its quarterly run-rate, at least
  :data:`MIN_FIXED_OPEX`; its compute's vendor: unknown (``legacy``);
- another designer's inventory: :data:`INVENTORY_QUARTERS` of last quarter's sales; its dies per
  wafer: :data:`REFERENCE_DIES` (the market's generation multiplies it); its unit cost:
  :data:`UNIT_COST_SHARE` of its price; its fixed opex: :data:`DESIGNER_OPEX_SHARE` of its
  quarterly revenue;
- another foundry's revenue outside the game: its revenue less the wafers its capacity sold at its
  price; its fixed opex: :data:`FOUNDRY_OPEX_SHARE` of its quarterly revenue; its share of outside
  wafer demand: an equal share among foundries;
- another investor's inflow: nothing;
- stakes held outside the game: what control and the equity contracts in force leave over;
- campuses, packaging lines and chip programmes still being built, which are not public: none;
- the event deck: no new events (only those in force play out);
- the generation of the accelerators in service (what their power and hosting cost): where a
  fleet runs short of power, what its served share implies; otherwise, for its own fleet, what
  last quarter's hosting bill implies; else the generation of :data:`FLEET_AGE` quarters ago.

A scenario cannot say where the market's AI-demand index and GPU generation stand, nor the
generation of a fleet: :func:`start` builds the imagined game from the scenario and then sets
those (and the designers' list prices, kept relative to the reference) on the new game, the only
state set past the scenario.

Cash below zero (a distressed actor) starts at zero, as a scenario requires.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from game.actors import Designer
from game.fleet import Fleet
from game.markets import cloud_growth_ahead, cloud_growth_now
from game.model import FabRaceModel, PolicyFactory
from game.observation import Observation
from game.scenario import ScenarioSpec, scenario_from_dict

__all__ = [
    "DESIGNER_OPEX_SHARE",
    "FLEET_AGE",
    "FOUNDRY_OPEX_SHARE",
    "INVENTORY_QUARTERS",
    "LAB_OPEX_SHARE",
    "MIN_FIXED_OPEX",
    "REFERENCE_DIES",
    "UNIT_COST_SHARE",
    "ImaginedWorld",
    "imagine",
    "imagined_scenario",
    "start",
]

#: Another lab's fixed opex as a share of its quarterly run-rate (2024 labs spent more than
#: they earned: a round figure of the scenarios' labs).
LAB_OPEX_SHARE = 1.0
#: The least fixed opex an actor is assumed to have ($B a quarter).
MIN_FIXED_OPEX = 0.1
#: Another designer's inventory, in quarters of last quarter's sales.
INVENTORY_QUARTERS = 0.2
#: Good H100e per wafer at the first generation, when a designer's own figure is unknown.
REFERENCE_DIES = 29.0
#: Another designer's unit cost besides the wafer, as a share of its price (HBM, board).
UNIT_COST_SHARE = 0.2
#: Another designer's fixed opex as a share of its quarterly revenue.
DESIGNER_OPEX_SHARE = 0.15
#: Another foundry's fixed opex as a share of its quarterly revenue.
FOUNDRY_OPEX_SHARE = 0.1

#: The mean age in quarters of a fleet whose generation nothing shows (half a service life).
FLEET_AGE = 8

_LIMIT = 1e5  # the scenario's bound on cash and flows ($B)


def _clip(x: float, lo: float = 0.0, hi: float = _LIMIT) -> float:
    return min(hi, max(lo, float(x)))


def _market(obs: Observation) -> dict[str, Any]:
    """The market parameters, moved to where the trends stand now."""
    p = dict(obs.market_params)
    now = obs.market
    q = obs.quarter
    p["gpu_demand"] = _clip(now["gpu_demand"], 0.0, 1e6)
    p["wafer_demand"] = _clip(now["wafer_demand"], 0.0, 1e6)
    # Growth decays each quarter the market has moved on (about one a quarter played).
    p["gpu_growth"] = p["gpu_growth"] * (1.0 - p["gpu_growth_decay"]) ** q
    p["wafer_growth"] = p["wafer_growth"] * (1.0 - p["wafer_growth_decay"]) ** q
    p["ai_demand_growth"] = p["ai_demand_growth"] * (1.0 - p["ai_demand_decay"]) ** q
    p["cloud_gw"] = _clip(p["cloud_gw"] * cloud_growth_ahead(p, 0, q), 0.0, 1e4)
    p["cloud_growth"] = cloud_growth_now(p, q)
    return p


def _outside_equity(pub: Mapping[str, Any], held: float) -> float:
    return _clip(1.0 - float(pub["control"]) - held, 0.0, 0.95)


def _lab(obs: Observation, name: str, pub: Mapping[str, Any], held: float) -> dict[str, Any]:
    mine = name == obs.actor
    rate = float(pub["revenue_run_rate"])
    vendor = None
    if mine:
        by_vendor = {k: v for k, v in obs.books["compute_by_vendor"].items() if k != "own"}
        designers = {n for n, p in obs.public.items() if p["role"] == "designer"}
        best = max(sorted(by_vendor), key=lambda k: by_vendor[k], default=None)
        vendor = best if best in designers else None
    opex = obs.books["fixed_opex"] if mine else max(MIN_FIXED_OPEX, LAB_OPEX_SHARE * rate / 4.0)
    out: dict[str, Any] = {
        "role": "lab",
        "compute": _clip(pub["compute"], 0.0, 1e7),
        "revenue_run_rate": _clip(rate),
        "fixed_opex": _clip(opex, 0.0, 1e4),
        "outside_equity": _outside_equity(pub, held),
        "campus_gw": _clip(pub["campus_gw"], 0.0, 1e4),
    }
    if vendor is not None:
        out["compute_vendor"] = vendor
    return out


def _designer(obs: Observation, name: str, pub: Mapping[str, Any], held: float) -> dict[str, Any]:
    price = _clip(pub["gpu_price"], 0.1, 1000.0)
    revenue = float(pub["revenue"])
    if name == obs.actor:
        b = obs.books
        inventory, dies, unit = b["inventory"], b["dies_per_wafer"], b["unit_cost"]
        opex = b["fixed_opex"]
    else:
        inventory = INVENTORY_QUARTERS * float(pub["sold"])
        dies = REFERENCE_DIES
        unit = UNIT_COST_SHARE * price
        opex = max(MIN_FIXED_OPEX, DESIGNER_OPEX_SHARE * revenue)
    return {
        "role": "designer",
        "gpu_price": price,
        "inventory": _clip(inventory, 0.0, 1e7),
        "market_share": _clip(pub["market_share"], 0.0, 1.0),
        "dies_per_wafer": _clip(dies, 1.0, 1000.0),
        "unit_cost": _clip(unit, 0.0, 1000.0),
        "fixed_opex": _clip(opex, 0.0, 1e4),
        "outside_equity": _outside_equity(pub, held),
    }


def _foundry(
    obs: Observation, name: str, pub: Mapping[str, Any], held: float, n_foundries: int
) -> dict[str, Any]:
    price = _clip(pub["wafer_price"], 0.1, 1000.0)
    revenue = max(0.0, float(pub["revenue"]))
    capacity = float(pub["capacity"])
    sold = capacity * float(pub["utilisation"]) * price / 1000.0
    fabs = [
        {
            "node": node,
            "site": site,
            "capacity": _clip(cap, 0.1, 1e5),
            "build_quarters_left": int(min(40, max(0, left))),
        }
        for node, site, cap, left in pub["fabs"]
        if cap >= 0.1
    ]
    opex = (
        obs.books["fixed_opex"]
        if name == obs.actor
        else max(MIN_FIXED_OPEX, FOUNDRY_OPEX_SHARE * revenue)
    )
    return {
        "role": "foundry",
        "fabs": fabs,
        "packaging_capacity": _clip(pub["packaging_capacity"]),
        "wafer_price": price,
        "wafer_cost": _clip(pub["wafer_cost"], 0.0, 1000.0),
        "fixed_opex": _clip(opex, 0.0, 1e4),
        "other_revenue": _clip(revenue - sold, 0.0, 1e4),
        "market_share": 1.0 / max(1, n_foundries),
        "outside_equity": _outside_equity(pub, held),
    }


def _investor(obs: Observation, name: str, pub: Mapping[str, Any]) -> dict[str, Any]:
    inflow = obs.books["inflow"] if name == obs.actor else 0.0
    return {
        "role": "investor",
        "inflow": _clip(inflow, 0.0, 1e4),
        "licence": bool(pub["licence"]),
        "campus_gw": _clip(pub["campus_gw"], 0.0, 1e4),
    }


def _contracts(obs: Observation, alive: set[str]) -> tuple[list[dict[str, Any]], dict[str, float]]:
    """The contracts in force among actors in business, and the stakes equity deals hold."""
    out: list[dict[str, Any]] = []
    held: dict[str, float] = {}
    for c in obs.contracts:
        first, second = c["parties"]
        if c["status"] != "active" or c["kind"] == "joint_venture":
            continue
        if first not in alive or second not in alive:
            continue
        terms = dict(c["terms"])
        if c["kind"] in ("equity", "vendor_financing"):
            held[second] = held.get(second, 0.0) + float(terms.get("stake", 0.0))
        out.append(
            {
                "kind": c["kind"],
                "parties": [first, second],
                "terms": terms,
                "quarters_done": int(min(400, max(0, c["quarters_done"]))),
            }
        )
    return out, held


def _events(obs: Observation, start: str) -> list[dict[str, Any]]:
    """The events in force, scheduled to fire again at the start for the quarters they have left."""
    out: list[dict[str, Any]] = []
    for ev in obs.events:
        left = int(ev["remaining"])
        card: dict[str, Any] = {"kind": ev["kind"], "at": start, "duration": max(0, left)}
        if ev["magnitude"] is not None:
            card["magnitude"] = _clip(ev["magnitude"], 0.0, 1.0)
        if ev["target"] is not None:
            card["target"] = ev["target"]
        out.append(card)
    return out


def imagined_scenario(
    obs: Observation, quarters: int, *, contracts: bool = True, events: bool = True
) -> ScenarioSpec:
    """A scenario of what ``obs`` shows, starting now and lasting ``quarters`` quarters.

    Args:
        obs: the observation of the player who imagines it.
        quarters: how many quarters the imagined game lasts.
        contracts: whether to carry the contracts in force.
        events: whether to carry the events in force.

    Raises:
        ScenarioError: if what it builds is not a valid scenario (e.g. a contract the rules of a
            scenario refuse); the caller may try again without contracts or events.
    """
    market = _market(obs)
    alive = {n for n, p in obs.public.items() if not p["insolvent"]}
    deals, held = _contracts(obs, alive) if contracts else ([], {})
    n_foundries = sum(1 for n in alive if obs.public[n]["role"] == "foundry")
    actors: list[dict[str, Any]] = []
    for name, pub in obs.public.items():
        if name not in alive:
            continue
        role = pub["role"]
        base = {"name": name, "country": pub["country"], "cash": _clip(pub["cash"])}
        if role == "lab":
            body = _lab(obs, name, pub, held.get(name, 0.0))
        elif role == "designer":
            body = _designer(obs, name, pub, held.get(name, 0.0))
        elif role == "foundry":
            body = _foundry(obs, name, pub, held.get(name, 0.0), n_foundries)
        else:
            body = _investor(obs, name, pub)
        actors.append({**base, **body})
    raw: dict[str, Any] = {
        "name": f"imagined-by-{obs.actor}",
        "start": obs.label,
        "quarters": max(1, int(quarters)),
        "rules": dict(obs.rules),
        "market": market,
        "actors": actors,
        "contracts": deals,
        "events": _events(obs, obs.label) if events else [],
    }
    return scenario_from_dict(raw, source=f"<imagined by {obs.actor}>")


@dataclass(frozen=True)
class ImaginedWorld:
    """An imagined scenario and the state a scenario cannot hold (see :func:`start`).

    Attributes:
        spec: the scenario.
        ai_index: the market's AI-demand index now.
        generation: the GPU generation now.
        gpu_prices: each designer's list price now ($k per H100e).
        fleet_generation: for each lab and investor with compute, its fleet's estimated
            generation.
    """

    spec: ScenarioSpec
    ai_index: float = 1.0
    generation: float = 1.0
    gpu_prices: Mapping[str, float] = field(default_factory=dict)
    fleet_generation: Mapping[str, float] = field(default_factory=dict)


def _fleet_generation(obs: Observation, name: str, pub: Mapping[str, Any]) -> float:
    """The estimated generation of an actor's accelerators in service (see the module)."""
    gen = max(1.0, float(obs.market["generation"]))
    compute = float(pub.get("compute", 0.0))
    served = float(pub.get("served", compute))
    powered = float(pub.get("powered_gw", 0.0))
    g = 0.0
    if 0.0 < served < compute * 0.999 and powered > 0.0:
        g = served / (powered * 500.0)  # power-bound: served = powered GW x 500 x generation
    elif name == obs.actor and compute > 0.0:
        hosting = -float(obs.books["last_quarter"].get("hosting", 0.0))
        rate = float(obs.rules["hosting_cost"]) * float(obs.modifiers["hosting_cost"])
        if hosting > 0.0 and rate > 0.0:
            g = compute / (hosting / rate)
    if g <= 0.0:
        doubling = float(obs.market_params["generation_doubling_quarters"])
        g = gen * 2.0 ** (-min(obs.quarter, FLEET_AGE) / doubling)
    return min(gen, max(1.0, g))


def imagine(obs: Observation, quarters: int) -> ImaginedWorld | None:
    """The world ``obs`` shows, for ``quarters`` quarters; None if no valid scenario comes of it.

    It tries with the contracts and events in force, then without the events, then without the
    contracts either.
    """
    from game.scenario import ScenarioError

    spec = None
    for contracts, events in ((True, True), (True, False), (False, False)):
        try:
            spec = imagined_scenario(obs, quarters, contracts=contracts, events=events)
            break
        except ScenarioError:
            continue
    if spec is None:
        return None
    names = {a.name for a in spec.actors}
    return ImaginedWorld(
        spec,
        ai_index=float(obs.market["ai_index"]),
        generation=float(obs.market["generation"]),
        gpu_prices={
            n: float(p["gpu_price"])
            for n, p in obs.public.items()
            if n in names and p["role"] == "designer"
        },
        fleet_generation={
            n: _fleet_generation(obs, n, p)
            for n, p in obs.public.items()
            if n in names and float(p.get("compute", 0.0)) > 0.0
        },
    )


def start(
    world: ImaginedWorld, seed: int, policies: Mapping[str, Any], factory: PolicyFactory
) -> FabRaceModel:
    """A new game of ``world``: its scenario, then the market's and fleets' state set on it.

    Args:
        world: what :func:`imagine` built.
        seed: the game's seed.
        policies: seats given as policies.
        factory: the policy of every other seat.
    """
    game = FabRaceModel(
        world.spec,
        seed=seed,
        policies=policies,
        policy_factory=factory,
        decision_seconds=None,  # the imagining player's own call is under its game's budget
    )
    game.market.ai_index = world.ai_index
    game.market.generation = world.generation
    for a in game.actor_list:
        if isinstance(a, Designer) and a.name in world.gpu_prices:
            a.gpu_price = world.gpu_prices[a.name]  # kept relative to the reference
        if isinstance(a, Fleet) and a.name in world.fleet_generation:
            g = world.fleet_generation[a.name]
            a._init_fleet([replace(c, generation=g) for c in a.cohorts])
    game._cache.clear()  # nothing was shown yet; in case a view was made while it was built
    return game
