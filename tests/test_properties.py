"""Properties of the engine under any sequence of decisions, legal or not.

Hypothesis plays games of ``duel`` in which some or all actors are driven from outside
(``policies={name: None}``) beside bots, submitting random decisions (legal ones, near misses and
plain junk) through ``model.submit`` and closing quarters in between. After every decision and
every quarter:

- no stock goes negative (fab capacity, packaging, inventory, compute, stakes, cap tables, control);
- the contracts on the partnership graph are exactly the model's contracts, with the same kind,
  status, parties, terms and value, and stakes mirror cap tables and the equity deals signed;
- a refused decision carries a reason, is what ``check`` predicted, and changes nothing.

The negotiation protocol is then tested step by step: the action budget, counters, the last
round, expiry at the quarter's end, and an accepted offer that cannot be paid.
"""

from __future__ import annotations

import copy
import math
import tomllib
from collections import defaultdict
from typing import Any

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from agents import new_game
from agents.random_policy import RandomPolicy
from game.actors import Designer, Foundry, Investor, Lab
from game.contracts import ContractStatus
from game.deals import DEAL_ROLES, NODES, SITES, DealKind
from game.decisions import (
    Accept,
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
from game.graph import TRUST_RULES
from game.legality import MOVE_BOUNDS, TERM_BOUNDS
from game.model import FabRaceModel
from game.scenario import scenario_dir, scenario_from_dict

NAMES = ("OpenAI", "Nvidia", "TSMC", "MGX")
ROLE = {"OpenAI": "lab", "Nvidia": "designer", "TSMC": "foundry", "MGX": "investor"}
DUEL: dict[str, Any] = tomllib.loads((scenario_dir() / "duel.toml").read_text())
EPS = 1e-9


def duel(quarters: int = 12, events: bool = True, **cash: float) -> Any:
    """The duel scenario, maybe shorter, without events, or with actors' cash changed."""
    raw = copy.deepcopy(DUEL)
    raw["scenario"]["quarters"] = quarters
    if not events:
        raw["events"] = []
    for a in raw["actors"]:
        if a["name"] in cash:
            a["cash"] = cash[a["name"]]
    return scenario_from_dict(raw)


def external(spec: Any = None, seed: int = 0, bots: dict[str, Any] | None = None) -> FabRaceModel:
    """A game in which every actor is driven from outside, except the ``bots`` given.

    Its first quarter is open: decisions can be submitted (and ``step()`` then opens no next one:
    use :func:`next_quarter`).
    """
    policies: dict[str, Any] = dict.fromkeys(NAMES)
    policies.update(bots or {})
    m = new_game(spec or duel(events=False), seed=seed, policies=policies)
    m.open_quarter()
    return m


def next_quarter(m: FabRaceModel) -> None:
    """Play the open quarter out and open the next one (as a player's End quarter does)."""
    m.step()
    m.open_quarter()


# ==================================================================== invariants
def check_invariants(m: FabRaceModel) -> None:
    """Every invariant of the state, after any decision or quarter."""
    for a in m.actor_list:
        assert all(v >= 0 for v in a.stakes.values()), (a.name, a.stakes)
        assert all(v >= 0 for v in a.cap_table.values()), (a.name, a.cap_table)
        # Control never below zero: no more than all of the equity is ever held.
        held = a.outside_equity + math.fsum(a.cap_table.values())
        assert held <= 1.0 + EPS, (a.name, held)
        assert 0.0 <= a.control <= 1.0
        if isinstance(a, Foundry):
            for fab in a.fabs:
                assert fab.capacity > 0 and fab.build_left >= 0 and fab.capex_left >= -EPS, fab
            assert a.capacity() >= 0 and a.packaging_capacity >= 0
            assert all(ln.capacity > 0 for ln in a.packaging_lines)
            assert a.wafer_price > 0
        if isinstance(a, Designer):
            assert a.inventory >= 0 and a.gpu_price > 0
        if isinstance(a, Lab | Investor):
            assert all(c.amount >= 0 for c in a.cohorts)
            assert a.compute >= 0
        if isinstance(a, Investor):
            assert a.campus_gw >= 0 and a.campus_room() >= 0
    # The graph's contract edges are exactly the model's contracts.
    edges = {k: (u, v, d) for u, v, k, d in m.graph.g.edges(keys=True, data=True)}
    assert set(edges) == set(m.contracts)
    stakes: dict[tuple[str, str], float] = defaultdict(float)
    for cid, c in m.contracts.items():
        u, v, d = edges[cid]
        assert (u, v) == (c.first, c.second)
        assert d["kind"] == c.kind.value
        assert d["status"] == c.status
        assert d["terms"] == c.terms.to_dict()
        assert d["value"] == c.terms.value()
        assert (d["start"], d["end"]) == (c.start, c.end)
        assert c.status in (
            ContractStatus.ACTIVE,
            ContractStatus.COMPLETED,
            ContractStatus.BREACHED,
        )
        assert c.outstanding >= -EPS and c.delivered >= 0 and c.shortfall >= 0
        if c.kind in (DealKind.EQUITY, DealKind.VENDOR_FINANCING):
            stakes[(c.first, c.second)] += c.terms.stake  # type: ignore[attr-defined]
    # Stakes mirror cap tables, and both are what the equity deals signed add up to.
    held_pairs = set()
    for a in m.actor_list:
        for company, s in a.stakes.items():
            held_pairs.add((a.name, company))
            assert m.actor(company).cap_table[a.name] == pytest.approx(s)
            assert stakes[(a.name, company)] == pytest.approx(s)
        for holder, s in a.cap_table.items():
            assert m.actor(holder).stakes[a.name] == pytest.approx(s)
    assert held_pairs == {k for k, v in stakes.items() if v > 0}
    for (_, _), t in m.graph.trust_table().items():
        assert 0.0 <= t <= 1.0
    assert abs(m.ledger.imbalance()) < 1e-6
    # Open offers belong to the open quarter.
    assert all(o.quarter == m.quarter_index for o in m.negotiation.open_offers())


def snapshot(m: FabRaceModel) -> tuple[Any, ...]:
    """Everything a decision could change (beyond the digest: trust, budgets, moves made)."""
    return (
        m.digest(),
        dict(m.ledger.balances),
        len(m.ledger.transfers),
        m.graph.trust_table(),
        {i: (o.status, o.round) for i, o in m.negotiation.offers.items()},
        dict(m.negotiation.opened),
        {k: frozenset(v) for k, v in m.moves_made.items()},
        [(o.buyer, o.seller, o.quantity, o.kind) for o in m.orders],
        {cid: c.status for cid, c in m.contracts.items()},
        m.graph.g.number_of_edges(),
    )


def submit_checked(m: FabRaceModel, name: str, d: Decision) -> Any:
    """Submit ``d``; if refused, check that it said why, as ``check`` did, and changed nothing."""
    predicted = m.check(name, d)
    before = snapshot(m)
    refused = m.result()["totals"]["refused"]
    out = m.submit(name, d)
    assert out.ok == (predicted is None), (d, predicted, out)
    if not out.ok:
        assert isinstance(out.reason, str) and out.reason.strip()
        assert out.reason == predicted
        assert snapshot(m) == before, d
        assert m.result()["totals"]["refused"] == refused + 1
    check_invariants(m)
    return out


# ==================================================================== strategies
JUNK = st.one_of(
    st.sampled_from([math.nan, math.inf, -math.inf, -1.0, -1e-9, 1e4, 1e300, 10**400]),
    st.floats(max_value=-1e-6, allow_nan=False),
    st.floats(min_value=1e4),
    st.integers(min_value=10**4),
    st.integers(max_value=-1),
    st.booleans(),
    st.none(),
    st.text(max_size=4),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=2), st.integers(), max_size=1),
)
NAME_ANY = st.one_of(
    st.sampled_from(NAMES), st.sampled_from(["Nobody", "", "lab"]), st.none(), st.integers()
)


