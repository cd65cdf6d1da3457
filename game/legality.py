"""What an actor may do at this moment: the checks behind every decision, and the legal set.

:func:`prepare` checks a decision against the rules and the actor's means and returns what the
engine needs to apply it, or raises :class:`Refused` with the reason. :func:`legal_decisions`
describes everything an actor may do now (who it may propose each deal kind to, which offers it
may answer and how, which moves it may make and within which bounds).
"""

from __future__ import annotations

import math
import numbers
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from game.actors import Designer, Foundry, Investor, Lab
from game.deals import (
    DEAL_ROLES,
    NODES,
    SITES,
    CapacityTerms,
    DealError,
    DealKind,
    EquityTerms,
    Terms,
    VendorFinancingTerms,
    parse_terms,
    resolve_parties,
    terms_class,
)
from game.decisions import (
    MOVE_TYPES,
    Accept,
    Answer,
    BuildFab,
    BuildPackaging,
    BuySpotGpus,
    BuySpotWafers,
    Counter,
    Decision,
    FundCampus,
    Move,
    Propose,
    Reject,
    SetGpuPrice,
    SetWaferPrice,
    StartChipProgramme,
)
from game.negotiation import Offer, OfferStatus
from game.observation import LegalDecisions

if TYPE_CHECKING:
    from game.actors import Actor
    from game.model import FabRaceModel

__all__ = [
    "MOVE_BOUNDS",
    "TERM_BOUNDS",
    "LegalDecisions",
    "Refused",
    "legal_decisions",
    "open_inbox",
    "prepare",
]

#: Bounds of the moves' quantities (prices are relative to the market's reference price).
MOVE_BOUNDS: dict[str, dict[str, tuple[float, float]]] = {
    "build_fab": {"capacity": (1.0, 600.0)},
    "build_packaging": {"capacity": (0.5, 200.0)},
    "set_wafer_price": {"price": (0.25, 4.0)},  # x reference wafer price
    "set_gpu_price": {"price": (0.25, 4.0)},  # x reference accelerator price
    "buy_spot_wafers": {"quantity": (0.1, 1000.0)},
    "buy_spot_gpus": {"quantity": (0.1, 5000.0)},
    "fund_campus": {"gw": (0.05, 5.0)},
}

#: One field's bounds in the legal moves: a number's (low, high), or the names allowed.
MoveBound = tuple[float, float] | tuple[str, ...]


#: The bounds of every deal kind's terms (fixed by the rules).
TERM_BOUNDS: MappingProxyType = MappingProxyType(
    {
        k.value: MappingProxyType(
            {n: MappingProxyType(b) for n, b in terms_class(k).bounds().items()}
        )
        for k in DealKind
    }
)


class Refused(Exception):
    """A decision the rules do not allow now; ``str(e)`` is the reason."""


def _num(v: Any, what: str, lo: float, hi: float) -> float:
    t = type(v)  # floats and ints (not bools) first, without the abstract class's slow check
    if t is not float and t is not int and (isinstance(v, bool) or not isinstance(v, numbers.Real)):
        raise Refused(f"{what} must be a finite number (got {v!r})")
    try:
        x = float(v)
    except OverflowError:  # an int too large for a float
        raise Refused(f"{what} must be between {lo:g} and {hi:g} (got a huge number)") from None
    if not math.isfinite(x):
        raise Refused(f"{what} must be a finite number (got {v!r})")
    if not lo <= x <= hi:
        raise Refused(f"{what} must be between {lo:g} and {hi:g} (got {x:g})")
    return x


def _afford(actor: Actor, cost: float, what: str) -> None:
    if cost > actor.cash + 1e-9:
        raise Refused(f"{what} costs ${cost:.2f}B now; {actor.name} has ${actor.cash:.2f}B")


def _counterparty(model: FabRaceModel, name: Any, role: str | None = None) -> Actor:
    if not isinstance(name, str) or name not in model.actors_by_name:
        raise Refused(f"unknown actor {name!r}")
    other = model.actors_by_name[name]
    if role is not None and other.role != role:
        raise Refused(f"{name} is a {other.role}, not a {role}")
    if other.insolvent:
        raise Refused(f"{name} is insolvent")
    return other


