"""A game that survives the player, and a layout that fits: double clicks, reloads, New game,
save and resume, the log at any time, number input, and 1024×700 (see conftest.py).

The tests share one page (one browser context) where they can: each starts its own game on it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from test_play import FIRST_RENDER_MS, end_quarter, quarter, start_game

SMALL = {"width": 1024, "height": 700}


@pytest.fixture(scope="module")
def small(browser: Any, server: Any) -> Iterator[Page]:
    """One page at 1024×700 for the tests of this module (each starts its own game on it)."""
    ctx = browser.new_context(viewport=SMALL, accept_downloads=True)
    page = ctx.new_page()
    yield page
    ctx.close()


def in_viewport(page: Page, selector: str) -> bool:
    """Whether the element's box lies inside the window, with nothing scrolled."""
    return bool(
        page.evaluate(
            """(s) => { const e = document.querySelector(s); if (!e) return false;
                        const r = e.getBoundingClientRect();
                        return r.width > 0 && r.top >= 0 && r.left >= 0 &&
                               r.bottom <= window.innerHeight && r.right <= window.innerWidth; }""",
            selector,
        )
    )


def test_a_double_click_on_end_quarter_plays_one_quarter(
    small: Page, server: Any, watch: Any, shot: Any
) -> None:
    watch(small)
    start_game(small, server.url, seat="OpenAI", seed=5)
    button = small.locator(".fr-end-quarter")
    button.dblclick()
    expect(small.locator(".fr-quarter")).to_have_text("2024Q2")
    expect(button).to_be_enabled()  # the server answered: nothing else is in flight
    expect(small.locator(".fr-quarter")).to_have_text("2024Q2")
    expect(small.locator(".fr-progress")).to_have_text("quarter 2 of 12")


def test_the_layout_at_1024_by_700(small: Page, server: Any, watch: Any, shot: Any) -> None:
    watch(small)
    start_game(small, server.url, scenario="baseline-2024", seat="OpenAI", seed=2)
    expect(small.get_by_role("heading", name="Inbox", exact=True)).to_be_visible()
    # End quarter and the inbox are above the fold, without scrolling
    assert in_viewport(small, ".fr-end-quarter")
    assert in_viewport(small, ".fr-inbox h2")
    # no Solara badge over the content
    badge = small.get_by_text("This website runs on")
    assert badge.count() == 0 or not badge.first.is_visible()
    shot(small, "game-1024x700")
    # the header stays on screen when the page scrolls
    small.get_by_role("heading", name="Charts", exact=True).scroll_into_view_if_needed()
    assert in_viewport(small, ".fr-end-quarter"), "the header scrolled away"
    assert in_viewport(small, ".fr-quarter")
    shot(small, "game-1024x700-scrolled")
    # the world's second edition: Taiwan's share of the wafers, your power and chips
    expect(small.locator(".fr-world")).to_contain_text("Taiwan's share of the wafer capacity")
    expect(small.locator(".fr-world")).to_contain_text("Your own chips")
    shot(small.locator(".fr-world"), "world-panel")
    # the rules are reachable from the game page
    small.get_by_role("button", name="Rules").click()
    expect(small.locator(".fr-rules")).to_contain_text("Your goal as AI lab")
    small.get_by_role("button", name="Hide rules").click()
    expect(small.locator(".fr-rules")).to_have_count(0)


def test_a_decimal_comma_is_refused_not_read_as_55(
    small: Page, server: Any, watch: Any, shot: Any
) -> None:
    watch(small)
    start_game(small, server.url, seat="OpenAI", seed=1)
    deals = small.locator(".fr-deals")
    amount = deals.get_by_label("amount", exact=False).first
    amount.fill("5,5")
    expect(deals.locator(".fr-preview-ok")).to_have_count(0)
    expect(deals).to_contain_text("write decimals with a dot (e.g. 5.5)")
    expect(deals).not_to_contain_text("$55")
    shot(deals, "deal-decimal-comma")
    amount.fill("5.5")
    expect(deals.locator(".fr-preview-ok")).to_be_visible()


