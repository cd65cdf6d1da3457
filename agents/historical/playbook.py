"""Which playbook an actor follows, and what every playbook keeps track of.

:class:`HistoricalBase` picks the playbook (:data:`PLAYBOOKS` by the actor's name; otherwise by
role: the leader of its role, a challenger or follower, a Gulf or another fund), says when a dated
move is due (at the first quarter on or after its date, once), and tracks what the playbooks need
from quarter to quarter: its own sales, whether a lab's last funding round raised anything, the
Taiwan events it has lived through (:data:`TAIWAN_EVENTS`: what a lab's fab bet weighs), a lab's
fleet by the quarter each batch went into service (what it draws from the grid: newer chips draw
less per H100e) and the campuses it has paid for. It also reads the actor's contract book (its
active contracts of a kind, the quarters a contract has left, what a foundry has promised). What
the engine works out — each foundry's capacity not yet promised, build costs, the subsidies in
force — it reads from the observation.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from agents.basic import BasicPolicy
from game.events import GULF_COUNTRIES
from game.observation import Observation

__all__ = ["PLAYBOOKS", "TAIWAN_EVENTS", "HistoricalBase"]

#: Events of the deck that cut Taiwan's fab and packaging output (game/events.py).
TAIWAN_EVENTS = ("taiwan_earthquake", "drought", "blockade")

#: Named actors' playbooks, by (name, role); any other actor gets its role's generic playbook.
PLAYBOOKS: dict[tuple[str, str], str] = {
    ("OpenAI", "lab"): "openai",
    ("Nvidia", "designer"): "nvidia",
    ("TSMC", "foundry"): "tsmc",
    ("MGX", "investor"): "mgx",
    ("PIF", "investor"): "pif",
    ("QIA", "investor"): "qia",
    ("SoftBank", "investor"): "softbank",
}


class HistoricalBase(BasicPolicy):
    """The historical family's playbook choice, dated moves, memory and contract book.

    Not a policy of its own: :class:`~agents.historical.HistoricalPolicy` composes it with the
    role parts and sets the family's name, description and parameter table.
    """

    def __init__(self, **params: Any) -> None:
        super().__init__(**params)
        self.reset(0)

    def reset(self, seed: int) -> None:
        super().reset(seed)
        self._done: list[str] = []  # dated moves already made
        self._last_q = -1
        self._sold: list[float] = []  # own units (or wafers) sold per quarter
        self._pkg_base: float | None = None  # foundry: packaging capacity at the start
        self._c0: float | None = None  # lab: compute at the start (its compute path's base)
        self._granted = 0.0  # lab: stakes granted in the current answer round
        self._asking = False  # lab: it asked investors for money this quarter
        self._failed = 0  # lab: rounds in a row that raised nothing
        self._taiwan: dict[str, float] = {}  # Taiwan events seen ("kind@quarter") -> output lost
        self._ai: list[float] = []  # the AI-demand index, a quarter at a time
        self._rr: list[float] = []  # lab: its revenue run-rate, a quarter at a time
        self._fleet: list[list[float]] = []  # lab: [quarter, kH100e, generation] in service
        self._prev: list[float] = []  # lab: [compute, generation] at the last quarter seen
        self._campus: list[list[float]] = []  # [quarter it opens, GW]: campuses it paid for
        self._notes: dict[str, float] = {}  # dated notes: a lab's rounds and fab bet, ...
        self._plan: dict[str, float] = {}  # this quarter's plan (worked out once a quarter)

    # =========================================================================== helpers
    def _playbook(self, obs: Observation) -> str:
        named = PLAYBOOKS.get((obs.actor, obs.role))
        if named is not None:
            return named
        pub = obs.public
        if obs.role == "lab":
            return "lab"
        if obs.role == "designer":
            top = max(
                (n for n, p in pub.items() if p["role"] == "designer"),
                key=lambda n: float(pub[n]["market_share"]),
            )
            return "leader" if top == obs.actor else "challenger"
        if obs.role == "foundry":
            top = max(
                (n for n, p in pub.items() if p["role"] == "foundry"),
                key=lambda n: float(pub[n]["capacity"]),
            )
            return "leader" if top == obs.actor else "follower"
        return "gulf" if pub[obs.actor]["country"] in GULF_COUNTRIES else "fund"

    def _due(self, obs: Observation, key: str, label: str) -> bool:
        """Whether a dated move is due now (on or after ``label``) and not yet made."""
        return obs.label >= label and key not in self._done

    def _track(self, obs: Observation) -> None:
        if obs.quarter == self._last_q:
            return
        self._last_q = obs.quarter
        self._plan = {}
        self._ai.append(float(obs.market["ai_index"]))
        del self._ai[:-9]
        for ev in obs.events:
            key = f"{ev['kind']}@{ev['quarter']}"
            if ev["kind"] in TAIWAN_EVENTS and key not in self._taiwan:
                self._taiwan[key] = float(ev["magnitude"]) * max(1, int(ev["remaining"]))
        if obs.role in ("designer", "foundry") and obs.quarter > 0:
            self._sold.append(float(obs.books["sold"]))
            del self._sold[:-8]
        if obs.role == "lab":
            self._track_fleet(obs)
            self._rr.append(float(obs.books["revenue_run_rate"]))
            del self._rr[:-9]
        if obs.role == "lab" and self._asking:  # did last quarter's round raise anything?
            got = any(
                c["start"] == obs.quarter - 1 and c["parties"][1] == obs.actor
                for c in obs.contracts
                if c["kind"] in ("equity", "loan")
            )
            self._failed = 0 if got else self._failed + 1
            self._asking = False

    def _track_fleet(self, obs: Observation) -> None:
        """Estimate the lab's fleet by cohort from its compute, a quarter at a time.

        The engine's rule: a batch serves ``compute_life`` quarters. What went into service last
        quarter is the change in compute plus what retired (the cohort ``compute_life`` quarters
        older), at last quarter's generation. The starting fleet is spread evenly over the past
        ``compute_life`` quarters at generation 1, as the engine spreads it.
        """
        life = int(obs.rules.compute_life)
        c = float(obs.books["compute"])
        gen = float(obs.market["generation"])
        if not self._prev:
            self._fleet = [[float(-i), c / life, 1.0] for i in range(life - 1, -1, -1)]
        else:
            q = obs.quarter - 1  # the quarter whose deliveries we now see
            gone = sum(a for cq, a, _ in self._fleet if cq <= q - life)
            self._fleet = [f for f in self._fleet if f[0] > q - life]
            added = c - self._prev[0] + gone
            if added > 1e-6:
                self._fleet.append([float(q), added, self._prev[1]])
            elif added < -1e-6 and self._fleet:  # sold or lost: take it from the oldest
                left = -added
                for f in self._fleet:
                    take = min(f[1], left)
                    f[1] -= take
                    left -= take
        self._prev = [c, gen]

    def _fleet_gw(self, obs: Observation, ahead: int = 0) -> float:
        """GW the lab's fleet draws ``ahead`` quarters on (what still serves then), before buys."""
        life = int(obs.rules.compute_life)
        last = obs.quarter + ahead - life  # cohorts this old or older have retired by then
        return sum(a / g for q, a, g in self._fleet if q > last) / 500.0

    def _taiwan_loss(self, obs: Observation) -> float:
        """Share of Taiwan's output lost to the Taiwan events it has seen (quarters x cut)."""
        return sum(self._taiwan.values())

    def _campus_opening(self, obs: Observation, within: int) -> float:
        """GW of the campuses it paid for that open within ``within`` quarters from now."""
        return sum(gw for q, gw in self._campus if obs.quarter <= q <= obs.quarter + within)

    @staticmethod
    def _mine(obs: Observation, kind: str, index: int) -> list[Mapping[str, Any]]:
        """My active contracts of a kind where I am party ``index`` (0 first, 1 second)."""
        return [
            c
            for c in obs.contracts
            if c["kind"] == kind and c["status"] == "active" and c["parties"][index] == obs.actor
        ]

    @staticmethod
    def _left(c: Mapping[str, Any]) -> int:
        return int(c["terms"]["quarters"]) - int(c["quarters_done"])

    def _promised(self, obs: Observation) -> float:
        """k wafers a quarter I (a foundry) have promised: reservations and partners' JV shares.

        My own contract book; what any foundry has left to promise is ``obs.free_capacity``.
        """
        wafers = sum(c["terms"]["wafers"] for c in self._mine(obs, "capacity", 1))
        jv = sum(
            c["terms"]["capacity"] * c["terms"]["partner_output_share"]
            for c in self._mine(obs, "joint_venture", 1)
        )
        return wafers + jv
