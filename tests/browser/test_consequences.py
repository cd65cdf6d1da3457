"""Consequences before a decision, in a real browser: a counter-offer's changes and the control
it costs, a deal's payments and runway in the builder, the distress banner (see conftest.py).

The tests share one page (one browser context); each starts its own game on it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from test_play import choose, end_quarter, start_game


@pytest.fixture(scope="module")
def game_page(browser: Any, server: Any) -> Iterator[Page]:
    ctx = browser.new_context(viewport={"width": 1366, "height": 900})
    page = ctx.new_page()
    yield page
    ctx.close()


def test_an_equity_counter_shows_what_changed_and_the_control_it_costs(
    game_page: Page, server: Any, watch: Any, shot: Any
) -> None:
    page = game_page
    watch(page)
    start_game(page, server.url, seat="OpenAI", seed=1)
    deals = page.locator(".fr-deals")
    # the builder's first deal (equity to Nvidia) says what it does before it is sent
    expect(deals.locator(".fr-consequences")).to_contain_text("on signing you receive")
    expect(deals.locator(".fr-consequences")).to_contain_text("your control 1.00 →")
    deals.get_by_role("button", name="Send offer").click()
    expect(page.locator(".fr-msg-deal")).to_contain_text("Nvidia countered: stake")
    offer = page.locator(".fr-inbox .fr-offer").filter(has_text="Nvidia offers")
    expect(offer.locator("mark.fr-changed")).to_contain_text("stake")
    expect(offer.locator("mark.fr-changed")).to_contain_text("(was ")
    expect(offer.locator(".fr-consequences")).to_contain_text("implied valuation")
    expect(offer.locator(".fr-consequences")).to_contain_text("your control 1.00 →")
    shot(offer, "inbox-equity-counter")
    # accepted, then a stake that would take control under one half: a warning with its cost
    offer.get_by_role("button", name="Accept").click()
    expect(page.locator(".fr-msg-inbox.fr-ok")).to_be_visible()
    deals.get_by_label("stake").fill("0.45")
    deals.get_by_label("amount").fill("3")
    expect(deals.locator(".fr-warn")).to_contain_text("below 0.5")
    shot(deals, "deal-builder-control-warning")


def test_a_loan_preview_shows_payments_per_quarter_and_runway(
    game_page: Page, server: Any, watch: Any
) -> None:
    page = game_page
    watch(page)
    start_game(page, server.url, seat="OpenAI", seed=2)
    end_quarter(page)  # a quarter played: a burn to measure the runway by
    deals = page.locator(".fr-deals")
    choose(page, "Deal kind", "loan")
    choose(page, "To", "MGX")
    conseq = deals.locator(".fr-consequences")
    expect(conseq).to_contain_text("a quarter for")
    expect(conseq).to_contain_text("cash after signing")
    expect(conseq).to_contain_text("runway")


def test_the_distress_banner_forecasts_the_runway(
    game_page: Page, server: Any, watch: Any, shot: Any
) -> None:
    page = game_page
    watch(page)
    start_game(page, server.url, seat="OpenAI", seed=1)
    expect(page.locator(".fr-distress")).to_have_count(0)
    for _ in range(6):
        end_quarter(page)
    banner = page.locator(".fr-distress")
    expect(banner).to_contain_text("Cash runs out in about")
    expect(banner).to_contain_text("Ways out")
    expect(banner).to_contain_text("Loan from MGX")
    shot(page, "distress-banner")


def test_negotiation_answers_say_what_happened_and_expiry_is_shown(
    game_page: Page, server: Any, watch: Any, shot: Any
) -> None:
    page = game_page
    watch(page)
    start_game(page, server.url, seat="OpenAI", seed=1)
    deals = page.locator(".fr-deals")
    deals.get_by_role("button", name="Send offer").click()
    answer = page.locator(".fr-msg-deal")
    expect(answer).to_contain_text("Nvidia countered: stake 0.02 → ")
    offer = page.locator(".fr-inbox .fr-offer").filter(has_text="Nvidia offers")
    expect(offer.locator(".fr-round")).to_contain_text("round 2 of")
    expect(offer.locator(".fr-round")).to_contain_text("expires at the end of 2024Q1")
    # a counter of ours to the counter: the bot's answer in words
    offer.get_by_role("button", name="Edit counter terms").click()
    offer.get_by_label("stake").fill("0.03")
    offer.get_by_role("button", name="Counter").click()
    expect(page.locator(".fr-msg-inbox")).to_contain_text("Nvidia")
    text = page.locator(".fr-msg-inbox").inner_text()
    assert any(w in text for w in ("refused your", "accepted", "countered")), text
    assert "done" not in text
    shot(page.locator(".fr-inbox"), "inbox-answer")
    # what is left unanswered expires with the quarter, and the summary says so
    end_quarter(page)
    summary = page.locator(".fr-summary")
    expect(summary).to_contain_text("Last quarter (2024Q1)")
    expect(summary).to_contain_text("Expired unanswered")
    expect(summary).to_contain_text("MGX's equity investment to you")
    shot(summary, "quarter-summary")


def test_contracts_score_parts_and_a_readable_graph(
    game_page: Page, server: Any, watch: Any, shot: Any
) -> None:
    page = game_page
    watch(page)
    start_game(page, server.url, seat="OpenAI", seed=3)
    contracts = page.locator(".fr-contracts")
    expect(contracts).to_contain_text("No contracts yet")
    choose(page, "Deal kind", "loan")
    choose(page, "To", "MGX")
    expect(page.locator(".fr-deals .fr-consequences")).to_contain_text("then you pay")
    page.locator(".fr-deals").get_by_role("button", name="Send offer").click()
    expect(page.locator(".fr-msg-deal")).to_contain_text("MGX accepted: the loan is signed")
    row = contracts.locator("tr").filter(has_text="Loan")
    expect(row).to_contain_text("MGX")
    expect(row).to_contain_text("you pay $")
    expect(row).to_contain_text("active")
    end_quarter(page)
    # why the score changed: each part with what it counts
    breakdown = page.locator(".fr-breakdown")
    expect(breakdown).to_contain_text("what it counts")
    expect(breakdown.locator("tr").filter(has_text="concentration")).to_contain_text(
        "dependence on merchant chip vendors"
    )
    # money flows read as the player sees them; no code names
    expect(page.locator(".fr-books")).not_to_contain_text("loan principal")
    shot(page.locator(".fr-books"), "books-score-parts")
    shot(contracts, "contracts-table")
    # the graph: filter by kind hides the other contracts; a click on a contract shows details
    page.wait_for_function(
        """() => { let e = document.querySelector("canvas[data-id='layer2-node']");
                   while (e && !e._cyreg) e = e.parentElement;
                   return e && e._cyreg.cy.edges().length >= 2; }"""
    )
    visible = """() => { let e = document.querySelector("canvas[data-id='layer2-node']");
                   while (e && !e._cyreg) e = e.parentElement;
                   return e._cyreg.cy.edges().filter(x => x.visible())
                            .map(x => x.data('kind')); }"""
    assert "loan" in page.evaluate(visible)
    choose(page, "Show contracts", "capacity")
    page.wait_for_function(f"() => ({visible})().every(k => k === 'capacity')")
    choose(page, "Show contracts", "all")
    page.wait_for_function(f"() => ({visible})().includes('loan')")
    sizes = page.evaluate(
        """() => { let e = document.querySelector("canvas[data-id='layer2-node']");
                   while (e && !e._cyreg) e = e.parentElement;
                   return e._cyreg.cy.nodes().map(n => n.data('size')); }"""
    )
    assert max(sizes) <= 64, sizes
    shot(page.locator(".fr-graph"), "graph")