@st.composite
def mostly(draw: Any, good: st.SearchStrategy[Any], bad: st.SearchStrategy[Any], p: int) -> Any:
    """A draw from ``good`` about ``p`` times in 100, else from ``bad``."""
    return draw(good) if draw(st.integers(0, 99)) < p else draw(bad)


#: Terms that are sizes: drawn small most of the time, so that deals can be paid for and signed.
SIZES = ("amount", "principal", "wafers", "quantity", "capacity")


def term_value(name: str, b: Any) -> st.SearchStrategy[Any]:
    """A value for one term: within its bounds most of the time, junk otherwise."""
    if b["choices"]:
        good: st.SearchStrategy[Any] = st.sampled_from(b["choices"])
    elif b["integer"]:
        good = st.integers(int(b["lo"]), int(b["hi"]))
    else:
        lo, hi = float(b["lo"]), float(b["hi"])
        small = st.floats(
            lo, lo + (hi - lo) * (0.02 if name in SIZES else 0.5), exclude_min=b["lo_open"]
        )
        good = mostly(small, st.floats(lo, hi, exclude_min=b["lo_open"]), 80)
    return mostly(good, JUNK, 93)


@st.composite
def terms_for(draw: Any, kind: Any) -> Any:
    """Terms of a kind: mostly well formed; sometimes a term missing, extra, or not a dict."""
    if not isinstance(kind, str) or kind not in TERM_BOUNDS:
        kind = draw(st.sampled_from([k.value for k in DealKind]))
    bounds = TERM_BOUNDS[kind]
    terms = {n: draw(term_value(n, b)) for n, b in bounds.items()}
    damage = draw(mostly(st.just("none"), st.sampled_from(["drop", "extra", "not a dict"]), 85))
    if damage == "drop":
        terms.pop(draw(st.sampled_from(sorted(terms))))
    elif damage == "extra":
        terms[draw(st.sampled_from(["bonus", "x", 3]))] = 1.0
    elif damage == "not a dict":
        return draw(st.one_of(st.none(), st.just(list(terms.items())), st.text(max_size=3)))
    return terms


