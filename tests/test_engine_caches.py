"""The engine's speed caches give what the plain computations give (see game/valuation.py,
game/legality.py and game/views.py): the AI market's compute in the running flows, an investor's
loans, the legal moves' bounds fixed by the rules, and every observation."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import pytest

from agents import new_game
from agents.random_policy import RandomPolicy
from game.actors import Investor, Lab
from game.contracts import ContractStatus
from game.deals import NODES, SITES, DealKind
from game.decisions import MOVE_TYPES
from game.legality import MOVE_BOUNDS, deal_partners, legal_decisions
from game.model import FabRaceModel
from game.observation import LegalDecisions, Observation, freeze
from game.scenario import load_scenario


@pytest.fixture(scope="module")
def game():
    """A baseline game eight quarters in (an investor has lent to a lab by then), with the
    ninth quarter's offers open."""
    m = new_game("baseline-2024", seed=2)
    for _ in range(8):
        m.step()
    m.open_quarter()
    assert m.active_contracts(DealKind.LOAN), "the game should hold a loan to test with"
    return m


def test_the_market_compute_of_a_fixed_stretch_is_the_plain_one_and_the_stretch_ends(game):
    plain = game.ai_market_compute()
    outside = game.market.spec.outside_ai_compute * game.market.ai_index
    assert plain == outside + sum(a.served for a in game.alive(Lab))
    game.compute_fixed(True)
    try:
        assert game.ai_market_compute() == plain
        # within the stretch the first value is kept, even if a lab's compute were to change
        lab = game.alive(Lab)[0]
        before = lab.cohorts
        lab.cohorts = []
        lab._recount()
        assert game.ai_market_compute() == plain
    finally:
        lab.cohorts = before
        lab._recount()
        game.compute_fixed(False)
    assert "ai_market_compute" not in game._cache
    assert game.ai_market_compute() == plain


def test_the_contracts_either_side_of_a_party_are_the_filtered_active_ones_in_order(game):
    for a in game.actor_list:
        for kind in DealKind:
            want = [
                c
                for c in game.contracts.values()
                if c.status == ContractStatus.ACTIVE
                and c.kind == kind
                and a.name in (c.first, c.second)
            ]
            assert game._active_of(kind, a.name) == want


def test_an_investors_value_counts_each_loan_it_made_or_owes(game):
    for inv in game.alive(Investor):
        loans = 0.0
        for c in game.active_contracts(DealKind.LOAN):
            if c.first == inv.name:
                loans += c.outstanding
            elif c.second == inv.name:
                loans -= c.outstanding
        v = inv.cash
        for name, stake in inv.stakes.items():
            if not isinstance(game.actors_by_name[name], Investor):
                v += stake * game.valuation(game.actors_by_name[name])
        v += loans
        v += inv.campus_gw * game.rules.campus_capex_per_gw * 0.5
        v += inv.compute * game.market.gpu_reference() / 1000.0 * 0.5
        assert game.net_asset_value(inv) == pytest.approx(v, rel=1e-12, abs=1e-12)


def test_legal_moves_show_the_rules_bounds_and_the_moments_prices(game):
    for a in game.actor_list:
        moves = game.legal(a.name).moves
        allowed = [t for t, cls in MOVE_TYPES.items() if a.role in cls.roles]
        assert list(moves) == [t for t in allowed if t in moves]  # MOVE_TYPES order
        for mtype, bounds in moves.items():
            for field, b in MOVE_BOUNDS.get(mtype, {}).items():
                if mtype.startswith("set_"):
                    continue  # relative to the reference price: checked below
                if field == "quantity" and isinstance(a, Investor):
                    assert b[0] == bounds[field][0] and bounds[field][1] <= b[1]
                    continue
                assert bounds[field] == b
            if mtype == "build_fab":
                assert bounds["node"] == tuple(NODES) and bounds["site"] == tuple(SITES)
            if mtype == "set_gpu_price":
                ref = game.market.gpu_reference()
                lo, hi = MOVE_BOUNDS[mtype]["price"]
                assert bounds["price"] == (lo * ref, hi * ref)
            if mtype == "set_wafer_price":
                ref = game.market.wafer_reference(game.modifiers)
                lo, hi = MOVE_BOUNDS[mtype]["price"]
                assert bounds["price"] == (lo * ref, hi * ref)


def _walked_degree(g):
    """Each actor's active contract value, walking every edge of the graph (the plain way)."""
    out = dict.fromkeys(g.names, 0.0)
    for u, v, d in g.g.edges(data=True):
        if d["status"] == "active":
            out[u] += d["value"]
            out[v] += d["value"]
    return out


