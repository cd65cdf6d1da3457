"""Parsing a deal's terms: kinds given as members or names, required terms, bounds."""

from __future__ import annotations

import pytest

from game.deals import DealError, DealKind, LoanTerms, parse_terms, terms_class

LOAN = {"principal": 10.0, "rate": 0.08, "quarters": 8}


@pytest.mark.parametrize("kind", [DealKind.LOAN, "loan"])
def test_a_kind_is_found_by_member_or_by_name(kind):
    assert terms_class(kind) is LoanTerms
    assert parse_terms(kind, LOAN) == LoanTerms(principal=10.0, rate=0.08, quarters=8)


@pytest.mark.parametrize("kind", ["LOAN", "bogus", ["loan"], None, 3])
def test_an_unknown_kind_is_refused_with_the_known_ones(kind):
    with pytest.raises(DealError, match=r"unknown deal kind .* \(known: equity, loan"):
        terms_class(kind)


def test_a_missing_required_term_is_named():
    with pytest.raises(DealError, match="missing term 'rate' for a loan deal"):
        parse_terms("loan", {"principal": 10.0, "quarters": 8})


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("principal", 0.0, "must be > 0"),  # an open lower bound
        ("rate", 0.6, "must be <= 0.5"),
        ("quarters", 2.5, "must be a whole number"),
        ("quarters", 41, "must be <= 40"),
        ("rate", "high", "must be a number"),
    ],
)
def test_each_term_is_kept_within_its_bounds(field, value, message):
    with pytest.raises(DealError, match=message):
        parse_terms("loan", {**LOAN, field: value})


def test_a_whole_number_term_becomes_an_int_and_the_others_floats():
    t = parse_terms("loan", {"principal": 10, "rate": 0.08, "quarters": 8.0})
    assert type(t.quarters) is int and type(t.principal) is float