def _check_terms_feasible(
    model: FabRaceModel, kind: DealKind, first: str, second: str, terms: Terms
) -> None:
    """Checks that do not depend on cash: stakes for sale, sites, capacity of the foundry."""
    if kind in (DealKind.EQUITY, DealKind.VENDOR_FINANCING):
        company = model.actors_by_name[second]
        assert isinstance(terms, EquityTerms | VendorFinancingTerms)
        stake = terms.stake
        if stake > company.equity_available() + 1e-12:
            raise Refused(
                f"{company.name} has only {company.equity_available():.1%} of its "
                f"equity left to sell (asked {stake:.1%})"
            )


def check_signing(
    model: FabRaceModel, kind: DealKind, first: str, second: str, terms: Terms
) -> str | None:
    """The check on acceptance: can both sides make the first payment and deliver at all?

    Returns:
        None if the deal can be signed, else the reason and who fails (``"who: reason"``).
    """
    try:
        _check_terms_feasible(model, kind, first, second, terms)
    except Refused as e:
        return f"{second}: {e}"
    pay_first, pay_second = terms.first_payments()
    a, b = model.actors_by_name[first], model.actors_by_name[second]
    # A side that pays nothing up front can always sign: a distressed borrower (cash < 0) must be
    # able to take the loan or equity that rescues it.
    if pay_first > 0 and pay_first > a.cash + 1e-9:
        return f"{first}: cannot make the first payment of ${pay_first:.2f}B (has ${a.cash:.2f}B)"
    if pay_second > 0 and pay_second > b.cash + 1e-9:
        return f"{second}: cannot make the first payment of ${pay_second:.2f}B (has ${b.cash:.2f}B)"
    if kind == DealKind.LEASE:
        landlord = model.actors_by_name[second]
        gw = terms.gw  # type: ignore[attr-defined]
        if model.is_gulf(landlord) and not landlord.can_import():  # type: ignore[attr-defined]
            return f"{second}: has no export licence to host a tenant's accelerators"
        free = landlord.free_gw()  # type: ignore[attr-defined]
        if gw > free + 1e-9:
            return f"{second}: has {free:.2f} GW of campus free (asked {gw:.2f} GW)"
    if kind == DealKind.CAPACITY:
        assert isinstance(terms, CapacityTerms)
        free = model.uncommitted_capacity(second)
        if terms.wafers > free + 1e-9:
            return (
                f"{second}: has {free:.1f}k wafers/quarter of capacity not yet committed "
                f"(asked {terms.wafers:.1f}k)"
            )
    return None


def _prepare_propose(model: FabRaceModel, actor: Actor, d: Propose) -> tuple[str, str, Terms]:
    extra = model.extra_budget(actor)
    if model.negotiation.budget_left(actor.name, extra) <= 0:
        raise Refused(
            f"{actor.name} has used its {model.rules.action_budget + extra} new offers this quarter"
        )
    other = _counterparty(model, d.recipient)
    try:
        kind = DealKind(d.kind)
    except ValueError:
        raise Refused(
            f"unknown deal kind {d.kind!r} (known: {', '.join(k.value for k in DealKind)})"
        ) from None
    try:
        first, second = resolve_parties(kind, (actor.name, actor.role), (other.name, other.role))
        terms = parse_terms(kind, d.terms)
    except DealError as e:
        raise Refused(str(e)) from None
    _check_terms_feasible(model, kind, first, second, terms)
    return first, second, terms


def _open_offer_for(model: FabRaceModel, actor: Actor, d: Answer) -> Offer:
    oid = d.offer_id
    ok_id = isinstance(oid, int) and not isinstance(oid, bool)  # True would be offer 1
    offer = model.negotiation.offers.get(oid) if ok_id else None
    if offer is None:
        raise Refused(f"no offer {d.offer_id!r}")
    if offer.recipient != actor.name:
        raise Refused(f"offer {offer.id} is addressed to {offer.recipient}, not {actor.name}")
    if offer.status != OfferStatus.OPEN:
        raise Refused(f"offer {offer.id} is {offer.status}")
    if model.actors_by_name[offer.proposer].insolvent:
        raise Refused(f"{offer.proposer} is insolvent")
    return offer


def _prepare_counter(model: FabRaceModel, actor: Actor, d: Counter) -> tuple[Offer, Terms]:
    offer = _open_offer_for(model, actor, d)
    if offer.round + 1 >= model.rules.max_rounds:
        raise Refused(
            f"offer {offer.id} is in its last round ({model.rules.max_rounds}): accept or reject it"
        )
    try:
        terms = parse_terms(offer.kind, d.terms)
    except DealError as e:
        raise Refused(str(e)) from None
    first, second = resolve_parties(
        offer.kind, (offer.proposer, _role(model, offer.proposer)), (offer.recipient, actor.role)
    )
    _check_terms_feasible(model, offer.kind, first, second, terms)
    return offer, terms