@pytest.mark.parametrize("scenario, seed", [("baseline-2024", 3), ("taiwan-crisis", 5)])
def test_the_graphs_index_of_active_contracts_sums_as_a_walk_of_every_edge(scenario, seed):
    m = new_game(scenario, seed=seed)
    m.graph.weighted_degree()  # the index exists from the start and is kept up to date
    ended = False
    for _ in range(m.n_quarters):
        m.step()
        deg = m.graph.weighted_degree()
        assert deg == _walked_degree(m.graph)  # the same sums, added in the same order
        ended = ended or any(not c.active for c in m.contracts.values())
    assert ended, "the game should close or break a contract to test with"
    copy = m.clone()  # a copy starts without the index and builds it from its graph
    assert copy.graph.weighted_degree() == _walked_degree(m.graph)


def test_a_labs_compute_by_vendor_is_the_sum_over_its_cohorts_as_its_fleet_changes():
    m = new_game("baseline-2024", seed=4)
    lab = m.alive(Lab)[0]

    def plain():
        out = {}
        for c in lab.cohorts:
            out[c.vendor] = out.get(c.vendor, 0.0) + c.amount
        return out

    sizes = set()
    for _ in range(m.n_quarters):
        m.step()
        got = lab.compute_by_vendor()
        assert got == plain() and list(got) == list(plain())
        got["someone"] = 1.0  # a new dict each time: changing it changes nothing kept
        assert lab.compute_by_vendor() == plain()
        sizes.add(len(lab.cohorts))
    assert len(sizes) > 3, "the fleet should grow and retire cohorts to test with"
    assert m.clone().actor(lab.name).compute_by_vendor() == plain()


def test_an_actors_revenue_is_last_quarters_revenue_flows_as_its_books_close():
    m = new_game("baseline-2024", seed=6)
    for _ in range(6):
        m.step()
        for a in m.actor_list:
            assert a.revenue() == sum([a.last_pnl.get(r, 0.0) for r in a.revenue_reasons])
    a = m.actor_list[0]
    a.last_pnl = {r: 1.0 for r in a.revenue_reasons}  # new books: the figure follows them
    assert a.revenue() == float(len(a.revenue_reasons))


def test_the_bots_memos_give_what_a_plain_scan_of_each_observation_gives():
    """The bots' per-observation and per-record memos (agents.tactics) against plain scans of
    observations from a whole game, asked in turn (so that each memo must notice the change)."""
    from agents.tactics import (
        _foundry_output,
        active_capacity,
        foundry_output,
        my_active,
        own_contracts,
        promised_wafers,
    )

    m = new_game("baseline-2024", seed=8)
    seen = []
    for _ in range(12):
        m.open_quarter()
        seen += [m.observe(a.name) for a in m.actor_list]
        m.step()
    assert len({len(o.contracts) for o in seen}) > 2, "contracts should be signed meanwhile"
    for obs in seen + seen[::-1]:
        active = [c for c in obs.contracts if c["status"] == "active"]
        capacity = [c for c in active if c["kind"] == "capacity"]
        assert active_capacity(obs) == [
            (c["parties"][0], c["parties"][1], float(c["terms"]["wafers"])) for c in capacity
        ]
        for f in obs.others("foundry") + ([obs.actor] if obs.role == "foundry" else []):
            assert promised_wafers(obs, f) == sum(
                float(c["terms"]["wafers"]) for c in capacity if c["parties"][1] == f
            )
            assert foundry_output(obs, f) == _foundry_output(obs, f)  # the memo: the plain one
        assert own_contracts(obs) == obs.my_contracts()
        for kind in (None, "capacity", "supply", "loan"):
            want = [c for c in obs.my_contracts() if c in active and kind in (None, c["kind"])]
            assert my_active(obs, kind) == want
            assert my_active(obs, kind, obs.my_contracts()) == want


# ==================================================================== observations
def _plain(x: Any) -> Any:
    """An observation's part as plain Python data (to compare two of them field by field)."""
    if isinstance(x, Mapping):
        return {k: _plain(v) for k, v in x.items()}
    if isinstance(x, tuple | list):
        return [_plain(v) for v in x]
    if isinstance(x, LegalDecisions):
        return {f.name: _plain(getattr(x, f.name)) for f in dataclasses.fields(x)}
    return x


def _as_plain(obs: Observation) -> dict[str, Any]:
    return {f.name: _plain(getattr(obs, f.name)) for f in dataclasses.fields(Observation)}


