"""Which playbook an actor follows, and what every playbook keeps track of.

:class:`HistoricalBase` picks the playbook (:data:`PLAYBOOKS` by the actor's name; otherwise by
role: the leader of its role, a challenger or follower, a Gulf or another fund), says when a dated
move is due (at the first quarter on or after its date, once), and tracks what the playbooks need
from quarter to quarter: its own sales, whether a lab's last funding round raised anything. It
also reads the actor's contract book (its active contracts of a kind, the quarters a contract has
left, what a foundry has promised). What the engine works out — each foundry's capacity not yet
promised, build costs, the subsidies in force — it reads from the observation.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from agents.basic import BasicPolicy
from game.events import GULF_COUNTRIES
from game.observation import Observation

__all__ = ["PLAYBOOKS", "HistoricalBase"]

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
        if obs.role in ("designer", "foundry") and obs.quarter > 0:
            self._sold.append(float(obs.books["sold"]))
            del self._sold[:-8]
        if obs.role == "lab" and self._asking:  # did last quarter's round raise anything?
            got = any(
                c["start"] == obs.quarter - 1 and c["parties"][1] == obs.actor
                for c in obs.contracts
                if c["kind"] in ("equity", "loan")
            )
            self._failed = 0 if got else self._failed + 1
            self._asking = False

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