def move_value(lo: float, hi: float) -> st.SearchStrategy[Any]:
    return mostly(st.floats(lo, lo + (hi - lo) * 0.05), JUNK, 85)


@st.composite
def a_move(draw: Any, m: FabRaceModel, name: str) -> Move:
    """A move, mostly of a type legal for the actor now, with fields in or out of bounds."""
    legal = m.legal(name).moves
    every = [*sorted(MOVE_BOUNDS), "start_chip_programme"]
    mtype = draw(mostly(st.sampled_from(sorted(legal) or every), st.sampled_from(every), 80))
    b = legal.get(mtype) or MOVE_BOUNDS.get(mtype, {})
    if mtype == "set_wafer_price":
        return SetWaferPrice(draw(move_value(*b.get("price", (5.0, 60.0)))))
    if mtype == "set_gpu_price":
        return SetGpuPrice(draw(move_value(*b.get("price", (10.0, 100.0)))))
    if mtype == "build_fab":
        node = draw(mostly(st.sampled_from(list(NODES)), st.one_of(st.just("N7"), JUNK), 90))
        site = draw(mostly(st.sampled_from(list(SITES)), st.one_of(st.just("mars"), JUNK), 90))
        return BuildFab(node, site, draw(move_value(*MOVE_BOUNDS["build_fab"]["capacity"])))
    if mtype == "build_packaging":
        return BuildPackaging(draw(move_value(*MOVE_BOUNDS["build_packaging"]["capacity"])))
    if mtype in ("buy_spot_wafers", "buy_spot_gpus"):
        seller = "foundry" if mtype == "buy_spot_wafers" else "designer"
        to = draw(mostly(st.sampled_from(b.get(seller) or NAMES), NAME_ANY, 85))
        q = draw(move_value(*MOVE_BOUNDS[mtype]["quantity"]))
        return BuySpotWafers(to, q) if mtype == "buy_spot_wafers" else BuySpotGpus(to, q)
    if mtype == "fund_campus":
        return FundCampus(draw(move_value(*MOVE_BOUNDS["fund_campus"]["gw"])))
    return StartChipProgramme()