def _assert_observations_fresh(m: FabRaceModel) -> None:
    """Each actor's observation, built from the caches, is the one a game without caches
    builds (a clone starts with none)."""
    fresh = m.clone()
    for a in m.actor_list:
        obs = m.observe(a.name)
        assert _as_plain(obs) == _as_plain(fresh.observe(a.name)), a.name
        # the index of actors in business, kept from one set of public figures to the next
        for role in (None, "lab", "designer", "foundry", "investor"):
            assert obs.others(role) == [
                n
                for n, p in obs.public.items()
                if not p["insolvent"] and n != a.name and role in (None, p["role"])
            ]


@pytest.mark.parametrize(
    ("scenario", "seed", "quarters"), [("duel", 3, 6), ("baseline-2024", 4, 3)]
)
def test_cached_observations_equal_fresh_ones_after_any_decision(scenario, seed, quarters):
    """Outside seats play a random policy's decisions one by one, the other seats are bots;
    after every decision and every quarter, every observation is checked against a fresh one
    (payments, signings, moves, offers and counters, events and the quarter's close all move
    the caches' keys)."""
    spec = load_scenario(scenario)
    outside = [a.name for a in spec.actors][::2]
    m = new_game(spec, seed=seed, policies=dict.fromkeys(outside), quarters=quarters)
    players = {name: RandomPolicy(activity=1.0) for name in outside}
    for name, p in players.items():
        p.reset(seed + len(name))
    _assert_observations_fresh(m)
    while not m.finished:
        m.open_quarter()
        _assert_observations_fresh(m)
        for call in ("propose", "respond", "moves"):
            for name, p in players.items():
                for d in getattr(p, call)(m.observe(name)) or []:
                    m.submit(name, d)
                    _assert_observations_fresh(m)
        m.step()
        _assert_observations_fresh(m)


def test_each_actors_deal_partners_are_the_plain_ones_among_those_in_business():
    """The partners a role's index gives each actor (its own name taken out) are those
    ``deal_partners`` finds among the other actors in business, as insolvencies come."""
    m = new_game("crowded", seed=1)
    insolvent = 0
    while not m.finished:
        m.step()
        for a in m.actor_list:
            legal = legal_decisions(m, a)
            if not legal.can_act or legal.proposals_left == 0:
                continue
            others = [o for o in m.actor_list if o is not a and not o.insolvent]
            assert dict(legal.partners) == deal_partners(a.role, others), a.name
        insolvent = sum(a.insolvent for a in m.actor_list)
    assert insolvent, "the game should see an insolvency for the index to be made again"


def test_an_observations_own_contracts_and_others_are_the_plain_filters():
    """``my_contracts`` reads the positions the engine notes with each record of contracts (an
    observation of another game, or an older record, falls back to indexing its own record);
    ``others`` cuts the actor out of the index of those in business."""
    m = new_game("baseline-2024", seed=6, quarters=10)
    kept = []
    while not m.finished:
        m.step()
        copy = m.clone()
        copy.step()  # the copy's record is the last one noted
        for a in m.actor_list:
            for obs in (m.observe(a.name), copy.observe(a.name)):
                plain = [c for c in obs.contracts if a.name in c["parties"]]
                assert obs.my_contracts() == plain, a.name
                for role in (None, "lab", "investor", "foundry", "designer", "nobody"):
                    others = [
                        n
                        for n, p in obs.public.items()
                        if n != a.name and not p["insolvent"] and role in (None, p["role"])
                    ]
                    assert obs.others(role) == others, (a.name, role)
        kept.append(m.observe(m.actor_list[0].name))
    assert any(k.my_contracts() for k in kept), "the actor should have signed something"
    for obs in kept:  # older records than the last noted
        assert obs.my_contracts() == [c for c in obs.contracts if obs.actor in c["parties"]]


def test_a_contracts_record_remade_in_part_is_its_full_record_each_quarter():
    """A contract's public record, remade each quarter from its last one (only the moving
    figures), is what a fresh record of it gives, in the same key order, as the game goes."""
    m = new_game("baseline-2024", seed=7, quarters=12)
    moved = 0
    while not m.finished:
        m.step()
        for c in m.contracts.values():
            before = c.__dict__.get("_view")
            view = c.view()
            moved += before is not None and view is not before[1]
            full = freeze(c.to_json())
            assert list(view) == list(full) and dict(view) == dict(full), c.id
            assert type(view["parties"]) is tuple and type(view["terms"]) is type(full["terms"])
    assert moved, "some record should have been remade from its last one"