def test_new_game_asks_and_a_reload_brings_the_game_back(
    small: Page, server: Any, watch: Any, shot: Any
) -> None:
    watch(small)
    start_game(small, server.url, seat="TSMC", seed=9)
    end_quarter(small)
    small.reload()
    expect(small.locator(".fr-quarter")).to_have_text("2024Q2", timeout=FIRST_RENDER_MS)
    expect(small.locator(".fr-topbar")).to_contain_text("TSMC")
    # a lost connection: the page reconnects to the same game
    small.context.set_offline(True)
    small.wait_for_timeout(300)
    small.context.set_offline(False)
    assert end_quarter(small) == "2024Q3"
    small.get_by_role("button", name="New game").click()
    expect(small.locator(".fr-confirm")).to_contain_text("Leave this game")
    shot(small, "new-game-confirm")
    small.get_by_role("button", name="Keep playing").click()
    expect(small.locator(".fr-confirm")).to_have_count(0)
    assert quarter(small) == "2024Q3"
    small.get_by_role("button", name="New game").click()
    small.get_by_role("button", name="Leave game").click()
    expect(small.get_by_role("button", name="Start game")).to_be_visible()
    small.reload()  # left: a reload shows the start page, not the old game
    expect(small.get_by_role("button", name="Start game")).to_be_visible(timeout=FIRST_RENDER_MS)


def test_save_then_resume_and_the_log_at_any_time(
    small: Page, server: Any, watch: Any, shot: Any, tmp_path: Path
) -> None:
    watch(small)
    start_game(small, server.url, scenario="baseline-2024", seat="OpenAI", seed=3)
    end_quarter(small)
    with small.expect_download() as dl:
        small.get_by_role("button", name="Download log").click()
    lines = Path(dl.value.path()).read_text().splitlines()
    assert json.loads(lines[0])["type"] == "header" and len(lines) > 2
    with small.expect_download() as dl:
        small.get_by_role("button", name="Save game").click()
    save = tmp_path / dl.value.suggested_filename
    dl.value.save_as(save)
    assert save.name.endswith(".save.json") and "2024Q2" in save.name
    small.get_by_role("button", name="New game").click()
    small.get_by_role("button", name="Leave game").click()
    # an untrusted file: a clear message, the start page stays
    bad = tmp_path / "notes.json"
    bad.write_text('{"hello": 1}')
    small.locator("input[type=file][aria-label='Resume a saved game']").set_input_files(str(bad))
    expect(small.locator(".fr-error")).to_contain_text("notes.json: not a Fab Race save")
    shot(small, "start-resume-error")
    small.locator("input[type=file][aria-label='Resume a saved game']").set_input_files(str(save))
    expect(small.locator(".fr-quarter")).to_have_text("2024Q2")
    expect(small.locator(".fr-topbar")).to_contain_text("OpenAI")
    assert end_quarter(small) == "2024Q3"


def test_the_start_page_tells_the_story_and_uses_a_wide_screen(
    browser: Any, server: Any, watch: Any, shot: Any
) -> None:
    ctx = browser.new_context(viewport={"width": 1600, "height": 1000})
    page = ctx.new_page()
    try:
        watch(page)
        page.goto(server.url)
        expect(page.get_by_role("button", name="Start game")).to_be_visible(timeout=FIRST_RENDER_MS)
        expect(page.locator(".fr-story")).to_contain_text("trillion-dollar")
        expect(page.locator(".v-select").filter(has_text="Scenario")).to_contain_text(
            "baseline-2024"
        )
        box = page.locator(".fr-start").bounding_box()
        assert box is not None and box["width"] > 1400, box
        shot(page, "start-1600")
        page.get_by_role("button", name="Start game").click()
        guide = page.locator(".fr-guide")
        expect(guide).to_contain_text("tip 1 of 4")
        guide.get_by_role("button", name="Next tip").click()
        expect(guide).to_contain_text("tip 2 of 4")
        shot(page, "game-1600-guide")
        guide.get_by_role("button", name="Skip the guide").click()
        expect(page.locator(".fr-guide")).to_have_count(0)
    finally:
        ctx.close()


def test_nothing_is_clipped_in_an_offer_card(
    small: Page, server: Any, watch: Any, shot: Any
) -> None:
    watch(small)
    start_game(small, server.url, seat="OpenAI", seed=1)
    card = small.locator(".fr-inbox .fr-offer").first
    expect(card).to_be_visible()
    button = card.get_by_role("button", name="Edit counter terms")
    outer, inner = card.bounding_box(), button.bounding_box()
    assert outer and inner, (outer, inner)
    assert inner["x"] + inner["width"] <= outer["x"] + outer["width"] + 1, (inner, outer)
    shot(card, "offer-card-1024")
