"""The random policy: random legal decisions, the floor every other policy should beat."""

from __future__ import annotations

from typing import Any, ClassVar

from agents.policy import Param, Policy
from game.deals import DealKind, resolve_parties
from game.decisions import (
    MOVE_TYPES,
    Accept,
    Counter,
    Decision,
    Propose,
    Reject,
)
from game.observation import Observation

__all__ = ["RandomPolicy", "random_terms"]


def random_terms(
    policy: Policy, obs: Observation, kind: str, company: str | None
) -> dict[str, Any] | None:
    """Draw terms for a deal kind uniformly within its bounds, scaled to stay affordable.

    Money amounts are kept within a few percent of the proposer's cash, and stakes within what
    the company has left to sell, so that offers are legal (though not always wise). Returns
    None when no legal terms exist (a company with no equity left to sell).
    """
    rng = policy.rng
    cash = max(0.0, float(obs.books["cash"]))
    out: dict[str, Any] = {}
    for name, b in obs.legal.term_bounds[kind].items():
        if b["choices"]:
            out[name] = str(b["choices"][int(rng.integers(len(b["choices"])))])
            continue
        lo, hi = float(b["lo"]), float(b["hi"])
        if b["integer"]:
            out[name] = int(rng.integers(int(lo), min(int(hi), 12) + 1))
            continue
        if name in ("amount", "principal"):
            hi = min(hi, max(0.05, 0.05 * cash))
        elif name == "stake":
            avail = 0.5
            if company is not None:
                avail = float(obs.public[company]["control"])
            if avail < 0.002:
                return None  # nothing left to sell: no legal stake
            hi = min(hi, avail * 0.5)
        elif name in ("wafers", "quantity", "capacity"):
            hi = min(hi, 50.0)
        elif name == "prepay":
            hi = min(hi, 0.2)
        elif name == "price":
            hi = min(hi, 60.0)
        if hi <= lo:
            hi = lo + 1e-3
        v = round(float(rng.uniform(lo, hi)), 4)
        if b["lo_open"] and v <= lo:  # rounding must not land on an open bound
            v = lo + (hi - lo) / 2
        out[name] = v
    return out


class RandomPolicy(Policy):
    """Opens, answers and moves at random among the legal decisions."""

    name = "random"
    description = "random legal decisions (the floor)"
    parameters: ClassVar[dict[str, Param]] = {
        "activity": Param(0.5, 0.0, 1.0, "chance of making each possible offer or move"),
    }

    def propose(self, obs: Observation) -> list[Decision]:
        legal = obs.legal
        out: list[Decision] = []
        kinds = sorted(legal.partners)
        for _ in range(legal.proposals_left):
            if not kinds or self.rng.random() > self.params["activity"]:
                break
            kind = kinds[int(self.rng.integers(len(kinds)))]
            partners = legal.partners[kind]
            other = partners[int(self.rng.integers(len(partners)))]
            company = self._company(obs, kind, other)
            terms = random_terms(self, obs, kind, company)
            if terms is not None:
                out.append(Propose(other, kind, terms))
        return out

    def respond(self, obs: Observation) -> list[Decision]:
        out: list[Decision] = []
        for offer in obs.inbox:
            allowed = obs.legal.answers.get(offer["id"], ())
            if not allowed:
                continue
            pick = allowed[int(self.rng.integers(len(allowed)))]
            if pick == "accept":
                out.append(Accept(offer["id"]))
            elif pick == "reject":
                out.append(Reject(offer["id"]))
            else:
                company = self._company(obs, offer["kind"], offer["proposer"])
                terms = random_terms(self, obs, offer["kind"], company)
                out.append(Counter(offer["id"], terms) if terms else Reject(offer["id"]))
        return out

    def moves(self, obs: Observation) -> list[Decision]:
        out: list[Decision] = []
        cash = max(0.0, float(obs.books["cash"]))
        for mtype, bounds in sorted(obs.legal.moves.items()):
            if self.rng.random() > self.params["activity"]:
                continue
            args: dict[str, Any] = {}
            for field_name, b in bounds.items():
                if isinstance(b[0], str):
                    args[field_name] = str(b[int(self.rng.integers(len(b)))])
                else:
                    lo, hi = float(b[0]), float(b[1])
                    args[field_name] = float(self.rng.uniform(lo, lo + (hi - lo) * 0.05))
            if not self._affordable(obs, mtype, args, cash):
                continue
            out.append(MOVE_TYPES[mtype](**args))
        return out

    def _company(self, obs: Observation, kind: str, other: str) -> str | None:
        """The actor selling equity in an equity-like deal between ``obs.actor`` and ``other``."""
        if kind not in ("equity", "vendor_financing"):
            return None
        _, second = resolve_parties(
            DealKind(kind), (obs.actor, obs.role), (other, obs.public[other]["role"])
        )
        return second

    @staticmethod
    def _affordable(obs: Observation, mtype: str, args: dict[str, Any], cash: float) -> bool:
        rules = obs.rules
        if mtype == "build_fab":
            capex = obs.fab_capex(args["node"], args["site"], args["capacity"])
            return capex / obs.fab_build_quarters(args["site"]) < 0.5 * cash
        if mtype == "build_packaging":
            return args["capacity"] * rules.packaging_capex_per_kwafer < 0.5 * cash
        if mtype == "buy_spot_wafers":
            return args["quantity"] * obs.public[args["foundry"]]["wafer_price"] / 1000 < 0.5 * cash
        if mtype == "buy_spot_gpus":
            return args["quantity"] * obs.public[args["designer"]]["gpu_price"] / 1000 < 0.5 * cash
        if mtype == "start_chip_programme":
            return rules.chip_programme_cost < 0.5 * cash
        if mtype == "fund_campus":
            return args["gw"] * rules.campus_capex_per_gw / rules.campus_build_quarters < 0.5 * cash
        return True