@st.composite
def a_decision(draw: Any, m: FabRaceModel, name: str) -> Decision:
    """Any decision for ``name`` now: mostly plausible ones (from its legal set), some junk."""
    legal = m.legal(name)
    offer_ids = sorted(m.negotiation.offers)
    inbox = [o.id for o in m.negotiation.inbox(name)]
    choice = draw(st.sampled_from(["propose", "propose", "answer", "answer", "move", "junk"]))
    if choice == "propose":
        if legal.partners and draw(st.integers(0, 99)) < 85:
            kind = draw(st.sampled_from(sorted(legal.partners)))
            to = draw(st.sampled_from(legal.partners[kind]))
        else:
            kind = draw(st.one_of(st.sampled_from([k.value for k in DealKind]), JUNK))
            to = draw(NAME_ANY)
        return Propose(to, kind, draw(terms_for(kind)))
    if choice == "answer":
        oid = draw(
            mostly(
                st.sampled_from(inbox or [0]),
                st.one_of(st.sampled_from(offer_ids or [0]), st.integers(-1, 1000), JUNK),
                85 if inbox else 0,
            )
        )
        how = draw(st.sampled_from(["accept", "accept", "reject", "counter", "counter"]))
        if how == "accept":
            return Accept(oid)
        if how == "reject":
            return Reject(oid)
        offer = m.negotiation.offers.get(oid) if type(oid) is int else None
        return Counter(oid, draw(terms_for(offer.kind.value if offer else None)))
    if choice == "move":
        return draw(a_move(m, name))
    return draw(st.sampled_from([Decision(), Move()]))


# ==================================================================== random play
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    seed=st.integers(0, 2**32 - 1),
    outside=st.sets(st.sampled_from(NAMES), min_size=1),
    bots=st.sampled_from(["basic", "random"]),
    data=st.data(),
)
def test_any_sequence_of_decisions_keeps_the_game_consistent(seed, outside, bots, data):
    policies: dict[str, Any] = dict.fromkeys(outside)
    if bots == "random":
        policies.update({n: RandomPolicy(activity=0.9) for n in NAMES if n not in outside})
    m = new_game(duel(quarters=6), seed=seed, policies=policies)
    players = sorted(outside)
    check_invariants(m)
    for _ in range(data.draw(st.integers(1, 40), label="actions")):
        if m.finished:
            break
        if data.draw(st.integers(0, 5), label="step?") == 0:
            next_quarter(m)
            check_invariants(m)
            continue
        name = data.draw(st.sampled_from(players), label="actor")
        d = data.draw(a_decision(m, name), label="decision")
        out = submit_checked(m, name, d)
        event(f"{type(d).__name__} {'applied' if out.ok else 'refused'}")
        if out.signed is not None:
            event("signed" if out.signed else "accepted but not signed")
    m.run()
    check_invariants(m)
    assert m.finished and m.result()["quarters"] == 6


@settings(max_examples=80, deadline=None)
@given(
    kind=st.sampled_from([k.value for k in DealKind]),
    field=st.data(),
    bad=JUNK,
)
def test_an_offer_with_one_bad_term_is_refused_and_changes_nothing(kind, field, bad):
    m = external()
    # A proposer and recipient the kind allows, so that only the bad term is wrong.
    firsts, seconds = DEAL_ROLES[DealKind(kind)]
    proposer = next(n for n in NAMES if ROLE[n] in firsts)
    recipient = next(n for n in NAMES if ROLE[n] in seconds and n != proposer)
    bounds = TERM_BOUNDS[kind]
    terms: dict[str, Any] = {}
    for n, b in bounds.items():
        if b["choices"]:
            terms[n] = b["choices"][0]
        else:
            terms[n] = 1 if b["integer"] else min(b["hi"], 0.1)
    assert m.check(proposer, Propose(recipient, kind, terms)) is None  # legal as it stands
    name = field.draw(st.sampled_from(sorted(bounds)))
    b = bounds[name]
    if b["choices"] and isinstance(bad, str) and bad in b["choices"]:
        bad = "nowhere"
    if b["integer"] and isinstance(bad, float) and bad.is_integer() and b["lo"] <= bad <= b["hi"]:
        bad = 0.5
    terms[name] = bad
    out = submit_checked(m, proposer, Propose(recipient, kind, terms))
    assert not out.ok
    assert repr(name) in out.reason


# ==================================================================== named illegal decisions
def _open_offer(m: FabRaceModel, frm: str, to: str) -> int:
    out = m.submit(frm, Propose(to, "loan", {"principal": 1.0, "rate": 0.05, "quarters": 4}))
    assert out.ok, out.reason
    return out.offer_id  # type: ignore[return-value]


def _counter_chain(m: FabRaceModel) -> int:
    """MGX offers OpenAI a loan; OpenAI and MGX counter until the offer is in its last round."""
    oid = _open_offer(m, "MGX", "OpenAI")
    who = ("OpenAI", "MGX")
    for r in range(m.rules.max_rounds - 1):
        out = m.submit(who[r % 2], Counter(oid, {"principal": 2.0, "rate": 0.06, "quarters": 4}))
        assert out.ok, out.reason
        oid = out.offer_id  # type: ignore[assignment]
    return oid


