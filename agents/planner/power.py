"""The lab's world ahead: the AI market, its fleet and the power that lets the fleet earn.

Pure functions of an :class:`~game.observation.Observation` (and of the fleet memory the planner
keeps), no randomness. They read the market's parameters from ``obs.market_params`` and the rules
from ``obs.rules``, so no engine formula is copied beyond what the observation documents:

- the **one AI market**: a lab's revenue target is its served compute times
  ``revenue_per_compute`` × the AI-demand index, divided by ``1 + M / (compute_saturation ×
  demand)`` where ``M`` is the market's compute (every lab's served compute plus the outside AI
  compute, which grows with demand); its run-rate closes ``revenue_adjustment`` of the gap to the
  target each quarter;
- **power**: compute earns only when powered; 1 GW powers 500 "power units" (kH100e of H100
  power; a chip of generation ``g`` needs ``1 / g`` of one per kH100e); a lab's powered GW are
  its campuses, its leases in force and the outside clouds (``cloud_gw``, growing ``cloud_growth``
  a quarter, rented at ``cloud_rent`` $B a GW-quarter for the part used);
- **the fleet**: what retires when (``compute_life`` quarters after delivery) from the planner's
  memory of what it received each quarter.

All money in $B, compute in kH100e, power in power units (k H100-power) unless said otherwise.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from game.markets import cloud_growth_ahead
from game.observation import Observation

__all__ = [
    "GW_UNITS",
    "ai_demand_path",
    "cloud_path",
    "fleet_path",
    "generation_path",
    "lease_gw_path",
    "marginal_revenue",
    "power_units",
    "revenue_target",
]

#: Power units (kH100e of H100 power) one GW powers.
GW_UNITS = 500.0


def generation_path(obs: Observation, n: int) -> list[float]:
    """The GPU generation (H100e per H100-sized chip) in each of the next ``n`` quarters
    (0 = this one); a pause from an event is not foreseen."""
    g = float(obs.market["generation"])
    d = float(obs.market_params["generation_doubling_quarters"])
    return [g * 2.0 ** (k / d) for k in range(n)]


def ai_demand_path(obs: Observation, n: int, shocks: bool = True) -> list[float]:
    """The AI-demand index in each of the next ``n`` quarters (0 = this one).

    Its growth starts at ``ai_demand_growth`` and loses ``ai_demand_decay`` of itself each
    quarter of the game; with ``shocks``, an event in force (``modifiers["ai_demand"]``) holds
    for the quarters it has left (the outside AI compute follows the index without them).
    """
    mp = obs.market_params
    g0, decay = float(mp["ai_demand_growth"]), float(mp["ai_demand_decay"])
    idx = float(obs.market["ai_index"])
    shock = float(obs.modifiers.get("ai_demand", 1.0)) if shocks else 1.0
    left = max((int(e["remaining"]) for e in obs.events if e["kind"] == "demand_shock"), default=0)
    out = []
    for k in range(n):
        if k:
            idx *= 1.0 + g0 * (1.0 - decay) ** (obs.quarter + k - 1)
        out.append(idx * (shock if k < left or left < 0 else 1.0))
    return out


def cloud_path(obs: Observation, n: int) -> list[float]:
    """GW the outside clouds can power for the lab in each of the next ``n`` quarters."""
    c = float(obs.books.get("cloud_gw", 0.0))
    return [c * cloud_growth_ahead(obs.market_params, obs.quarter, k) for k in range(n)]


def lease_gw_path(obs: Observation, leases: Sequence[Mapping[str, Any]], n: int) -> list[float]:
    """GW the lab's leases in force (``leases``: its active lease contracts as tenant) give in
    each of the next ``n`` quarters."""
    out = [0.0] * n
    for c in leases:
        left = int(c["terms"]["quarters"]) - int(c["quarters_done"])
        for k in range(min(n, left)):
            out[k] += float(c["terms"]["gw"])
    return out


def power_units(obs: Observation) -> float:
    """The lab's compute in power units now (kH100e / generation, summed over cohorts).

    Read from last quarter's hosting bill, which is ``hosting_cost`` per power unit served; the
    compute not served (``compute - served``) draws power in the same proportion.
    """
    b = obs.books
    compute = float(b["compute"])
    if compute <= 0:
        return 0.0
    host = -float(b["last_quarter"].get("hosting", 0.0))
    rate = float(obs.rules.hosting_cost) * float(obs.modifiers.get("hosting_cost", 1.0))
    served = float(b.get("served", compute))
    if host <= 0 or rate <= 0 or served <= 0:
        return compute / float(obs.market["generation"])
    units = host / rate * compute / served
    # Never more power than compute at generation one, never less than all of it at today's.
    return min(compute, max(units, compute / float(obs.market["generation"])))


def fleet_path(
    inflows: Sequence[Sequence[float]], quarter: int, life: int, n: int
) -> list[tuple[float, float]]:
    """(kH100e, power units) that retire in each of the next ``n`` quarters' operations.

    ``inflows``: (quarter delivered, kH100e, power units) of every cohort the lab received, as
    the planner remembers them; a cohort delivered in quarter ``s`` retires in quarter
    ``s + life``.
    """
    out = [(0.0, 0.0)] * n
    acc = [[0.0, 0.0] for _ in range(n)]
    for s, kh, pu in inflows:
        k = int(s) + life - quarter
        if 0 <= k < n:
            acc[k][0] += kh
            acc[k][1] += pu
    out = [(a, b) for a, b in acc]
    return out


def revenue_target(
    served: float, demand: float, market: float, rpc: float, saturation: float
) -> float:
    """The revenue run-rate ($B a year) ``served`` kH100e earn in the one AI market whose
    compute is ``market`` (the lab's included) at AI-demand index ``demand``."""
    if demand <= 0:
        return 0.0
    return served * rpc * demand / (1.0 + market / (saturation * demand))


def marginal_revenue(
    served: float, others: float, demand: float, rpc: float, saturation: float
) -> float:
    """$B a year one more kH100e served earns, at ``served`` of the lab's own and ``others`` of
    everyone else's (other labs' and the outside AI compute) in the market."""
    if demand <= 0:
        return 0.0
    s = saturation * demand
    return rpc * demand * (1.0 + others / s) / (1.0 + (served + others) / s) ** 2
