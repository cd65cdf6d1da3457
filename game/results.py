"""Results: a game's outcome as JSON-ready data, and a fingerprint of its state.

:meth:`ResultsMixin.result` is what ``fabrace run --json`` prints and what tournaments store;
:meth:`ResultsMixin.digest` is the fingerprint that logs, replays and the golden games compare.
Both are deterministic for a seed, in any process.
"""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING, Any

from game.calendar import quarter_label
from game.contracts import ContractStatus
from game.ledger import OUTSIDE

if TYPE_CHECKING:
    from game.actors import Actor
    from game.chronicle import Counters
    from game.contracts import Contract
    from game.ledger import Ledger
    from game.markets import Market
    from game.negotiation import Negotiation
    from game.scenario import ScenarioSpec

__all__ = ["ResultsMixin", "rounded"]

#: The game's counters a result reports.
_TOTALS = (
    "offers",
    "counters",
    "rejections",
    "failed_signings",
    "moves",
    "refused",
    "faults",
    "shortfalls",
    "insolvencies",
)


def rounded(x: Any) -> Any:
    """``x`` with every float rounded to 6 decimals (and -0.0 as 0.0), all the way down."""
    if isinstance(x, float):
        r = round(x, 6)
        return 0.0 if r == 0 else r
    if isinstance(x, dict):
        return {k: rounded(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [rounded(v) for v in x]
    return x


class ResultsMixin:
    """The result and digest of a :class:`~game.model.FabRaceModel`."""

    spec: ScenarioSpec
    seed: int
    actor_list: list[Actor]
    contracts: dict[int, Contract]
    event_log: list[dict[str, Any]]
    counters: Counters
    ledger: Ledger
    market: Market
    negotiation: Negotiation
    quarter_index: int
    finished: bool
    refused_by: dict[str, int]
    faults_by: dict[str, int]

    if TYPE_CHECKING:

        def policy_label(self, name: str) -> str: ...

    def result(self) -> dict[str, Any]:
        """The game's result as a JSON-ready dict (deterministic for a seed)."""
        actors = []
        for a in self.actor_list:
            figures = {
                k: v
                for k, v in a.public().items()
                if k not in ("name", "role", "country") and not isinstance(v, list)
            }
            actors.append(
                {
                    "name": a.name,
                    "role": a.role,
                    "country": a.country,
                    "policy": self.policy_label(a.name),
                    "score": a.score,
                    "raw_score": a.raw_score,
                    "score_breakdown": dict(a.score_breakdown),
                    "cash": a.cash,
                    "insolvent": a.insolvent,
                    "refused": self.refused_by.get(a.name, 0),
                    "faults": self.faults_by.get(a.name, 0),
                    "figures": figures,
                }
            )
        contracts = [
            c.to_json(lambda q: quarter_label(self.spec.start, q)) for c in self.contracts.values()
        ]
        signed = [c for c in self.contracts.values() if c.start >= 0]
        return rounded(
            {
                "scenario": self.spec.name,
                "seed": self.seed,
                "quarters": self.quarter_index,
                "start": self.spec.start,
                "end": quarter_label(self.spec.start, max(0, self.quarter_index - 1)),
                "finished": self.finished,
                "actors": actors,
                "contracts": contracts,
                "events": list(self.event_log),
                "totals": {
                    "contracts_signed": len(signed),
                    "contracts_breached": sum(
                        1 for c in self.contracts.values() if c.status == ContractStatus.BREACHED
                    ),
                    **{k: self.counters.values.get(k, 0) for k in _TOTALS},
                },
                "ledger": {
                    "outside": self.ledger.balance(OUTSIDE),
                    "imbalance": self.ledger.imbalance(),
                },
            }
        )

    def digest(self) -> str:
        """A fingerprint of the game state (result, exact balances, open offers)."""
        result = self.result()
        for a in result["actors"]:
            a.pop("policy")  # who decided is not part of the state (a replay drives every seat)
            a.pop("refused")
            a.pop("faults")
        # Nor is what the policies tried that changed nothing: a refused decision leaves the game
        # as it was, and a policy's fault is not replayed (a replay drives every seat).
        for k in ("refused", "faults"):
            result["totals"].pop(k)
        state = {
            "result": result,
            "balances": {k: repr(v) for k, v in self.ledger.balances.items()},
            "open_offers": [o.view() for o in self.negotiation.open_offers()],
            "market": {k: repr(v) for k, v in self.market.snapshot().items()},
        }
        blob = json.dumps(state, sort_keys=True, default=str).encode()
        return hashlib.sha256(blob).hexdigest()[:16]