def _used_budget(m: FabRaceModel) -> None:
    for _ in range(m.rules.action_budget):
        _open_offer(m, "MGX", "OpenAI")


LOAN = {"principal": 1.0, "rate": 0.05, "quarters": 4}
EQUITY = {"amount": 1.0, "stake": 0.1}
JV = {
    "site": "taiwan",
    "node": "N3",
    "capacity": 10.0,
    "partner_capex_share": 0.5,
    "partner_output_share": 0.5,
    "operator_fee": 0.1,
}


def loan(**changes: Any) -> dict[str, Any]:
    return {**LOAN, **changes}


def equity(**changes: Any) -> dict[str, Any]:
    return {**EQUITY, **changes}


def _rejected_offer(m: FabRaceModel) -> int:
    oid = _open_offer(m, "MGX", "OpenAI")
    assert m.submit("OpenAI", Reject(oid)).ok
    return oid


def _offer_to_lab(m: FabRaceModel) -> int:
    return _open_offer(m, "MGX", "OpenAI")


#: name -> (setup(model) -> context or None, actor, decision(context)). "Poor" is an actor with
#: almost no cash (the foundry, or the fund for a campus).
ILLEGAL: dict[str, tuple[Any, str, Any]] = {
    "unknown recipient": (None, "MGX", lambda _: Propose("Nobody", "equity", EQUITY)),
    "recipient not text": (None, "MGX", lambda _: Propose(None, "equity", EQUITY)),
    "wrong role for the kind": (None, "OpenAI", lambda _: Propose("TSMC", "supply", EQUITY)),
    "deal with itself": (None, "MGX", lambda _: Propose("MGX", "loan", LOAN)),
    "unknown kind": (None, "MGX", lambda _: Propose("OpenAI", "gift", EQUITY)),
    "negative amount": (None, "MGX", lambda _: Propose("OpenAI", "equity", equity(amount=-1.0))),
    "zero amount": (None, "MGX", lambda _: Propose("OpenAI", "equity", equity(amount=0.0))),
    "NaN amount": (None, "MGX", lambda _: Propose("OpenAI", "equity", equity(amount=math.nan))),
    "infinite principal": (
        None,
        "MGX",
        lambda _: Propose("OpenAI", "loan", loan(principal=math.inf)),
    ),
    "amount over the bound": (
        None,
        "MGX",
        lambda _: Propose("OpenAI", "equity", equity(amount=501)),
    ),
    "huge amount": (None, "MGX", lambda _: Propose("OpenAI", "equity", equity(amount=10**400))),
    "huge whole number": (None, "MGX", lambda _: Propose("OpenAI", "loan", loan(quarters=10**400))),
    "fractional quarters": (None, "MGX", lambda _: Propose("OpenAI", "loan", loan(quarters=2.5))),
    "negative rate": (None, "MGX", lambda _: Propose("OpenAI", "loan", loan(rate=-0.01))),
    "amount as text": (None, "MGX", lambda _: Propose("OpenAI", "equity", equity(amount="1"))),
    "amount as a bool": (None, "MGX", lambda _: Propose("OpenAI", "equity", equity(amount=True))),
    "missing term": (None, "MGX", lambda _: Propose("OpenAI", "equity", {"amount": 1.0})),
    "unknown term": (None, "MGX", lambda _: Propose("OpenAI", "equity", equity(board_seat=1))),
    "terms with mixed key types": (
        None,
        "MGX",
        lambda _: Propose("OpenAI", "equity", {1: 2, "a": 3}),
    ),
    "terms not a table": (None, "MGX", lambda _: Propose("OpenAI", "equity", [("amount", 1.0)])),
    "stake above the bound": (
        None,
        "MGX",
        lambda _: Propose("OpenAI", "equity", equity(stake=0.6)),
    ),
    "JV share above 1": (
        None,
        "MGX",
        lambda _: Propose("TSMC", "joint_venture", {**JV, "partner_capex_share": 1.5}),
    ),
    "JV at an unknown site": (
        None,
        "MGX",
        lambda _: Propose("TSMC", "joint_venture", {**JV, "site": "moon"}),
    ),
    "over the action budget": (_used_budget, "MGX", lambda _: Propose("Nvidia", "loan", LOAN)),
    "answering someone else's offer": (_offer_to_lab, "Nvidia", Accept),
    "the proposer answering its own offer": (_offer_to_lab, "MGX", Reject),
    "answering an offer that does not exist": (None, "OpenAI", lambda _: Accept(999)),
    "an offer id that is text": (_offer_to_lab, "OpenAI", lambda oid: Accept(str(oid))),
    "an offer id that is a bool": (_offer_to_lab, "OpenAI", lambda _: Accept(True)),
    "answering an offer already rejected": (_rejected_offer, "OpenAI", Accept),
    "countering with terms of another kind": (
        _offer_to_lab,
        "OpenAI",
        lambda o: Counter(o, EQUITY),
    ),
    "countering with bad terms": (_offer_to_lab, "OpenAI", lambda o: Counter(o, loan(rate=9.0))),
    "countering in the last round": (
        _counter_chain,
        "OpenAI",
        lambda o: Counter(o, loan(rate=0.07)),
    ),
    "a move of another role": (None, "OpenAI", lambda _: BuildFab("N3", "taiwan", 10.0)),
    "a price move of another role": (None, "Nvidia", lambda _: SetWaferPrice(17.0)),
    "a price outside its band": (None, "TSMC", lambda _: SetWaferPrice(1000.0)),
    "a NaN price": (None, "Nvidia", lambda _: SetGpuPrice(math.nan)),
    "a negative quantity": (None, "OpenAI", lambda _: BuySpotGpus("Nvidia", -5.0)),
    "a quantity as text": (None, "OpenAI", lambda _: BuySpotGpus("Nvidia", "5")),
    "buying from a non-designer": (None, "OpenAI", lambda _: BuySpotGpus("TSMC", 5.0)),
    "wafers without chips of its own": (None, "OpenAI", lambda _: BuySpotWafers("TSMC", 5.0)),
    "an unknown node": (None, "TSMC", lambda _: BuildFab("N1", "taiwan", 10.0)),
    "a node that is not text": (None, "TSMC", lambda _: BuildFab(["N3"], "taiwan", 10.0)),
    "a site that is not text": (None, "TSMC", lambda _: BuildFab("N3", {"taiwan": 1}, 10.0)),
    "a fab beyond the bounds": (None, "TSMC", lambda _: BuildFab("N3", "taiwan", 10_000.0)),
    "a huge fab": (None, "TSMC", lambda _: BuildFab("N3", "taiwan", 10**400)),
    "an unaffordable fab": (None, "Poor", lambda _: BuildFab("N2", "taiwan", 600.0)),
    "an unaffordable packaging line": (None, "Poor", lambda _: BuildPackaging(200.0)),
    "an unaffordable campus": (None, "Poor", lambda _: FundCampus(5.0)),
    "a move twice in a quarter": (
        lambda m: m.submit("TSMC", SetWaferPrice(18.0)),
        "TSMC",
        lambda _: SetWaferPrice(19.0),
    ),
    "a second chip programme": (
        lambda m: m.submit("OpenAI", StartChipProgramme()),
        "OpenAI",
        lambda _: StartChipProgramme(),
    ),
    "importing without an export licence": (None, "MGX", lambda _: BuySpotGpus("Nvidia", 5.0)),
    "a bare Decision": (None, "OpenAI", lambda _: Decision()),
    "a bare Move": (None, "OpenAI", lambda _: Move()),
}