def _role(model: FabRaceModel, name: str) -> str:
    return model.actors_by_name[name].role


def _prepare_move(model: FabRaceModel, actor: Actor, d: Move) -> Any:
    if actor.role not in d.roles:
        raise Refused(f"a {actor.role} cannot {d.summary}")
    if d.type in model.moves_made.get(actor.name, ()):
        raise Refused(f"{actor.name} has already made a {d.type} move this quarter")
    b = MOVE_BOUNDS.get(d.type, {})
    if isinstance(d, SetWaferPrice):
        ref = model.market.wafer_reference(model.modifiers)
        lo, hi = b["price"]
        return _num(d.price, "wafer price", lo * ref, hi * ref)
    if isinstance(d, SetGpuPrice):
        ref = model.market.gpu_reference()
        lo, hi = b["price"]
        return _num(d.price, "accelerator price", lo * ref, hi * ref)
    if isinstance(d, BuildFab):
        if not isinstance(d.node, str) or d.node not in NODES:
            raise Refused(f"unknown node {d.node!r} (nodes: {', '.join(NODES)})")
        if not isinstance(d.site, str) or d.site not in SITES:
            raise Refused(f"unknown site {d.site!r} (sites: {', '.join(SITES)})")
        cap = _num(d.capacity, "fab capacity", *b["capacity"])
        capex = model.fab_capex(d.node, d.site, cap)
        _afford(actor, capex / model.build_quarters(d.site), "the first quarter of the build")
        return capex
    if isinstance(d, BuildPackaging):
        cap = _num(d.capacity, "packaging capacity", *b["capacity"])
        cost = cap * model.rules.packaging_capex_per_kwafer
        _afford(actor, cost, "the packaging line")
        return cost
    if isinstance(d, BuySpotWafers):
        foundry = _counterparty(model, d.foundry, "foundry")
        assert isinstance(foundry, Foundry)
        if isinstance(actor, Lab) and not actor.chips_ready:
            raise Refused(f"{actor.name} has no chips of its own to make from wafers yet")
        q = _num(d.quantity, "wafer quantity", *b["quantity"])
        _afford(actor, q * foundry.wafer_price / 1000.0, "the wafers")
        return foundry
    if isinstance(d, BuySpotGpus):
        designer = _counterparty(model, d.designer, "designer")
        assert isinstance(designer, Designer)
        q = _num(d.quantity, "accelerator quantity", *b["quantity"])
        if isinstance(actor, Investor):
            if not actor.can_import():
                raise Refused(f"{actor.name} has no export licence to import accelerators")
            room = actor.campus_room()
            if q > room + 1e-9:
                raise Refused(f"{actor.name}'s campus has room for {room:.1f} kH100e")
        _afford(actor, q * designer.gpu_price / 1000.0, "the accelerators")
        return designer
    if isinstance(d, StartChipProgramme):
        assert isinstance(actor, Lab)  # the move's roles: labs only
        if actor.programme_left is not None:
            raise Refused(f"{actor.name} already has a chip programme")
        _afford(actor, model.rules.chip_programme_cost, "the first quarter of chip R&D")
        return None
    if isinstance(d, FundCampus):
        gw = _num(d.gw, "campus size", *b["gw"])
        cost = gw * model.rules.campus_capex_per_gw
        _afford(actor, cost / model.rules.campus_build_quarters, "the first quarter of the build")
        return cost
    raise Refused(f"unknown move {type(d).__name__}")


def prepare(model: FabRaceModel, actor: Actor, d: Decision) -> Any:
    """Check ``d`` for ``actor`` now and return what applying it needs.

    Raises:
        Refused: with the reason, if the decision is not legal now.
    """
    if model.finished:
        raise Refused("the game is over")
    if actor.insolvent:
        raise Refused(f"{actor.name} is insolvent")
    if isinstance(d, Propose):
        return _prepare_propose(model, actor, d)
    if isinstance(d, Counter):
        return _prepare_counter(model, actor, d)
    if isinstance(d, Accept | Reject):
        return _open_offer_for(model, actor, d)
    if isinstance(d, Move):
        return _prepare_move(model, actor, d)
    raise Refused(f"not a decision: {d!r}")