def test_a_contracts_record_rounds_again_each_figure_that_moved_and_only_those():
    """A remade record rounds each moving figure that is a new object since the last record
    (the same value in a new float included) and keeps the rounded one that stayed put."""
    from game.contracts import Contract
    from game.deals import CapacityTerms

    c = Contract(
        1,
        DealKind.CAPACITY,
        "A",
        "B",
        CapacityTerms(wafers=5.0, quarters=4, price=9.0, prepay=0.0),
        0,
    )
    first = c.view()
    for delivered, shortfall in [(1.23456789, 0.0), (2.0000004, 0.1 + 0.2), (2.0000004, 0.3)]:
        c.quarters_done += 1
        c.delivered, c.shortfall = delivered, shortfall
        view = c.view()
        assert view is not first and dict(view) == dict(freeze(c.to_json())), (delivered, shortfall)
        assert view["delivered"] == round(delivered, 6) and view["shortfall"] == round(shortfall, 6)
        first = view


def test_a_foundrys_free_capacity_is_the_plain_sum_as_contracts_are_signed_and_end():
    """Free capacity, kept while a foundry's fab count and its active capacity contracts (a
    list made anew when one is signed or ends) are the same, is the plain sum each time."""
    m = new_game("baseline-2024", seed=4, quarters=10)
    changed = 0
    last: dict[str, float] = {}
    while not m.finished:
        m.step()
        for f in m.foundries():
            promised = sum(
                c.terms.wafers
                for c in m.contracts.values()
                if c.active and c.kind == DealKind.CAPACITY and c.second == f.name
            )
            jv = sum(fab.capacity * fab.partner_output_share for fab in f.fabs if fab.partner)
            plain = max(0.0, f.capacity(producing_only=False) * 0.95 - promised - jv)
            assert m.uncommitted_capacity(f.name) == pytest.approx(plain, abs=1e-9), f.name
            changed += f.name in last and last[f.name] != plain
            last[f.name] = plain
    assert changed, "some foundry's free capacity should have moved"


def test_a_companys_value_kept_across_stretches_is_the_plain_one_as_its_books_move():
    """A company's valuation, kept from one fixed stretch to the next while its cash, books
    and revenue history are the same and it is in business, is the plain one after any of them
    moves (as payments and the close move them), and stays kept when only a touch moved its
    version."""
    from game.money import OUTSIDE

    def value_of(a: Any) -> float:
        m.valuations_fixed(True)
        try:
            return m.valuation(a)
        finally:
            m.valuations_fixed(False)

    def touch(a: Any) -> None:
        m.touch(a.name)  # its version moves, its value does not

    def pay(a: Any) -> None:
        m.pay(OUTSIDE, a.name, 0.25, "other_revenue")  # its cash moves

    def close_books(a: Any) -> None:  # as the close does: new books and a new history
        a.last_pnl = {r: 1.5 + a.last_pnl.get(r, 0.0) for r in a.revenue_reasons}

    def new_history(a: Any) -> None:
        a.revenue_history = [1.0, *a.revenue_history[1:], 9.0]

    def new_run_rate(a: Any) -> None:  # a lab's annual revenue, moved by its operations
        if isinstance(a, Lab):
            a.revenue_run_rate *= 1.5

    m = new_game("baseline-2024", seed=5, quarters=4)
    companies = [a for a in m.actor_list if not isinstance(a, Investor)]
    kept = 0
    while not m.finished:
        m.step()
        for change in (touch, pay, close_books, new_history, new_run_rate, None):
            for a in companies:
                before = m._cache.get("company_values", {}).get(a.name)
                assert value_of(a) == m._valuation(a), (a.name, change)
                kept += before is not None and m._cache["company_values"][a.name] is before
                if change is not None:
                    change(a)
        a = companies[0]
        a.insolvent = True  # (only for a moment: no value but 0)
        assert value_of(a) == 0.0
        a.insolvent = False
    assert kept, "some company's value should have been kept across a touch"


def test_an_actors_private_figures_are_frozen_as_freeze_does_them():
    """The books' private part (plain values and fresh flat dicts of numbers, sometimes a
    list or set), made cheaply: each value comes out as ``freeze`` makes it, the plain ones
    are the same objects, in the same order."""
    from game.views import _frozen_private

    stakes = {"A": 0.1}
    figures = {
        "cash": 1.5,
        "stakes": stakes,
        "ready": True,
        "left": None,
        "name": "Lab",
        "n": 3,
        "fabs": [(1, "x"), (2, "y")],
        "tags": {"b", "a"},
    }
    want = dict(freeze(dict(figures)))
    got = _frozen_private(dict(figures))
    assert list(got) == list(want) and got == want
    for k, v in got.items():
        assert type(v) is type(want[k]), k
        if type(figures[k]) in (float, bool, str, int, type(None)):
            assert v is figures[k]
    assert got["stakes"] == stakes and type(got["stakes"]) is MappingProxyType
    assert got["fabs"] == ((1, "x"), (2, "y")) and got["tags"] == ("a", "b")