@pytest.mark.parametrize("case", sorted(ILLEGAL))
def test_an_illegal_decision_is_refused_with_a_reason_and_changes_nothing(case):
    setup, actor, make = ILLEGAL[case]
    if actor == "Poor":  # the foundry, or the fund for a campus, with almost no cash
        actor = "MGX" if "campus" in case else "TSMC"
        m = external(duel(events=False, TSMC=0.5, MGX=0.5))
    else:
        m = external()
    context = setup(m) if setup else None
    check_invariants(m)
    legal_before = m.legal(actor)
    out = submit_checked(m, actor, make(context))
    assert not out.ok
    assert m.legal(actor) == legal_before


def test_a_refused_decision_is_still_refused_after_the_game_is_over():
    m = external(duel(quarters=1, events=False))
    next_quarter(m)
    assert m.finished
    out = submit_checked(m, "TSMC", SetWaferPrice(17.0))
    assert not out.ok and "over" in out.reason


def test_an_unknown_submitting_actor_is_an_error_that_changes_nothing():
    m = external()
    before = snapshot(m)
    with pytest.raises(KeyError, match="Nobody"):
        m.submit("Nobody", SetWaferPrice(17.0))
    assert snapshot(m) == before


# ==================================================================== the protocol
def test_the_action_budget_limits_new_offers_a_quarter_and_resets_with_the_next():
    m = external()
    budget = m.rules.action_budget
    assert m.legal("MGX").proposals_left == budget
    for i in range(budget):
        assert m.submit(
            "MGX", Propose("OpenAI", "loan", {"principal": 1.0, "rate": 0.05, "quarters": 4})
        ).ok
        assert m.legal("MGX").proposals_left == budget - i - 1
    assert not m.legal("MGX").partners  # nobody to propose to
    out = submit_checked(
        m, "MGX", Propose("TSMC", "loan", {"principal": 1.0, "rate": 0.05, "quarters": 4})
    )
    assert not out.ok and str(budget) in out.reason
    # Another actor's budget is its own.
    assert m.submit(
        "Nvidia",
        Propose("TSMC", "capacity", {"wafers": 1.0, "quarters": 2, "price": 17.0, "prepay": 0.0}),
    ).ok
    next_quarter(m)
    assert m.legal("MGX").proposals_left == budget
    assert m.submit(
        "MGX", Propose("TSMC", "loan", {"principal": 1.0, "rate": 0.05, "quarters": 4})
    ).ok


