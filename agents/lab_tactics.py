"""Shared estimates about labs' compute: power, campuses and leases, and own chips.

A lab's accelerators earn only if powered (own campuses, leases of investors' campuses, outside
clouds); these functions turn what an observation shows into GW free, GW short, fair rents and the
like, and weigh a lab's own chip programme. Like :mod:`agents.tactics` (which re-exports them) they
read only an :class:`~game.observation.Observation` and return plain numbers; no randomness.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any

from agents.memos import about, about_each, own_contracts, per_observation
from agents.minmax import clamp, max2, min2
from game.events import GULF_COUNTRIES
from game.markets import cloud_growth_ahead, cloud_growth_now
from game.observation import Observation

__all__ = [
    "KH100E_PER_GW",
    "REF_DPW",
    "campus_cost",
    "can_host",
    "chip_programme_answer",
    "chip_programme_payoff",
    "cloud_gw_ahead",
    "fair_lease_rent",
    "free_campus_gw",
    "free_campus_gws",
    "gw_for",
    "kh100e_for",
    "lab_power_room",
    "lab_power_use",
    "labs_power_short",
    "landlords",
    "lease_terms",
    "leased_out",
    "leases_offered",
    "merchant_gpu_price",
    "own_chip_cost",
    "programme_labs",
]

#: Dies per wafer assumed for a lab's own chips (a designer's figure is private; 29 is
#: typical: packages per CoWoS wafer, Hopper, industry estimate).
REF_DPW = 29.0

Mine = Sequence[Mapping[str, Any]] | None


# -- power: campuses, leases and outside clouds ----------------------------------------------
#: kH100e of H100-power one GW powers (about 2 kW all-in per H100e).
KH100E_PER_GW = 500.0


def gw_for(obs: Observation, kh100e: float) -> float:
    """GW that ``kh100e`` of today's accelerators draw (a newer chip does more work per watt)."""
    return kh100e / (KH100E_PER_GW * max2(1e-6, float(obs.market["generation"])))


def kh100e_for(obs: Observation, gw: float) -> float:
    """kH100e of today's accelerators that ``gw`` powers."""
    return gw * KH100E_PER_GW * float(obs.market["generation"])


def lab_power_use(obs: Observation, lab: str | None = None) -> float:
    """GW a lab's accelerators draw now, powered or not.

    For the actor itself it is exact where compute stands unpowered (``served`` < ``compute``)
    and otherwise read from last quarter's hosting bill; for another lab (or with no bill yet) it
    is estimated from its compute at a generation a little behind today's.
    """
    name = lab or obs.actor
    memo = per_observation(obs)  # asked many times a call: worked out once an observation
    key = ("lab_power_use", name)
    use: float | None = memo.get(key)
    if use is None:
        use = memo[key] = _lab_power_use(obs, name)
    return use


def _lab_power_use(obs: Observation, name: str) -> float:
    pub = obs.public[name]
    compute, served = float(pub["compute"]), float(pub["served"])
    powered = float(pub["powered_gw"])
    if compute <= 1e-9:
        return 0.0
    if served < 0.999 * compute:
        return powered * compute / max2(served, 1e-9)
    if name == obs.actor:
        # Last quarter's bills say what its compute drew: the clouds' rent (a fixed rate) for
        # what its own campuses and leases did not power, else the hosting bill (whose rate an
        # event may have changed since).
        last = obs.books.get("last_quarter", {})
        rent = -float(last.get("cloud_rent", 0.0))
        rent_rate = float(obs.market_params.get("cloud_rent", 0.0))
        if rent > 1e-9 and rent_rate > 0:
            own = float(pub.get("campus_gw", 0.0)) + float(obs.books.get("leased_gw", 0.0))
            used = rent / rent_rate
            cloud_then = float(obs.books.get("cloud_gw", 0.0)) / (
                1.0 + cloud_growth_now(obs.market_params, max2(0, obs.quarter - 1))
            )
            if used >= 0.995 * cloud_then:  # the clouds ran full: it may have drawn more
                return powered
            return min2(powered, used + own)
        hosting = -float(last.get("hosting", 0.0))
        rate = float(obs.rules["hosting_cost"]) * float(obs.modifiers.get("hosting_cost", 1.0))
        if hosting > 0 and rate > 0:
            return min2(powered, hosting / rate / KH100E_PER_GW)
    gen = float(obs.market["generation"])
    lag = (
        0.35
        * float(obs.rules["compute_life"])
        / float(obs.market_params["generation_doubling_quarters"])
    )
    fleet_gen = max2(1.0, gen / 2.0**lag)  # the fleet is some quarters older than today's chips
    return min2(powered, compute / (KH100E_PER_GW * fleet_gen))


