"""Fabs and packaging lines: capacity that is built over a lag and then ramps its yield."""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

from game.deals import NODES, SITES

__all__ = [
    "Fab",
    "FabFigures",
    "PackagingLine",
    "build_quarters",
    "fab_capex",
    "fab_figures",
    "yield_ramp",
]


def build_quarters(site: str) -> int:
    """Quarters a fab takes to build at ``site`` (before delays from events)."""
    return int(SITES[site]["build_quarters"])


def fab_capex(node: str, site: str, capacity: float, us_capex: float = 1.0) -> float:
    """Total capex of a new fab in $B: k wafers a quarter × the node's cost × the site's factor.

    ``us_capex`` is the factor subsidies in force apply to fabs in the US (1.0: none).
    """
    capex = capacity * NODES[node]["capex_per_kwafer"] * SITES[site]["capex_factor"]
    return capex * us_capex if site == "us" else capex


@functools.lru_cache(maxsize=4096)
def yield_ramp(node: str, first_yield: float | None, age: int) -> float:
    """Yield of a fab of ``node`` after ``age`` quarters in production, before events.

    Remembered: a pure function of three small values (``NODES`` is constant) that every
    producing fab asks each quarter.
    """
    n = NODES[node]
    first = n["first_yield"] if first_yield is None else first_yield
    mature = max(first, n["mature_yield"])
    return mature - (mature - first) * math.exp(-age / 4.0)


@dataclass
class Fab:
    """A wafer fab owned and operated by a foundry.

    Args:
        node: process node (``N5``, ``N3``, ``N2``).
        site: where it stands (``taiwan``, ``us``, ...).
        capacity: k wafers a quarter at full yield.
        build_left: quarters until it produces (0 = producing).
        age: quarters in production.
        capex_left: $B of capex still to pay over the build.
        first_yield: yield in the first quarter of production (default: the node's).
        partner: JV partner (if any) and its output share.
    """

    node: str
    site: str
    capacity: float
    build_left: int = 0
    age: int = 0
    capex_left: float = 0.0
    first_yield: float | None = None
    contract_id: int | None = None
    partner: str | None = None
    partner_output_share: float = 0.0
    operator_fee: float = 0.0

    @property
    def producing(self) -> bool:
        return self.build_left == 0

    def yield_rate(self, young_factor: float = 1.0) -> float:
        """Share of wafer starts that come out good: ramps from first-year to mature yield."""
        age = self.age
        y = yield_ramp(self.node, self.first_yield, age)
        if age < 8:
            y *= young_factor
        return y

    def output(self, young_factor: float = 1.0, site_factor: float = 1.0) -> float:
        """Good wafers this quarter (k), 0 while being built."""
        if not self.producing:
            return 0.0
        return self.capacity * self.yield_rate(young_factor) * site_factor


#: Capacity running (added fab by fab, and by ``sum()``), capacity building, each fab's row.
FabFigures = tuple[float, float, float, list[tuple[str, str, float, int]]]


def fab_figures(fabs: list[Fab]) -> FabFigures:
    """A foundry's capacity and fabs as its public figures show them.

    Capacity running as ``Foundry.capacity`` adds it (one addition a fab, in order) and as
    ``sum()`` adds it for the public figures (which compensates its rounding, so the two can
    differ in the last bit); capacity being built (``sum()``); each fab's
    ``(node, site, capacity, build_left)``.
    """
    running: float = 0  # an int 0, as sum() starts
    producing: list[float] = []
    building: list[float] = []
    rows = []
    for f in fabs:
        left = f.build_left
        if left:  # not f.producing
            building.append(f.capacity)
        else:
            running += f.capacity
            producing.append(f.capacity)
        rows.append((f.node, f.site, f.capacity, left))
    return running, sum(producing), sum(building), rows


@dataclass
class PackagingLine:
    """Advanced-packaging capacity being added (k CoWoS wafers a quarter)."""

    capacity: float
    build_left: int
