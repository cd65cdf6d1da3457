"""The event deck: news drawn each quarter with the model's RNG, each with a logged effect.

A card of the deck (from the scenario) names an event kind, its yearly probability, its duration
and optionally its magnitude. Each quarter every card fires with ``1 - (1 - p_year) ** 0.25``.
Active events fold into one :class:`Modifiers` record that the rest of the quarter reads.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

__all__ = [
    "EVENT_KINDS",
    "GULF_COUNTRIES",
    "ActiveEvent",
    "EventKind",
    "Modifiers",
    "fold_modifiers",
    "quarterly_probability",
]

GULF_COUNTRIES = frozenset({"UAE", "Saudi Arabia", "Qatar", "Kuwait", "Bahrain", "Oman"})


@dataclass
class Modifiers:
    """Multipliers and switches that the active events put on this quarter."""

    taiwan_output: float = 1.0
    packaging: float = 1.0
    gpu_demand: float = 1.0
    wafer_price_level: float = 1.0
    ai_demand: float = 1.0
    new_fab_yield: float = 1.0
    generation_paused: bool = False
    hosting_cost: float = 1.0
    unit_cost: float = 1.0
    us_capex: float = 1.0
    build_delay: int = 0
    gulf_licences_blocked: bool = False
    share_boost: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class EventKind:
    """An event kind: what it does and how it reads in the news."""

    name: str
    title: str
    effect: str
    magnitude: float
    apply: Callable[[Modifiers, float, str | None], None]
    target_role: str | None = None


def _mul(attr: str, sign: float = -1.0) -> Callable[[Modifiers, float, str | None], None]:
    def apply(m: Modifiers, mag: float, target: str | None) -> None:
        setattr(m, attr, getattr(m, attr) * (1.0 + sign * mag))

    apply.__name__ = f"scale_{attr}"
    return apply


def _pause_generation(m: Modifiers, mag: float, target: str | None) -> None:
    m.generation_paused = True


def _grid_delay(m: Modifiers, mag: float, target: str | None) -> None:
    m.hosting_cost *= 1.0 + mag
    m.build_delay = max(m.build_delay, 2)


def _export_tightening(m: Modifiers, mag: float, target: str | None) -> None:
    m.gulf_licences_blocked = True
    m.gpu_demand *= 1.0 - mag


def _tariffs(m: Modifiers, mag: float, target: str | None) -> None:
    m.unit_cost *= 1.0 + mag
    m.gpu_demand *= 1.0 - mag / 2


def _leapfrog(m: Modifiers, mag: float, target: str | None) -> None:
    if target is None:
        m.gpu_demand *= 1.0 - mag  # an outside competitor takes share from every designer
    else:
        m.share_boost[target] = m.share_boost.get(target, 1.0) * (1.0 + 2 * mag)


def _noop(m: Modifiers, mag: float, target: str | None) -> None:
    """Events whose effect is a one-off change of state, applied when drawn."""


_KINDS = [
    EventKind(
        "taiwan_earthquake",
        "Taiwan earthquake",
        "Taiwan fab output -{pct}",
        0.15,
        _mul("taiwan_output"),
    ),
    EventKind(
        "drought", "Drought in Taiwan", "Taiwan fab output -{pct}", 0.05, _mul("taiwan_output")
    ),
    EventKind(
        "blockade", "Blockade of Taiwan", "Taiwan fab output -{pct}", 0.8, _mul("taiwan_output")
    ),
    EventKind(
        "export_tightening",
        "Export controls tightened",
        "Gulf export licences suspended; outside GPU demand -{pct}",
        0.1,
        _export_tightening,
    ),
    EventKind(
        "export_loosening",
        "Export controls loosened",
        "outside GPU demand +{pct}",
        0.1,
        _mul("gpu_demand", +1),
    ),
    EventKind(
        "gulf_licence",
        "Gulf export licence granted",
        "{target} may now import accelerators",
        0.0,
        _noop,
        target_role="investor",
    ),
    EventKind("hbm_shortage", "HBM shortage", "packaging output -{pct}", 0.3, _mul("packaging")),
    EventKind(
        "packaging_slip", "Packaging ramp slips", "packaging output -{pct}", 0.15, _mul("packaging")
    ),
    EventKind(
        "generation_slip",
        "GPU generation slips",
        "accelerators per wafer stop improving",
        0.0,
        _pause_generation,
    ),
    EventKind(
        "low_yield", "Low new-node yield", "yield of young fabs -{pct}", 0.2, _mul("new_fab_yield")
    ),
    EventKind(
        "grid_delay",
        "Grid connection delays",
        "hosting cost +{pct}; new builds 2 quarters late",
        0.25,
        _grid_delay,
    ),
    EventKind("demand_shock", "AI demand shock", "AI demand {signed}", 0.15, _mul("ai_demand", +1)),
    EventKind(
        "foundry_price_rise",
        "Foundry price rise",
        "wafer price level +{pct}",
        0.1,
        _mul("wafer_price_level", +1),
    ),
    EventKind(
        "tariffs",
        "Tariffs",
        "accelerator unit cost +{pct}; outside GPU demand lower",
        0.1,
        _tariffs,
    ),
    EventKind("subsidy", "Fab subsidy (CHIPS Act)", "US fab capex -{pct}", 0.25, _mul("us_capex")),
    EventKind(
        "competitor_leapfrog",
        "Competitor leapfrog",
        "{target} gains share on a new generation",
        0.15,
        _leapfrog,
        target_role="designer",
    ),
]

EVENT_KINDS: dict[str, EventKind] = {k.name: k for k in _KINDS}


def quarterly_probability(p_year: float) -> float:
    """Probability a quarter of an event with yearly probability ``p_year``."""
    return 1.0 - (1.0 - p_year) ** 0.25


@dataclass
class ActiveEvent:
    """An event that has fired and is still in force."""

    kind: str
    quarter: int
    remaining: int  # quarters left; -1 = permanent
    magnitude: float
    target: str | None = None

    def describe(self) -> str:
        k = EVENT_KINDS[self.kind]
        pct = f"{abs(self.magnitude) * 100:.0f}%"
        signed = f"{'+' if self.magnitude >= 0 else '-'}{pct}"
        text = k.effect.format(pct=pct, signed=signed, target=self.target or "an outside rival")
        if self.remaining > 0:
            text += f" for {self.remaining} quarter{'s' if self.remaining != 1 else ''}"
        return f"{k.title}: {text}"


def fold_modifiers(active: list[ActiveEvent]) -> Modifiers:
    """Fold the active events, in the order they fired, into one record of modifiers."""
    m = Modifiers()
    for ev in active:
        EVENT_KINDS[ev.kind].apply(m, ev.magnitude, ev.target)
    return m
