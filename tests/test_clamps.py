"""The engine's clamps written without ``min``/``max`` give what the built-ins would."""

from __future__ import annotations

import pytest

from game.deals import LoanTerms
from game.graph import PartnershipGraph
from game.negotiation import Negotiation


@pytest.mark.parametrize("delta", [-2.0, -0.6, -0.5, -0.1, 0.0, 0.3, 0.5, 0.7, 2.0])
def test_trust_moves_by_delta_within_zero_and_one(delta):
    g = PartnershipGraph([("a", {}), ("b", {})], initial_trust=0.5)
    g.adjust_trust("a", "b", delta)
    assert g.trust("a", "b") == min(1.0, max(0.0, 0.5 + delta))
    assert g.trust("b", "a") == 0.5
    assert g.trust_from("a") == {"b": g.trust("a", "b")}  # the table by actor kept up to date
    g2 = PartnershipGraph([("a", {}), ("b", {})], initial_trust=0.5)
    g2.trust_from("a")  # the table by actor made first, then kept up to date
    g2.adjust_trust("a", "b", delta)
    assert g2.trust_of("b") == {"a": g.trust("a", "b")}


@pytest.mark.parametrize("outstanding", [0.0, 1.0, 2.5, 5.0, 10.0])
def test_a_loan_instalment_is_never_more_than_what_is_outstanding(outstanding):
    t = LoanTerms(principal=10.0, rate=0.08, quarters=4)
    principal, interest = t.instalment(outstanding)
    assert principal == min(outstanding, 2.5)
    assert interest == outstanding * 0.08 / 4.0


@pytest.mark.parametrize(
    ("extra", "opened", "left"), [(0, 0, 3), (0, 2, 1), (0, 3, 0), (0, 5, 0), (2, 4, 1)]
)
def test_the_offers_left_never_go_below_zero(extra, opened, left):
    n = Negotiation(action_budget=3, max_rounds=2)
    n.opened["x"] = opened
    assert n.budget_left("x", extra) == left
