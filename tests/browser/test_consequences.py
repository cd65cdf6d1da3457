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
    start_game(page, server.url, seat="Lab", seed=1)
    deals = page.locator(".fr-deals")
    # the builder's first deal (equity to Chips) says what it does before it is sent
    expect(deals.locator(".fr-consequences")).to_contain_text("on signing you receive")
    expect(deals.locator(".fr-consequences")).to_contain_text("your control 1.00 →")
    deals.get_by_role("button", name="Send offer").click()
    expect(page.locator(".fr-msg-deal")).to_contain_text("Chips countered: stake")
    offer = page.locator(".fr-inbox .fr-offer").filter(has_text="Chips offers")
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
    start_game(page, server.url, seat="Lab", seed=2)
    end_quarter(page)  # a quarter played: a burn to measure the runway by
    deals = page.locator(".fr-deals")
    choose(page, "Deal kind", "loan")
    choose(page, "To", "Fund")
    conseq = deals.locator(".fr-consequences")
    expect(conseq).to_contain_text("a quarter for")
    expect(conseq).to_contain_text("cash after signing")
    expect(conseq).to_contain_text("runway")


def test_the_distress_banner_forecasts_the_runway(
    game_page: Page, server: Any, watch: Any, shot: Any
) -> None:
    page = game_page
    watch(page)
    start_game(page, server.url, seat="Lab", seed=1)
    expect(page.locator(".fr-distress")).to_have_count(0)
    for _ in range(6):
        end_quarter(page)
    banner = page.locator(".fr-distress")
    expect(banner).to_contain_text("Cash runs out in about")
    expect(banner).to_contain_text("Ways out")
    expect(banner).to_contain_text("Loan from Fund")
    shot(page, "distress-banner")


def test_negotiation_answers_say_what_happened_and_expiry_is_shown(
    game_page: Page, server: Any, watch: Any, shot: Any
) -> None:
    page = game_page
    watch(page)
    start_game(page, server.url, seat="Lab", seed=1)
    deals = page.locator(".fr-deals")
    deals.get_by_role("button", name="Send offer").click()
    answer = page.locator(".fr-msg-deal")
    expect(answer).to_contain_text("Chips countered: stake 0.02 → ")
    offer = page.locator(".fr-inbox .fr-offer").filter(has_text="Chips offers")
    expect(offer.locator(".fr-round")).to_contain_text("round 2 of")
    expect(offer.locator(".fr-round")).to_contain_text("expires at the end of 2024Q1")
    # a counter of ours to the counter: the bot's answer in words
    offer.get_by_role("button", name="Edit counter terms").click()
    offer.get_by_label("stake").fill("0.03")
    offer.get_by_role("button", name="Counter").click()
    expect(page.locator(".fr-msg-inbox")).to_contain_text("Chips")
    text = page.locator(".fr-msg-inbox").inner_text()
    assert any(w in text for w in ("refused your", "accepted", "countered")), text
    assert "done" not in text
    shot(page.locator(".fr-inbox"), "inbox-answer")
    # what is left unanswered expires with the quarter, and the summary says so
    end_quarter(page)
    summary = page.locator(".fr-summary")
    expect(summary).to_contain_text("Last quarter (2024Q1)")
    expect(summary).to_contain_text("Expired unanswered")
    expect(summary).to_contain_text("Fund's equity investment to you")
    shot(summary, "quarter-summary")