def test_a_counter_goes_back_to_the_proposer_one_round_later_and_costs_no_budget():
    m = external()
    oid = _open_offer(m, "MGX", "OpenAI")
    budget = m.legal("OpenAI").proposals_left
    assert [o["id"] for o in m.observe("OpenAI").inbox] == [oid]
    out = m.submit("OpenAI", Counter(oid, {"principal": 2.0, "rate": 0.04, "quarters": 8}))
    assert out.ok and out.offer_id != oid
    new = m.offer(out.offer_id)
    assert (new["proposer"], new["recipient"]) == ("OpenAI", "MGX")
    assert new["round"] == 1 and new["parent"] == oid and new["kind"] == "loan"
    assert new["terms"] == {"principal": 2.0, "rate": 0.04, "quarters": 8}
    assert m.offer(oid)["status"] == "countered"
    assert m.observe("OpenAI").inbox == ()
    assert [o["id"] for o in m.observe("MGX").inbox] == [out.offer_id]
    assert [o["id"] for o in m.observe("OpenAI").sent] == [out.offer_id]
    assert m.legal("OpenAI").proposals_left == budget  # a counter is not a new offer
    # The countered offer can no longer be answered.
    assert not submit_checked(m, "OpenAI", Accept(oid)).ok
    # Accepting the counter signs its terms, with the roles of the kind (MGX lends to OpenAI).
    cash = m.actor("OpenAI").cash
    acc = m.submit("MGX", Accept(out.offer_id))
    assert acc.ok and acc.signed is True
    c = m.contracts[acc.contract_id]
    assert (c.first, c.second, c.kind) == ("MGX", "OpenAI", DealKind.LOAN)
    assert m.actor("OpenAI").cash == pytest.approx(cash + 2.0)
    check_invariants(m)


def test_no_counter_in_the_last_round_but_accept_and_reject_remain():
    m = external()
    oid = _counter_chain(m)
    offer = m.offer(oid)
    assert offer["round"] == m.rules.max_rounds - 1
    assert offer["recipient"] == "OpenAI"
    assert m.legal("OpenAI").answers[oid] == ("accept", "reject")
    out = submit_checked(m, "OpenAI", Counter(oid, {"principal": 3.0, "rate": 0.07, "quarters": 4}))
    assert not out.ok and "last round" in out.reason
    assert m.submit("OpenAI", Accept(oid)).signed is True