def legal_decisions(
    model: FabRaceModel, actor: Actor, inbox: list[Offer] | None = None
) -> LegalDecisions:
    """Describe every decision ``actor`` may make at this moment.

    Args:
        model: the game.
        actor: the actor.
        inbox: the open offers waiting for its answer, oldest first (``open_inbox``), when
            the caller has them already (read, never changed).
    """
    can_act = not model.finished and not actor.insolvent
    if not can_act:
        empty: MappingProxyType[Any, Any] = MappingProxyType({})
        return LegalDecisions(False, 0, empty, empty, empty, TERM_BOUNDS)
    name = actor.name
    budget = model.negotiation.budget_left(name, model.extra_budget(actor))
    insolvencies = model.counters.values.get("insolvencies", 0)
    # The moves' bounds read the moves made, the market and the events in force (prices, export
    # licences), who is in business, and the actor's programme, fleet and campus, which change
    # only through its moves and the quarter's close, and for an investor its campus leased out
    # (signings and a contract's end): not through payments, which move the actor's version (so
    # the version is not in the key). Its partners change only with an insolvency: they are
    # kept with the moves (one look-up) and made again only when the insolvencies moved.
    key = (
        len(model.moves_made.get(name, ())),
        model.quarter_index,
        insolvencies,
        model._events_version,
        # (the leases it is landlord of: a shared list, remade when it changes and never
        # changed in place, so the key's comparison is mostly by identity)
        model._selection((DealKind.LEASE, None, name)) if isinstance(actor, Investor) else None,
    )
    cache = model._cache
    # [key, partners, moves, and the last decisions made with no offer to answer and their
    # budget (a frozen record: shared by the observations that show the same)]
    hit: list[Any] | None = cache.get(("legal", name))
    if hit is None or hit[0] != key:
        if hit is not None and hit[0][2] == insolvencies:
            partners = hit[1]
        else:
            partners = MappingProxyType(_partners(model, actor, insolvencies))
        moves = MappingProxyType(_legal_moves(model, actor, _alive_names(model, insolvencies)))
        hit = cache[("legal", name)] = [key, partners, moves, None, None]
    partners = hit[1] if budget > 0 else _EMPTY
    moves = hit[2]
    if inbox is None:
        inbox = open_inbox(model, name)
    if not inbox:
        if hit[3] != budget:
            hit[4] = _legal(budget, partners, _EMPTY, moves)
            hit[3] = budget
        legal: LegalDecisions = hit[4]
        return legal
    answers: dict[int, tuple[str, ...]] = {}
    by_name = model.actors_by_name
    last_round = model.rules.max_rounds - 1
    for offer in inbox:
        if by_name[offer.proposer].insolvent:
            continue
        answers[offer.id] = _CAN_COUNTER if offer.round < last_round else _CANNOT_COUNTER
    return _legal(budget, partners, MappingProxyType(answers), moves)


def open_inbox(model: FabRaceModel, name: str) -> list[Offer]:
    """The open offers waiting for ``name``'s answer, oldest first: the negotiation's
    ``inbox(name)``, remembered until an offer is opened, answered or expired (which moves the
    negotiation's version). Shared: the caller must not change the list."""
    nv = model._neg_version
    hit: Any = model._cache.get(("inbox", name))
    if hit is None or hit[0] != nv:
        hit = model._cache[("inbox", name)] = (nv, model.negotiation.inbox(name))
    inbox: list[Offer] = hit[1]
    return inbox


def _legal(
    budget: int, partners: MappingProxyType, answers: MappingProxyType, moves: MappingProxyType
) -> LegalDecisions:
    """``LegalDecisions(True, budget, partners, answers, moves, TERM_BOUNDS)``, made without the
    frozen dataclass's ``__init__`` (one ``object.__setattr__`` a field): every observation
    needs one."""
    legal = object.__new__(LegalDecisions)
    vars(legal).update(
        can_act=True,
        proposals_left=budget,
        partners=partners,
        answers=answers,
        moves=moves,
        term_bounds=TERM_BOUNDS,
    )
    return legal


_EMPTY: MappingProxyType[Any, Any] = MappingProxyType({})
_CAN_COUNTER = ("accept", "reject", "counter")
_CANNOT_COUNTER = ("accept", "reject")


def _alive_names(model: FabRaceModel, insolvencies: int) -> dict[str, tuple[str, ...]]:
    """The names of the actors not insolvent, by role, in order (they change only with an
    insolvency)."""

    def alive() -> dict[str, tuple[str, ...]]:
        out: dict[str, list[str]] = {}
        for a in model.actor_list:
            if not a.insolvent:
                out.setdefault(a.role, []).append(a.name)
        return {role: tuple(names) for role, names in out.items()}

    return model.cached("alive_names", insolvencies, alive)