def test_what_every_actor_sees_is_made_once_a_moment_and_again_when_any_of_its_versions_moves():
    """The parts every observation shares are made once for all actors, and made again when
    anything public, the events in force, the quarter or a contract's status moves on (each
    moved here alone, as the engine would with what it depends on)."""
    base = new_game("baseline-2024", seed=3, quarters=6)
    base.step()
    first, second = (a.name for a in base.actor_list[:2])
    one, two = base.observe(first), base.observe(second)
    for part in ("public", "market", "free_capacity", "contracts", "news", "events", "rules"):
        assert getattr(one, part) is getattr(two, part), part

    m = base.clone()  # (a clone's caches start empty: each is observed before the change)
    m.observe(second)
    m.news.append("a headline")
    m._version += 1  # as the chronicle does when it says something
    assert m.observe(first).news[-1] == "a headline"

    m = base.clone()
    m.observe(second)
    m.modifiers.us_capex = 0.5
    m._events_version += 1  # as the events' opening does when the modifiers change
    assert m.observe(first).modifiers["us_capex"] == 0.5
    m.modifiers.share_boost[second] = 0.25  # (the modifiers' view is kept while they are equal)
    m._events_version += 1
    assert m.observe(first).modifiers["share_boost"] == {second: 0.25}
    m.modifiers = dataclasses.replace(m.modifiers, share_boost={})
    m._events_version += 1
    assert m.observe(first).modifiers["share_boost"] == {}

    m = base.clone()
    before = m.observe(first)
    m.quarter_index += 1
    after = m.observe(first)
    assert (after.quarter, after.quarters_left) == (before.quarter + 1, before.quarters_left - 1)

    m = base.clone()
    m.observe(second)
    signed = next(iter(m.contracts.values()))
    signed.status = ContractStatus.BREACHED
    m._contracts_version += 1  # as set_status does
    assert m.observe(first).contracts[0]["status"] == ContractStatus.BREACHED


def test_who_waits_for_an_answer_is_everyone_with_open_offers_in_their_inbox_as_bots_settle():
    """``Negotiation.waiting`` (read once a round by the bots' settling, and again after each
    bot that answered) names exactly the actors whose inbox holds an open offer."""
    spec = load_scenario("crowded")
    outside = [a.name for a in spec.actors][::3]  # their offers wait for the quarter's close
    m = new_game(spec, seed=2, quarters=3, policies=dict.fromkeys(outside))
    names = [a.name for a in m.actor_list]
    seen = 0
    while not m.finished:
        m.open_quarter()
        neg = m.negotiation
        want = {n for n in names if neg.inbox(n)}
        assert neg.waiting() == want
        seen += len(want)
        m.step()
        assert m.negotiation.waiting() == {n for n in names if m.negotiation.inbox(n)}
    assert seen, "some offers to outside seats should wait for the quarter's close"


def test_terms_are_parsed_with_each_classs_fields_read_once_and_numbers_checked_as_before():
    """parse_terms reads a terms class's fields once (they never change); plain floats and
    ints take a short way past the number check, which still refuses bools and text and
    takes any other real number (numpy's included)."""
    import dataclasses as dc

    import numpy as np

    from game.deals import _TERM_FIELDS, DealError, parse_terms, terms_class

    raw = {"quantity": 12.5, "quarters": 4, "price": 28.5, "prepay": 0.1}
    terms = parse_terms(DealKind.SUPPLY, raw)
    cls = terms_class(DealKind.SUPPLY)
    assert list(_TERM_FIELDS[cls]) == [f.name for f in dc.fields(cls)]
    assert terms.to_dict() == raw
    as_numpy = parse_terms("supply", {**raw, "price": np.float32(28.5), "quarters": np.int64(4)})
    assert as_numpy == terms and type(as_numpy.price) is float and type(as_numpy.quarters) is int
    for bad in (True, "28.5", None):
        with pytest.raises(DealError, match="term 'price' of a supply deal must be a number"):
            parse_terms(DealKind.SUPPLY, {**raw, "price": bad})
    with pytest.raises(DealError, match="unknown term 'a' for a supply deal"):
        parse_terms(DealKind.SUPPLY, {**raw, "b": 1, "a": 2})
