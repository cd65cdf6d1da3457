"""Tables in a real browser: several people in one game, each in their own browser context,
against ``fabrace play`` (see conftest.py).

One walk through a duel table keeps the suite fast: a host, two people (Ann at OpenAI, Bob at
Nvidia), a spectator and a visitor, each in their own context. The websocket frames each page
receives are recorded, so the isolation checks look at what reached the browser, not only at
what it shows.
"""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import Browser, BrowserContext, Page, expect

AMOUNT, STAKE = "2.345", "0.0234"  # an offer's terms no one else uses


class Frames:
    """Every websocket frame a page receives, as text."""

    def __init__(self, page: Page) -> None:
        self.texts: list[str] = []
        page.on("websocket", lambda ws: ws.on("framereceived", self._got))

    def _got(self, payload: Any) -> None:
        if isinstance(payload, bytes):
            payload = payload.decode("utf-8", errors="replace")
        self.texts.append(str(payload))

    def has(self, text: str) -> bool:
        return any(text in t for t in self.texts)


def pick(page: Page, scope: str, label: str, option: str) -> None:
    """Pick ``option`` in the select labelled ``label`` inside ``scope`` (a CSS selector)."""
    field = page.locator(f"{scope} .v-select").filter(
        has=page.locator("label", has_text=re.compile(rf"^\s*{re.escape(label)}\s*$"))
    )
    field.click()
    menu = page.locator(".menuable__content__active")
    menu.locator(".v-list-item", has_text=re.compile(rf"^\s*{re.escape(option)}\s*$")).click()
    expect(field.locator(".v-select__selection")).to_have_text(option)
    expect(menu).to_have_count(0)


def _context(browser: Browser, browser_context_args: dict[str, Any]) -> BrowserContext:
    return browser.new_context(**browser_context_args)


def _status(page: Page) -> Any:
    return page.locator(".fr-table-status")


def take_seat(page: Page, link: str, actor: str, name: str) -> None:
    page.goto(link)
    page.locator(".fr-display-name input").fill(name)
    page.get_by_role("button", name=re.compile(f"^Take {actor} ")).click()
    expect(page.get_by_role("button", name="End quarter")).to_be_visible()
    expect(page.locator(".fr-me")).to_have_text(name)


def test_two_people_play_one_table(
    server: Any, browser: Browser, browser_context_args: dict[str, Any], watch: Any, shot: Any
) -> None:
    contexts = [_context(browser, browser_context_args) for _ in range(4)]
    try:
        host, ann, bob, spectator = (c.new_page() for c in contexts)
        for page, name in ((host, "host"), (ann, "Ann"), (bob, "Bob"), (spectator, "spectator")):
            watch(page, name)
        frames = {"Ann": Frames(ann), "Bob": Frames(bob), "spectator": Frames(spectator)}

        # the host: a duel table, OpenAI and Nvidia for people (the form's default seats)
        host.goto(server.url)
        pick(host, ".fr-host-form", "World to play", "duel")
        host.get_by_role("button", name="Host a table").click()
        expect(host.locator(".fr-link-table")).to_be_visible()
        assert "?host=" in host.url
        link = host.locator(".fr-link-table").input_value()
        watch_link = host.locator(".fr-link-watch").input_value()
        table_id = link.split("?table=")[1]
        assert watch_link.endswith(f"?watch={table_id}") and table_id in host.url
        host_key = host.evaluate(f"() => localStorage.getItem('fabrace-table-{table_id}')")
        assert '"host"' in host_key
        assert host_key.split('"')[3] not in link + watch_link + host.url  # no token in a link

        take_seat(ann, link, "OpenAI", "Ann")
        take_seat(bob, link, "Nvidia", "Bob")
        spectator.goto(watch_link)
        expect(spectator.locator(".fr-watch-seats")).to_contain_text("Ann")
        expect(spectator.locator(".fr-watch-seats")).to_contain_text("Bob")

        # an offer from Ann to Bob, answered in Bob's page
        deals = ann.locator(".fr-deals")
        pick(ann, ".fr-deals", "To", "Nvidia")
        deals.get_by_label("amount").fill(AMOUNT)
        deals.get_by_label("stake").fill(STAKE)
        deals.get_by_role("button", name="Send offer").click()
        expect(ann.locator(".fr-msg-deal")).to_contain_text("not answered")
        offer = bob.locator(".fr-inbox .fr-offer").filter(has_text="OpenAI offers")
        expect(offer).to_contain_text(f"amount {AMOUNT}")  # arrives with Bob's next poll
        assert not frames["spectator"].has(AMOUNT)  # an open offer is its parties' alone
        shot(bob, "table-bob-inbox")
        offer.get_by_role("button", name="Accept").click()
        expect(bob.locator(".fr-msg-inbox.fr-ok")).to_be_visible()
        expect(spectator.locator(".fr-watch-contracts")).to_contain_text(AMOUNT)
        expect(ann.locator(".fr-contracts")).to_contain_text(AMOUNT)

        # the quarter is played only when both have ended it
        ann.get_by_role("button", name="End quarter").click()
        expect(_status(ann)).to_contain_text("You have ended the quarter")
        expect(_status(bob)).to_contain_text("Still deciding: Bob (Nvidia) — you")
        expect(ann.locator(".fr-quarter")).to_have_text("2024Q1")
        expect(bob.locator(".fr-quarter")).to_have_text("2024Q1")
        bob.get_by_role("button", name="End quarter").click()
        for page in (ann, bob):
            expect(page.locator(".fr-quarter")).to_have_text("2024Q2")
        expect(spectator.locator(".fr-table-quarter")).to_have_text("2024Q2")
        expect(host.locator(".fr-table-quarter")).to_have_text("2024Q2")

        # a reload keeps Bob's seat and its state
        bob_score = bob.locator(".fr-score").inner_text().strip()
        bob.reload()
        expect(bob.locator(".fr-me")).to_have_text("Bob")
        expect(bob.locator(".fr-quarter")).to_have_text("2024Q2")
        expect(bob.locator(".fr-score")).to_have_text(bob_score)
        expect(bob.locator(".fr-contracts")).to_contain_text(AMOUNT)

        # isolation: Bob's score (private until the scorecard) reached Bob's browser only
        ann_score = ann.locator(".fr-score").inner_text().strip()
        mine = re.search(r"[+-]\d+\.\d{3}", bob_score)
        assert mine is not None and bob_score != ann_score, (bob_score, ann_score)
        assert frames["Bob"].has(mine.group(0))  # the check can see it where it is sent
        assert not frames["Ann"].has(mine.group(0)), "Bob's score reached Ann's browser"
        assert not frames["spectator"].has(mine.group(0)), "a score reached the spectator"
        expect(spectator.get_by_role("heading", name="Your books")).to_have_count(0)
        expect(spectator.get_by_role("button", name="End quarter")).to_have_count(0)

        # the table link lets a visitor take a free seat, never act for one taken
        visitor = contexts[3].new_page()
        watch(visitor, "visitor")
        visitor.goto(link)
        expect(visitor.locator(".fr-seats")).to_contain_text("Every seat for people is taken")
        expect(visitor.get_by_role("button", name="End quarter")).to_have_count(0)
        expect(visitor.locator(".fr-return-seat")).to_have_count(0)
        shot(host, "table-host")
        shot(spectator, "table-spectator")
    finally:
        for c in contexts:
            c.close()