def leases_offered(obs: Observation) -> float:
    """GW of lease the actor has on offer (sent, still open) as tenant or landlord."""
    return sum([float(o["terms"]["gw"]) for o in obs.sent if o["kind"] == "lease"])


def lab_power_room(obs: Observation, building: bool = False) -> float:
    """GW a lab has free for new accelerators now (may be negative: compute stands unpowered).

    Its powered GW (own campuses, leases in force, outside clouds) less what its compute draws;
    with ``building``, also the campuses it is building and the leases it has on offer.
    """
    b = obs.books
    room = float(obs.public[obs.actor]["powered_gw"]) - lab_power_use(obs)
    if building:
        room += float(b.get("campus_building_gw", 0.0)) + leases_offered(obs)
    return room


def cloud_gw_ahead(obs: Observation, quarters: float) -> float:
    """GW the outside clouds will offer the lab ``quarters`` from now (beyond today's)."""
    b = obs.books
    now = float(b.get("cloud_gw", 0.0))
    return now * (cloud_growth_ahead(obs.market_params, obs.quarter, quarters) - 1.0)


def campus_cost(obs: Observation) -> tuple[float, int]:
    """($B per GW, quarters to build) of a campus started now (delays in force included).

    Asked hundreds of times a game, of build costs shared by a quarter's observations: the last
    answer is kept with the (read-only) build costs and rules it was read from.
    """
    global _CAMPUS
    costs, rules = obs.build_costs, obs.rules
    last = _CAMPUS  # read once: another thread may replace it (the whole tuple at once)
    if last[0] is costs and last[1] is rules:
        return last[2]
    out = _campus_cost(costs, rules)
    if type(costs) is MappingProxyType:  # the engine's build costs: read-only
        _CAMPUS = (costs, rules, out)
    return out


#: The last build costs and rules :func:`campus_cost` read (held, so no ``id`` is reused) and
#: its answer.
_CAMPUS: tuple[Any, Any, tuple[float, int]] = (None, None, (0.0, 0))


def _campus_cost(costs: Mapping[str, Any], rules: Any) -> tuple[float, int]:
    c = costs.get("campus", _NO_BUILD)
    per_gw, quarters = c.get("capex_per_gw"), c.get("build_quarters")
    # The rules are read only where the build costs lack a figure (they show both): a rule read
    # as an attribute costs a failed lookup first, and this is asked many times a call.
    if per_gw is None:
        per_gw = rules["campus_capex_per_gw"]
    if quarters is None:
        quarters = rules["campus_build_quarters"]
    return float(per_gw), int(quarters)


#: What :func:`campus_cost` reads when the build costs show no campus (the rules' figures).
_NO_BUILD: Mapping[str, Any] = {}


def fair_lease_rent(obs: Observation, years: float = 10.0) -> float:
    """A fair rent for a GW of campus a quarter ($B): its capex spread over ``years`` plus its
    running cost (compare ``market_params["cloud_rent"]``, what outside clouds charge)."""
    per_gw, _ = campus_cost(obs)
    return per_gw / (4.0 * years) + float(obs.rules["campus_opex_per_gw"])


#: The GW of each active lease in the last public record of contracts seen, by tenant and by
#: landlord: ``(record, by tenant, by landlord)``. Every observation of a quarter shares one record
#: until a contract is signed, so the record is read once, not once per actor asked about.
_LEASES: tuple[Any, dict[str, list[float]], dict[str, list[float]]] = ((), {}, {})


def _active_leases(obs: Observation) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    """The GW of each active lease in ``obs.contracts``, oldest first, by tenant and landlord."""
    global _LEASES
    record = obs.contracts
    memo = _LEASES  # read once: another thread may replace it (the whole tuple at once)
    if memo[0] is record:
        return memo[1], memo[2]
    tenants: dict[str, list[float]] = {}
    owners: dict[str, list[float]] = {}
    for c in record:
        if c["kind"] == "lease" and c["status"] == "active":
            gw = float(c["terms"]["gw"])
            tenants.setdefault(c["parties"][0], []).append(gw)
            owners.setdefault(c["parties"][1], []).append(gw)
    if type(record) is tuple:  # the engine's record is read-only: remember it
        _LEASES = (record, tenants, owners)
    return tenants, owners


def leased_out(obs: Observation, landlord: str) -> float:
    """GW a landlord has leased out under active leases (public record)."""
    return sum(_active_leases(obs)[1].get(landlord, ()))