def _without(names: tuple[str, ...], name: str) -> tuple[str, ...]:
    """``names`` with ``name`` taken out (the names are unique), cut out in C, not a scan."""
    if name in names:
        i = names.index(name)
        return names[:i] + names[i + 1 :]
    return names


def _partners(model: FabRaceModel, actor: Actor, insolvencies: int) -> dict[str, tuple[str, ...]]:
    """``deal_partners(actor.role, others)`` for the actors in business but ``actor`` (itself in
    business): the role's partners among all those in business (made once a role, until an
    insolvency), with ``actor``'s own name taken out of each kind's tuple."""
    role = actor.role

    def for_role() -> dict[str, tuple[str, ...]]:
        return deal_partners(role, [a for a in model.actor_list if not a.insolvent])

    name = actor.name
    out = {}
    for kind, names in model.cached(("role_partners", role), insolvencies, for_role).items():
        names = _without(names, name)
        if names:
            out[kind] = names
    return out


def deal_partners(role: str, others: list[Actor]) -> dict[str, tuple[str, ...]]:
    """For each deal kind, which of ``others`` an actor of ``role`` may propose it to."""
    out = {}
    for kind, (firsts, seconds) in DEAL_ROLES.items():
        ok = tuple(
            o.name
            for o in others
            if (role in firsts and o.role in seconds) or (o.role in firsts and role in seconds)
        )
        if ok:
            out[kind.value] = ok
    return out


#: The moves whose bounds depend on the moment (prices on the market, the counterparties in
#: business, an investor's campus room); the others' bounds are fixed by the rules.
_DYNAMIC_MOVES = frozenset({"set_wafer_price", "set_gpu_price", "buy_spot_wafers", "buy_spot_gpus"})


def _fixed_bounds(mtype: str) -> MappingProxyType[str, MoveBound]:
    """The bounds of a move that do not depend on the moment (built once, then shared)."""
    b: dict[str, MoveBound] = dict(MOVE_BOUNDS.get(mtype, {}))
    if mtype == "build_fab":
        b["node"] = tuple(NODES)
        b["site"] = tuple(SITES)
    return MappingProxyType(b)


#: For each role, the moves it may make in ``MOVE_TYPES`` order, each with its fixed bounds
#: (None for the moves of :data:`_DYNAMIC_MOVES`, whose bounds are worked out each time).
_ROLE_MOVES: dict[str, tuple[tuple[str, MappingProxyType[str, MoveBound] | None], ...]] = {
    role: tuple(
        (mtype, None if mtype in _DYNAMIC_MOVES else _fixed_bounds(mtype))
        for mtype, cls in MOVE_TYPES.items()
        if role in cls.roles
    )
    for role in ("lab", "designer", "foundry", "investor")
}


def _legal_moves(
    model: FabRaceModel, actor: Actor, alive: dict[str, tuple[str, ...]]
) -> dict[str, MappingProxyType[str, MoveBound]]:
    made = model.moves_made.get(actor.name, ())
    out: dict[str, MappingProxyType[str, MoveBound]] = {}
    for mtype, fixed in _ROLE_MOVES[actor.role]:
        if mtype in made:
            continue
        if fixed is not None:
            if (
                mtype == "start_chip_programme"
                and isinstance(actor, Lab)
                and actor.programme_left is not None
            ):
                continue
            out[mtype] = fixed
            continue
        nums = MOVE_BOUNDS[mtype]
        b: dict[str, MoveBound] = dict(nums)
        if mtype == "set_wafer_price":
            ref = model.market.wafer_reference(model.modifiers)
            b["price"] = (nums["price"][0] * ref, nums["price"][1] * ref)
        elif mtype == "set_gpu_price":
            ref = model.market.gpu_reference()
            b["price"] = (nums["price"][0] * ref, nums["price"][1] * ref)
        elif mtype == "buy_spot_wafers":
            if isinstance(actor, Lab) and not actor.chips_ready:
                continue
            b["foundry"] = _without(alive.get("foundry", ()), actor.name)
        else:  # buy_spot_gpus
            if isinstance(actor, Investor):
                room = actor.campus_room()
                if not actor.can_import() or room <= 0.1:
                    continue
                lo, hi = nums["quantity"]
                b["quantity"] = (lo, room if room < hi else hi)  # min(hi, room), without the call
            b["designer"] = _without(alive.get("designer", ()), actor.name)
        if () in b.values():  # no counterparty left (an empty tuple of names)
            continue
        out[mtype] = MappingProxyType(b)
    return out
