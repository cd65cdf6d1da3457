"""The outside market: exogenous demand for GPUs and wafers, the AI demand trend, and clearing.

Most GPU and wafer demand comes from buyers outside the game. Each designer (foundry) faces an
outside demand ``base * share * (price / reference) ** -elasticity``, where ``base`` follows a trend
whose growth decays each quarter, with lognormal noise drawn from the model's market RNG.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from game.events import Modifiers
from game.scenario import MarketSpec

__all__ = [
    "Market",
    "cloud_factor",
    "cloud_growth_ahead",
    "cloud_growth_now",
    "lab_revenue_target",
    "pro_rata",
]


@functools.cache
def cloud_factor(growth: float, decay: float, quarters: int) -> float:
    """How many times what outside clouds can power has grown after ``quarters`` quarters.

    Growth starts at ``growth`` a quarter and loses ``decay`` of itself each quarter (the clouds'
    build-out slows as the AI market matures); with no decay it is ``(1 + growth) ** quarters``.
    """
    if decay == 0.0:
        return (1.0 + growth) ** quarters
    if quarters <= 0:
        return 1  # math.prod of no factors (an int)
    # math.prod(1.0 + growth * (1.0 - decay) ** k for k in range(quarters)) multiplies left to
    # right, so each product is the one a quarter shorter times one more factor: the products
    # are kept per (growth, decay) and extended, the same floats to the bit, each factor once.
    products = _CLOUD_PRODUCTS.setdefault((growth, decay), [1])
    while len(products) <= quarters:
        k = len(products) - 1
        products.append(products[k] * (1.0 + growth * (1.0 - decay) ** k))
    return products[quarters]


#: The products of :func:`cloud_factor` by (growth, decay): the product of the first k factors
#: at index k.
_CLOUD_PRODUCTS: dict[tuple[float, float], list[float]] = {}


def cloud_growth_now(params: Mapping[str, Any], quarter: int) -> float:
    """The clouds' growth rate in quarter ``quarter`` (``params``: the scenario's market
    parameters, as a policy sees them in ``obs.market_params``)."""
    g = float(params.get("cloud_growth", 0.0))
    d = float(params.get("cloud_growth_decay", 0.0))
    return g if d == 0.0 else g * (1.0 - d) ** quarter


def cloud_growth_ahead(params: Mapping[str, Any], quarter: int, ahead: float) -> float:
    """How many times what the clouds power in quarter ``quarter`` grows ``ahead`` quarters on.

    The same rule the engine follows (:func:`cloud_factor`), for policies that plan power ahead;
    a fractional ``ahead`` grows the last part at that quarter's rate.
    """
    g = float(params.get("cloud_growth", 0.0))
    d = float(params.get("cloud_growth_decay", 0.0))
    if d == 0.0:
        return (1.0 + g) ** ahead
    whole = int(ahead)
    if whole < 0:  # max(0, whole) without the call (policies ask this often)
        whole = 0
    f = cloud_factor(g, d, quarter + whole) / cloud_factor(g, d, quarter)
    frac = ahead - whole
    if frac > 0:
        f *= (1.0 + g * (1.0 - d) ** (quarter + whole)) ** frac
    return f


def pro_rata(available: float, requests: list[float]) -> list[float]:
    """Split ``available`` over ``requests``: each gets all it asks, or the same share of it."""
    total = math.fsum(requests)
    if total <= available or total <= 0:
        return list(requests)
    f = max(0.0, available) / total
    return [r * f for r in requests]


def lab_revenue_target(
    compute: float, per_compute: float, saturation: float, demand: float, market: float
) -> float:
    """Annual revenue a lab's compute can earn in the one AI market all labs share.

    ``per_compute`` $B a year per kH100e, scaled by the AI-demand index ``demand``; the return on
    every kH100e in the market falls as the market's compute (``market``: every lab's and the
    outside world's) grows, halving at ``saturation × demand`` — customers' demand is finite, so a
    rival's compute lowers your revenue, and each lab earns its share of what the market pays.
    """
    return compute * per_compute * demand / (1.0 + market / (saturation * demand))


@dataclass
class Market:
    """Demand indices and their trends.

    Attributes:
        gpu_base: outside GPU demand at the reference price (kH100e a quarter).
        wafer_base: outside wafer demand at the reference price (k wafers a quarter).
        ai_index: multiplier on labs' revenue per kH100e (1 at the start).
        generation: H100e per wafer relative to the start (GPU generations).
    """

    spec: MarketSpec
    gpu_base: float
    wafer_base: float
    gpu_growth: float
    wafer_growth: float
    ai_growth: float
    ai_index: float = 1.0
    generation: float = 1.0
    gpu_noise: float = 1.0
    wafer_noise: float = 1.0

    @classmethod
    def from_spec(cls, spec: MarketSpec) -> Market:
        return cls(
            spec,
            spec.gpu_demand,
            spec.wafer_demand,
            spec.gpu_growth,
            spec.wafer_growth,
            spec.ai_demand_growth,
        )

    def advance(self, rng: np.random.Generator, mods: Modifiers) -> None:
        """Move every trend one quarter on and draw this quarter's noise."""
        s = self.spec
        self.gpu_base *= 1.0 + self.gpu_growth
        self.wafer_base *= 1.0 + self.wafer_growth
        self.ai_index *= 1.0 + self.ai_growth
        self.gpu_growth *= 1.0 - s.gpu_growth_decay
        self.wafer_growth *= 1.0 - s.wafer_growth_decay
        self.ai_growth *= 1.0 - s.ai_demand_decay
        if not mods.generation_paused:
            self.generation *= 2.0 ** (1.0 / s.generation_doubling_quarters)
        z = rng.standard_normal(2)
        self.gpu_noise = math.exp(s.gpu_noise * float(z[0]) - s.gpu_noise**2 / 2)
        self.wafer_noise = math.exp(s.wafer_noise * float(z[1]) - s.wafer_noise**2 / 2)

    def gpu_reference(self) -> float:
        """Reference accelerator price ($k per H100e): it falls as price-performance rises.

        ``gpu_reference_price / generation ** gpu_price_decline``: with the default decline of 1
        the price of an H100's worth of work halves each time a generation doubles it (about
        every 2.5 years, Epoch AI).
        """
        return self.spec.gpu_reference_price / self.generation**self.spec.gpu_price_decline

    def wafer_reference(self, mods: Modifiers) -> float:
        """Reference wafer price ($k), moved by events such as a foundry price rise."""
        return self.spec.wafer_reference_price * mods.wafer_price_level

    def outside_gpu_demand(self, share: float, price: float, mods: Modifiers) -> float:
        """kH100e outside buyers want this quarter from a designer with this share and price.

        Demand is kinked at the reference price: below it, buyers respond weakly
        (``gpu_elasticity`` < 1: a lower price earns less); above it they leave fast
        (``gpu_elasticity_above`` > 1: a higher price earns less). So the price that earns most
        is inside the legal range, near the reference.
        """
        rel = price / self.gpu_reference()
        s = self.spec
        e = s.gpu_elasticity if rel <= 1.0 else s.gpu_elasticity_above
        return self.gpu_base * share * mods.gpu_demand * self.gpu_noise * rel**-e

    def outside_wafer_demand(self, share: float, price: float, mods: Modifiers) -> float:
        """k wafers outside buyers want this quarter from a foundry with this share and price."""
        rel = price / self.wafer_reference(mods)
        s = self.spec
        e = s.wafer_elasticity if rel <= 1.0 else s.wafer_elasticity_above
        return self.wafer_base * share * self.wafer_noise * rel**-e

    def snapshot(self) -> dict[str, float]:
        return {
            "gpu_demand": self.gpu_base,
            "wafer_demand": self.wafer_base,
            "ai_index": self.ai_index,
            "generation": self.generation,
            "gpu_reference_price": self.gpu_reference(),
            "base_rate": self.spec.base_rate,
        }