def can_host(obs: Observation, landlord: str) -> bool:
    """Whether an investor may host a tenant's accelerators now (a Gulf one needs a licence)."""
    pub = obs.public[landlord]
    # `in` and [] on the read-only figures: .get costs several times as much (a hot path).
    if "licence" in pub and pub["licence"]:  # noqa: RUF019 (see above)
        return True
    return "country" not in pub or pub["country"] not in GULF_COUNTRIES


def free_campus_gw(obs: Observation, landlord: str) -> float:
    """GW of an investor's campus neither leased out nor powering its own accelerators (exact
    for the actor itself, estimated for another)."""
    if landlord == obs.actor and "campus_room" in obs.books:
        return float(obs.books["campus_room"]) / (
            KH100E_PER_GW * max2(1e-6, float(obs.market["generation"]))
        )
    return about(obs, landlord, "free_campus_gw", _estimated_free_gw)


def free_campus_gws(obs: Observation, landlords: Sequence[str]) -> list[float]:
    """:func:`free_campus_gw` of each of ``landlords``, worked out together (a hot path: every
    investor asks it of every other)."""
    if obs.actor in landlords:
        return [free_campus_gw(obs, n) for n in landlords]
    return about_each(obs, landlords, "free_campus_gw", _estimated_free_gw)


def _estimated_free_gw(obs: Observation, landlord: str) -> float:
    pub = obs.public[landlord]
    compute = float(pub["compute"]) if "compute" in pub else 0.0  # (`in`: see can_host)
    campus = float(pub["campus_gw"]) if "campus_gw" in pub else 0.0
    own = compute / (KH100E_PER_GW * max2(1.0, float(obs.market["generation"]) / 1.5))
    return max2(0.0, campus - leased_out(obs, landlord) - own)


def landlords(obs: Observation) -> list[tuple[str, float]]:
    """Investors the actor (a lab) may lease from now, with their free GW, most free first."""
    hosts = [n for n in obs.legal.partners.get("lease", ()) if can_host(obs, n)]
    out = list(zip(hosts, free_campus_gws(obs, hosts), strict=True))
    return sorted([x for x in out if x[1] > 0.05], key=lambda x: -x[1])


def labs_power_short(
    obs: Observation, quarters: float = 0.0, growth: float = 0.08
) -> dict[str, float]:
    """GW each other lab will lack ``quarters`` from now if its power use grows ``growth`` a
    quarter: its use then less what powers it (own campuses, leases, the clouds then). A lab whose
    compute already stands unpowered lacks at least that much now (a new dict each call)."""
    memo = per_observation(obs)
    key = ("labs_power_short", quarters, growth)
    out: dict[str, float] | None = memo.get(key)
    if out is None:
        out = memo[key] = _labs_power_short(obs, quarters, growth)
    return dict(out)


def _labs_power_short(obs: Observation, quarters: float, growth: float) -> dict[str, float]:
    ahead = cloud_growth_ahead(obs.market_params, obs.quarter, quarters)
    labs = obs.others("lab")
    key = ("power_short", quarters, growth)
    short = about_each(obs, labs, key, _power_short, ahead, quarters, growth)
    return dict(zip(labs, short, strict=True))


def _power_short(obs: Observation, lab: str, ahead: float, quarters: float, growth: float) -> float:
    """GW another ``lab`` will lack (see :func:`labs_power_short`; ``ahead``: how many times the
    clouds' power grows meanwhile)."""
    pub = obs.public[lab]
    use = lab_power_use(obs, lab)
    powered = float(pub["powered_gw"])
    cloud = max2(0.0, powered - float(pub.get("campus_gw", 0.0)) - _leased_in(obs, lab))
    future = powered + cloud * (ahead - 1.0)
    return max2(0.0, use * (1.0 + growth) ** quarters - future)


def _leased_in(obs: Observation, tenant: str) -> float:
    return sum(_active_leases(obs)[0].get(tenant, ()))


def lease_terms(obs: Observation, gw: float, rent: float, quarters: int) -> dict[str, Any]:
    """Lease terms within the rules' bounds (at least a quarter, at most what is left)."""
    q = max2(1, min2(int(quarters), obs.quarters_left))
    return {"gw": round(clamp(gw, 1e-3, 20.0), 4), "quarters": q, "rent": round(rent, 4)}


# -- own chips ------------------------------------------------------------------------------------
def own_chip_cost(obs: Observation, wafer_price: float | None = None) -> float:
    """A lab's cost of one H100e of its own chips ($k): the unit cost plus its share of a wafer."""
    r = obs.rules
    gen = max2(1e-6, float(obs.market["generation"]))
    if wafer_price is None:
        wafer_price = min(
            [float(obs.public[f]["wafer_price"]) for f in obs.others("foundry")],
            default=float(obs.market_params["wafer_reference_price"]),
        )
    per_wafer = float(r["own_chip_efficiency"]) * REF_DPW
    unit = float(r["own_chip_unit_cost"]) * float(obs.modifiers.get("unit_cost", 1.0))
    return unit / gen + wafer_price / (per_wafer * gen)


