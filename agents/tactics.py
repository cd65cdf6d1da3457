"""Small shared estimates for the built-in policy families.

The functions read only an :class:`~game.observation.Observation` (and, where given, the list of
the actor's own contracts, which :class:`ContractMemo` keeps cheaply) and return plain numbers; no
randomness. The families differ in how they *use* these estimates.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from game.deals import DealKind, resolve_parties
from game.observation import Observation

__all__ = [
    "REF_DPW",
    "ContractMemo",
    "DealView",
    "annual_revenue",
    "clamp",
    "debt_outstanding",
    "debt_service",
    "fab_first_instalment",
    "generation_ahead",
    "gpu_demand",
    "gpu_owed",
    "gpu_unit_cost",
    "jv_capex_per_quarter",
    "lab_operating_cash",
    "loan_service",
    "my_active",
    "optimal_gpu_price",
    "packaging_wafers",
    "purchase_obligations",
    "wafer_committed",
    "wafers_contracted",
    "within_equity_left",
]

#: Dies per wafer assumed for a lab's own chips (a designer's figure is private; 29 is
#: typical: packages per CoWoS wafer, Hopper, industry estimate).
REF_DPW = 29.0


def clamp(v: float, lo: float, hi: float) -> float:
    return max(lo, min(hi, v))


Mine = Sequence[Mapping[str, Any]] | None


class ContractMemo:
    """Mixin for a policy: the actor's own contracts without rescanning the public record.

    It remembers the positions (plain ints, so the policy still pickles) of the actor's contracts
    in ``obs.contracts``, which only ever grows at the end, and scans only what was signed since
    the last call. Call :meth:`_forget_contracts` from ``reset``.
    """

    _cm_actor: str | None = None
    _cm_seen: int = 0
    _cm_mine: tuple[int, ...] = ()

    def _forget_contracts(self) -> None:
        self._cm_actor, self._cm_seen, self._cm_mine = None, 0, ()

    def _mine(self, obs: Observation) -> list[Mapping[str, Any]]:
        """Every contract the actor is a party to (any status), oldest first."""
        cs = obs.contracts
        if self._cm_actor != obs.actor or len(cs) < self._cm_seen:
            self._cm_actor, self._cm_seen, self._cm_mine = obs.actor, 0, ()
        if len(cs) > self._cm_seen:
            me = obs.actor
            new = tuple(i for i in range(self._cm_seen, len(cs)) if me in cs[i]["parties"])
            self._cm_mine += new
            self._cm_seen = len(cs)
        return [cs[i] for i in self._cm_mine]


def my_active(obs: Observation, kind: str | None = None, mine: Mine = None) -> list[Any]:
    """Active contracts the actor is a party to (optionally of one kind).

    ``mine``: the actor's contracts if the caller has them (else the public record is scanned).
    """
    me = obs.actor
    src = mine if mine is not None else [c for c in obs.contracts if me in c["parties"]]
    return [c for c in src if c["status"] == "active" and (kind is None or c["kind"] == kind)]


def gpu_demand(obs: Observation, name: str, price: float) -> float:
    """kH100e a quarter outside buyers would take from designer ``name`` at ``price`` (the
    scenario's ``gpu_elasticity``, from ``obs.market_params``)."""
    m = obs.market
    ref = max(1e-6, float(m["gpu_reference_price"]))
    share = float(obs.public[name]["market_share"])
    e = float(obs.market_params["gpu_elasticity"])
    return float(m["gpu_demand"]) * share * (max(price, 1e-6) / ref) ** -e


def generation_ahead(obs: Observation, quarters: float) -> float:
    """How many times the H100e per wafer grow in ``quarters`` (the scenario's
    ``generation_doubling_quarters``; a pause from events is not foreseen)."""
    return 2.0 ** (quarters / float(obs.market_params["generation_doubling_quarters"]))


def gpu_unit_cost(obs: Observation) -> float:
    """A designer's cost of one H100e ($k): the unit cost plus its share of the cheapest wafer."""
    b = obs.books
    gen = max(1e-6, float(obs.market["generation"]))
    foundries = obs.others("foundry")
    wafer = min(
        (float(obs.public[f]["wafer_price"]) for f in foundries),
        default=float(obs.market["wafer_reference_price"]),
    )
    return float(b["unit_cost"]) / gen + wafer / (max(1.0, float(b["dies_per_wafer"])) * gen)


def optimal_gpu_price(obs: Observation) -> float:
    """The price that maximises gross profit against the outside demand's constant elasticity
    (the scenario's ``gpu_elasticity``): cost × e / (e − 1).

    At an elasticity of 1 or less that price is unbounded (every rise in price raises profit); it
    is then taken as at an elasticity of 1.1 (11 × cost), which the legal price bounds cap.
    """
    e = max(1.1, float(obs.market_params["gpu_elasticity"]))
    return gpu_unit_cost(obs) * e / (e - 1.0)


def gpu_owed(obs: Observation, mine: Mine = None) -> float:
    """kH100e a quarter the designer owes under its active supply and vendor-financing deals."""
    return sum(
        float(c["terms"]["quantity"])
        for c in my_active(obs, None, mine)
        if c["kind"] in ("supply", "vendor_financing")
    )


def wafers_contracted(obs: Observation, mine: Mine = None) -> float:
    """k wafers a quarter the actor has reserved as a buyer under active capacity contracts."""
    return sum(
        float(c["terms"]["wafers"])
        for c in my_active(obs, "capacity", mine)
        if c["parties"][0] == obs.actor
    )


def packaging_wafers(obs: Observation) -> float:
    """Designer wafers a quarter all the foundries' packaging could turn into accelerators."""
    dpw = max(1.0, float(obs.books.get("dies_per_wafer", 29.0)))
    ppw = float(obs.rules.packages_per_wafer)
    return sum(
        float(obs.public[f]["packaging_capacity"]) * ppw / dpw for f in obs.others("foundry")
    )


def wafer_committed(obs: Observation, mine: Mine = None) -> float:
    """k wafers a quarter a foundry has promised under active capacity contracts."""
    return sum(
        float(c["terms"]["wafers"])
        for c in my_active(obs, "capacity", mine)
        if c["parties"][1] == obs.actor
    )


def debt_service(obs: Observation, mine: Mine = None) -> float:
    """What the actor owes a quarter on the loans it has taken ($B, a cautious upper bound)."""
    out = 0.0
    for c in my_active(obs, "loan", mine):
        if c["parties"][1] == obs.actor:
            t = c["terms"]
            out += t["principal"] / t["quarters"] + t["principal"] * t["rate"] / 4
    return out


def debt_outstanding(obs: Observation, mine: Mine = None) -> float:
    """Principal the actor still owes on the loans it has taken ($B, approximately)."""
    out = 0.0
    for c in my_active(obs, "loan", mine):
        if c["parties"][1] == obs.actor:
            t = c["terms"]
            out += t["principal"] * max(0.0, 1.0 - c["quarters_done"] / t["quarters"])
    return out


def fab_first_instalment(obs: Observation, node: str, site: str, capacity: float) -> float:
    """A quarter's capex of a fab started now ($B; subsidies and build delays in force included,
    from ``obs.build_costs``)."""
    return obs.fab_capex(node, site, capacity) / obs.fab_build_quarters(site)


# -- reading an offer ----------------------------------------------------------------------------
#: For each deal kind, the term a side haggles over, and the first party's word for itself.
_KEY = {"loan": "rate", "capacity": "price", "supply": "price"}


class DealView:
    """An offer in the inbox seen from the actor's side, reduced to one number to haggle over.

    ``key`` is the number the actor cares about (implied valuation for equity, rate for a loan,
    price for capacity and supply); ``fair`` is the market's reference for it (the company's
    public valuation, base rate + 3 %, the seller's posted price). ``ratio(key)`` is how good a
    value is for the actor (1 = fair, above 1 = better than fair); ``terms_at(r)`` the offer's
    terms with the key moved to the value of goodness ``r``.

    Attributes:
        kind, other (the proposer), first (the actor is the first party: investor, lender, buyer,
        partner), terms (a plain dict), key, fair, higher_better.
    """

    __slots__ = ("fair", "first", "for_sale", "higher_better", "key", "kind", "other", "terms")

    def __init__(self, obs: Observation, offer: Mapping[str, Any]) -> None:
        from game.deals import DealKind, resolve_parties

        self.kind: str = offer["kind"]
        self.other: str = offer["proposer"]
        self.terms: dict[str, Any] = dict(offer["terms"])
        first, second = resolve_parties(
            DealKind(self.kind),
            (self.other, obs.public[self.other]["role"]),
            (obs.actor, obs.role),
        )
        self.first = first == obs.actor
        self.for_sale = 0.5  # the largest stake the company can still sell (equity deals)
        t = self.terms
        if self.kind in ("equity", "vendor_financing"):
            self.key = t["amount"] / max(t["stake"], 1e-9)
            self.fair = max(1.0, float(obs.public[second]["valuation"]))
            self.higher_better = not self.first  # the company wants a high valuation
            self.for_sale = min(0.5, float(obs.public[second]["control"]))
        elif self.kind == "loan":
            self.key = float(t["rate"])
            self.fair = float(obs.market["base_rate"]) + 0.03
            self.higher_better = self.first  # the lender wants a high rate
        elif self.kind in ("capacity", "supply"):
            field = "wafer_price" if self.kind == "capacity" else "gpu_price"
            self.key = float(t["price"])
            self.fair = max(1e-6, float(obs.public[second][field]))
            self.higher_better = not self.first  # the seller wants a high price
        else:  # joint venture: judged on its own terms by each family
            self.key = 1.0
            self.fair = 1.0
            self.higher_better = True

    def ratio(self, key: float | None = None) -> float:
        k = self.key if key is None else key
        k = max(k, 1e-9)
        return k / self.fair if self.higher_better else self.fair / k

    def key_at(self, r: float) -> float:
        return self.fair * r if self.higher_better else self.fair / max(r, 1e-9)

    def terms_at(self, r: float) -> dict[str, Any]:
        """The offer's terms with the key set to goodness ``r``.

        For equity the stake moves; if the company has not that much left to sell, the amount
        shrinks with it so that the implied valuation holds.
        """
        t = dict(self.terms)
        k = self.key_at(r)
        if self.kind in ("equity", "vendor_financing"):
            stake = t["amount"] / max(k, 1e-9)
            cap = 0.999 * self.for_sale
            if stake > cap:
                stake = cap
                t["amount"] = stake * k
            t["stake"] = stake
        elif self.kind == "loan":
            t["rate"] = clamp(k, 0.0, 0.5)
        elif self.kind in ("capacity", "supply"):
            t["price"] = k
        return t

    def my_first_payment(self) -> float:
        """What the actor pays on signing ($B)."""
        t = self.terms
        if not self.first:
            return 0.0
        if self.kind in ("equity", "vendor_financing"):
            return float(t["amount"])
        if self.kind == "loan":
            return float(t["principal"])
        if self.kind in ("capacity", "supply"):
            units = t["wafers"] if self.kind == "capacity" else t["quantity"]
            return t["prepay"] * t["price"] * units * t["quarters"] / 1000
        return 0.0

    def commitment(self) -> float:
        """All the money the actor commits to pay over the deal's life ($B)."""
        t = self.terms
        if not self.first:
            if self.kind == "vendor_financing":  # the lab buys the accelerators
                return t["quantity"] * t["price"] * t["quarters"] / 1000
            return 0.0
        if self.kind in ("capacity", "supply"):
            units = t["wafers"] if self.kind == "capacity" else t["quantity"]
            return t["price"] * units * t["quarters"] / 1000
        return self.my_first_payment()


def jv_capex_per_quarter(obs: Observation, t: Mapping[str, Any]) -> float:
    """Capex a quarter of a JV fab with these terms, if signed now ($B; subsidies and build
    delays in force included)."""
    return fab_first_instalment(obs, t["node"], t["site"], float(t["capacity"]))


def purchase_obligations(obs: Observation, mine: Mine = None) -> float:
    """What the actor owes a quarter on deliveries it has bought under contract ($B)."""
    out = 0.0
    for c in my_active(obs, None, mine):
        kind = c["kind"]
        t = c["terms"]
        if kind in ("capacity", "supply") and c["parties"][0] == obs.actor:
            units = t["wafers"] if kind == "capacity" else t["quantity"]
            out += (1 - t["prepay"]) * t["price"] * units / 1000
        elif kind == "vendor_financing" and c["parties"][1] == obs.actor:
            out += t["price"] * t["quantity"] / 1000
    return out


def annual_revenue(obs: Observation) -> float:
    """The actor's revenue over a year ($B): last quarter's × 4, or a lab's run-rate if higher."""
    out = 4.0 * float(obs.books["revenue"])
    if obs.role == "lab":
        out = max(out, float(obs.public[obs.actor]["revenue_run_rate"]))
    return out


def lab_operating_cash(obs: Observation) -> float:
    """A lab's cash from running its compute last quarter: revenue less opex and hosting ($B)."""
    last = obs.books["last_quarter"]
    return sum(float(last.get(k, 0.0)) for k in ("ai_revenue", "opex", "hosting"))


def loan_service(principal: float, rate: float, quarters: int) -> float:
    """A new loan's first-quarter payment: principal share plus interest ($B)."""
    return principal / max(1, quarters) + principal * rate / 4


def within_equity_left(
    obs: Observation, offer: Mapping[str, Any], terms: dict[str, Any]
) -> dict[str, Any] | None:
    """Counter terms with the stake cut to what the company has left to sell (the amount cut
    with it, so that the implied valuation holds); None if nothing is left."""
    other = offer["proposer"]
    _, company = resolve_parties(
        DealKind(offer["kind"]), (other, obs.public[other]["role"]), (obs.actor, obs.role)
    )
    left = 0.999 * min(0.5, float(obs.public[company]["control"]))
    stake = float(terms["stake"])
    if stake <= left:
        return terms
    if left < 1e-4:
        return None
    return {**terms, "stake": left, "amount": terms["amount"] * left / stake}
