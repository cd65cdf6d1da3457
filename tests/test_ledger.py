"""The ledger's transfers: money moves only between known accounts, in finite, non-negative
amounts, and every movement is recorded (a zero one, or to oneself, is no movement)."""

from __future__ import annotations

import math
import pickle

import pytest

from game.ledger import OUTSIDE, Ledger, LedgerError, Transfer


@pytest.fixture
def ledger():
    return Ledger({"a": 10.0, "b": 5.0})


def test_a_transfer_moves_the_amount_and_records_it(ledger):
    ledger.quarter = 3
    assert ledger.transfer("a", "b", 2.5, "fee") == 2.5
    assert ledger.balances == {OUTSIDE: 0.0, "a": 7.5, "b": 7.5}
    t = ledger.transfers[-1]
    assert type(t) is Transfer and t == Transfer(3, "a", "b", 2.5, "fee")
    assert pickle.loads(pickle.dumps(t)) == t
    with pytest.raises(AttributeError):
        t.amount = 1.0  # type: ignore[misc]
    assert ledger.imbalance() == 0.0


@pytest.mark.parametrize("amount", [-1.0, math.inf, -math.inf, math.nan])
@pytest.mark.parametrize(("source", "destination"), [("a", "b"), ("a", "a"), ("a", "nobody")])
def test_a_bad_amount_is_refused_before_anything_moves(ledger, amount, source, destination):
    with pytest.raises(LedgerError, match="bad amount"):
        ledger.transfer(source, destination, amount, "fee")
    assert ledger.balances == {OUTSIDE: 0.0, "a": 10.0, "b": 5.0} and not ledger.transfers


@pytest.mark.parametrize("amount", [0.0, 1.0])
@pytest.mark.parametrize(
    ("source", "destination"), [("nobody", "b"), ("a", "nobody"), ("nobody", "nobody")]
)
def test_an_unknown_account_is_refused_before_anything_moves(ledger, amount, source, destination):
    with pytest.raises(LedgerError, match="unknown account"):
        ledger.transfer(source, destination, amount, "fee")
    assert ledger.balances == {OUTSIDE: 0.0, "a": 10.0, "b": 5.0} and not ledger.transfers


@pytest.mark.parametrize(("source", "destination", "amount"), [("a", "b", 0.0), ("a", "a", 4.0)])
def test_a_zero_amount_or_a_payment_to_oneself_moves_nothing(ledger, source, destination, amount):
    assert ledger.transfer(source, destination, amount, "fee") == 0.0
    assert ledger.balances == {OUTSIDE: 0.0, "a": 10.0, "b": 5.0} and not ledger.transfers