def merchant_gpu_price(obs: Observation) -> float:
    """The cheapest designer's list price ($k per H100e)."""
    return min(
        [float(obs.public[d]["gpu_price"]) for d in obs.others("designer")],
        default=float(obs.market["gpu_reference_price"]),
    )


def chip_programme_payoff(obs: Observation, spend: float) -> float:
    """What starting a chip programme now would save by the game's end, less its cost ($B).

    ``spend`` is what the lab expects to spend on accelerators a quarter ($B). The programme costs
    ``chip_programme_cost`` a quarter for ``chip_programme_quarters``, each of which may slip
    (``chip_programme_slip``); from then on, the chips it makes itself cost
    :func:`own_chip_cost` instead of the merchant price (prices fall with the generation alike,
    so the saving is a steady share of the spend). Own chips need wafers and packaging: only
    ``own_share`` of the spend is assumed to move to them.
    """
    r = obs.rules
    slip = min2(0.9, float(r["chip_programme_slip"]))
    quarters = float(r["chip_programme_quarters"]) / (1.0 - slip)
    cost = float(r["chip_programme_cost"]) * quarters
    use = max2(0.0, obs.quarters_left - quarters - 1.0)
    merchant = merchant_gpu_price(obs)
    saving = max2(0.0, 1.0 - own_chip_cost(obs) / max2(merchant, 1e-6))
    own_share = 0.5
    return spend * own_share * saving * use - cost


def programme_labs(obs: Observation) -> list[str]:
    """Labs whose own chip programme is public: in R&D or ready."""
    return [
        n for n in obs.others("lab") if obs.public[n].get("chip_programme") in ("in R&D", "ready")
    ]


def chip_programme_answer(
    obs: Observation,
    lab: str,
    discount: float,
    quarters: int = 6,
    financing: float = 0.0,
    mine: Mine = None,
) -> tuple[str, dict[str, Any]] | None:
    """A designer's answer to a lab that builds its own chips: better terms to keep it buying.

    A supply contract at ``discount`` off its list price for ``quarters``, sized to what the lab
    buys (a share of its cash and of its power room); with ``financing`` > 0 and the lab a legal
    vendor-financing partner with equity to spare, a vendor-financing deal instead that also puts
    ``financing`` × the purchases' value into the lab for a stake at its public valuation.
    None when the lab already buys from the designer under a contract not about to end, or when
    there is nothing worth offering. Returns (deal kind, terms).
    """
    if obs.public[lab].get("chip_programme") not in ("in R&D", "ready"):
        return None
    for c in mine if mine is not None else own_contracts(obs):
        if c["status"] != "active" or c["kind"] not in ("supply", "vendor_financing"):
            continue
        left = int(c["terms"]["quarters"]) - int(c["quarters_done"])
        if lab in c["parties"] and left > 1:
            return None
    pub = obs.public[lab]
    list_price = float(obs.public[obs.actor]["gpu_price"])
    price = list_price * (1.0 - discount)
    room = max2(0.0, float(pub["powered_gw"]) - lab_power_use(obs, lab))
    grow = 0.05 * max2(float(pub["compute"]), 1.0)
    by_cash = 0.4 * max2(0.0, float(pub["cash"])) * 1000.0 / (price * quarters)
    qty = min2(by_cash, kh100e_for(obs, room) / 2.0 + grow)
    qty = min2(qty, 0.5 * max2(float(obs.public[obs.actor]["sold"]), 1.0))
    if qty < 1.0:
        return None
    if financing > 0 and lab in obs.legal.partners.get("vendor_financing", ()):
        val = max2(1.0, float(pub["valuation"]))
        amount = financing * qty * quarters * price / 1000.0
        stake = amount / val
        if (
            amount <= 0.25 * max2(0.0, float(obs.books["cash"]))
            and float(pub["control"]) - stake >= 0.45
            and stake >= 1e-4
        ):
            terms = {
                "amount": round(amount, 6),
                "stake": stake,
                "quantity": qty,
                "quarters": quarters,
                "price": price,
            }
            return "vendor_financing", terms
    if lab not in obs.legal.partners.get("supply", ()):
        return None
    return "supply", {"quantity": qty, "quarters": quarters, "price": price, "prepay": 0.0}