def test_offers_still_open_expire_when_the_quarter_ends():
    m = external()
    a = _open_offer(m, "MGX", "OpenAI")
    b = m.submit(
        "OpenAI",
        Counter(_open_offer(m, "MGX", "OpenAI"), {"principal": 2.0, "rate": 0.1, "quarters": 2}),
    ).offer_id
    assert len(m.observe("OpenAI").inbox) == 1 and len(m.observe("MGX").inbox) == 1
    next_quarter(m)
    for oid in (a, b):
        assert m.offer(oid)["status"] == "expired"
        assert not submit_checked(m, "OpenAI" if oid == a else "MGX", Accept(oid)).ok
    assert m.observe("OpenAI").inbox == () and m.observe("MGX").inbox == ()
    assert m.negotiation.open_offers() == []
    assert not m.contracts


def test_an_offer_to_an_outside_actor_waits_for_it_and_a_bot_answers_at_once():
    m = external(bots={"OpenAI": RandomPolicy(activity=1.0)})
    # An offer to an actor driven from outside waits for its answer.
    to_fab = m.submit(
        "MGX", Propose("TSMC", "loan", {"principal": 1.0, "rate": 0.05, "quarters": 4})
    )
    assert m.offer(to_fab.offer_id)["status"] == "open"
    # An offer to the bot is answered within the submit.
    to_lab = m.submit(
        "MGX", Propose("OpenAI", "loan", {"principal": 1.0, "rate": 0.05, "quarters": 4})
    )
    assert m.offer(to_lab.offer_id)["status"] in ("accepted", "failed", "rejected", "countered")
    check_invariants(m)


def test_an_accepted_offer_whose_first_payment_cannot_be_made_is_not_signed():
    m = external()
    fund_cash = m.actor("MGX").cash
    oid = m.submit(
        "MGX", Propose("OpenAI", "equity", {"amount": fund_cash + 10.0, "stake": 0.1})
    ).offer_id
    trust = m.graph.trust("OpenAI", "MGX")
    balances = dict(m.ledger.balances)
    out = m.submit("OpenAI", Accept(oid))
    assert out.ok and out.signed is False and out.contract_id is None
    assert "MGX" in out.reason and "first payment" in out.reason
    assert m.offer(oid)["status"] == "failed"
    assert not m.contracts and m.graph.g.number_of_edges() == 0
    assert m.ledger.balances == balances
    assert m.actor("OpenAI").cap_table == {} and m.actor("MGX").stakes == {}
    assert m.graph.trust("OpenAI", "MGX") == pytest.approx(trust + TRUST_RULES["reneged"])
    assert m.graph.trust("MGX", "OpenAI") == pytest.approx(trust)  # the other way is unchanged
    assert m.result()["totals"]["failed_signings"] == 1
    check_invariants(m)


def test_a_first_payment_that_became_unaffordable_within_the_quarter_fails_the_signing():
    """Cash can fall between the offer and the answer: the check is made on acceptance."""
    m = external()
    fund_cash = m.actor("MGX").cash
    first = m.submit(
        "MGX", Propose("OpenAI", "equity", {"amount": fund_cash * 0.75, "stake": 0.1})
    ).offer_id
    second = m.submit(
        "MGX", Propose("Nvidia", "equity", {"amount": fund_cash * 0.5, "stake": 0.1})
    ).offer_id
    assert m.submit("OpenAI", Accept(first)).signed is True
    out = m.submit("Nvidia", Accept(second))
    assert out.signed is False
    assert m.graph.trust("Nvidia", "MGX") < m.graph.trust("OpenAI", "MGX")
    assert m.actor("MGX").cash == pytest.approx(fund_cash * 0.25)
    check_invariants(m)


def test_stake_above_what_is_for_sale_is_refused_even_within_the_bounds():
    m = external()
    first = m.submit("MGX", Propose("OpenAI", "equity", {"amount": 1.0, "stake": 0.5})).offer_id
    assert m.submit("OpenAI", Accept(first)).signed is True
    second = m.submit("Nvidia", Propose("OpenAI", "equity", {"amount": 1.0, "stake": 0.5})).offer_id
    assert second is not None  # still for sale: 50 % is left
    assert m.submit("OpenAI", Accept(second)).signed is True
    assert m.actor("OpenAI").control == pytest.approx(0.0)
    out = submit_checked(m, "MGX", Propose("OpenAI", "equity", {"amount": 1.0, "stake": 0.01}))
    assert not out.ok and "equity" in out.reason
