"""Load log against files that must be refused, in a real browser against ``fabrace play``.

A log too large (over the page's limit, or over the server's 16 MiB websocket limit, which
closed the connection and reset the page) and a log nested too deep each get a message on the
start screen, which stays as the player left it (the same session: no reload, no reset); names a
log carries are shown literally. See conftest.py for the server and the checks every test gets.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect

from game.limits import MAX_JSON_DEPTH
from game.log_chain import chained_lines
from ui.session import GameSession

FIRST_RENDER_MS = 60_000  # the first page of a session also imports the game on the server
LOAD = "input[type=file][aria-label='Load log']"


def open_start(page: Page, url: str) -> None:
    page.goto(url)
    expect(page.get_by_role("button", name="Start game")).to_be_visible(timeout=FIRST_RENDER_MS)


def played_log(quarters: int = 2) -> str:
    s = GameSession("duel", seat="OpenAI", seed=3, quarters=quarters)
    while not s.finished:
        s.end_quarter()
    return s.log_text()


def mark_session(page: Page) -> None:
    """Leave something on the page that a reset would lose: a seed typed in, and a marker on
    the window object (gone if the page reloads)."""
    page.locator(".fr-seed input").fill("42")
    page.evaluate("() => { window.__fr_same_page = true; }")


def assert_same_session(page: Page) -> None:
    expect(page.get_by_role("button", name="Start game")).to_be_visible()
    expect(page.locator(".fr-seed input")).to_have_value("42")
    assert page.evaluate("() => window.__fr_same_page === true"), "the page was reloaded"


def no_dialogs(page: Page) -> list[str]:
    seen: list[str] = []

    def on_dialog(d: Any) -> None:
        seen.append(d.message)
        d.dismiss()

    page.on("dialog", on_dialog)
    return seen


def test_a_log_too_large_gets_a_message_and_the_page_stays(
    page: Page, server: Any, watch: Any, tmp_path: Path
) -> None:
    watch(page)
    open_start(page, server.url)
    mark_session(page)
    # over the server's 16 MiB websocket limit (it used to close the connection: a fresh page)
    big = tmp_path / "big.jsonl"
    line = json.dumps({"type": "event", "pad": "x" * 1000}) + "\n"
    big.write_text(played_log() + line * (17 * 1024), encoding="utf-8")
    page.locator(LOAD).set_input_files(str(big))
    error = page.locator(".fr-error")
    expect(error).to_contain_text("big.jsonl: too large to load in the browser (17.")
    expect(error).to_contain_text("the limit is 8 MiB")
    expect(error).to_contain_text("fabrace replay big.jsonl")
    assert_same_session(page)
    # under the server's limit but over the page's: the same message, and a good log still loads
    mid = tmp_path / "mid.jsonl"
    mid.write_text(played_log() + line * (9 * 1024), encoding="utf-8")
    page.locator(LOAD).set_input_files(str(mid))
    expect(error).to_contain_text("mid.jsonl: too large to load in the browser (9.")
    assert_same_session(page)
    good = tmp_path / "good.jsonl"
    good.write_text(played_log(), encoding="utf-8")
    page.locator(LOAD).set_input_files(str(good))
    expect(page.get_by_role("button", name="Next quarter")).to_be_visible()
    expect(page.locator(".fr-error")).to_have_count(0)


def test_a_log_nested_too_deep_gets_a_message_and_no_recursion_error(
    page: Page, server: Any, watch: Any, tmp_path: Path
) -> None:
    watch(page)  # also fails on a traceback in the server's log
    start = server.log_size()
    open_start(page, server.url)
    mark_session(page)
    lines = played_log().splitlines()
    lines.insert(1, '{"type": "event", "x": ' + "[" * 200_000 + "]" * 200_000 + "}")
    deep = tmp_path / "deep.jsonl"
    deep.write_text("\n".join(lines) + "\n", encoding="utf-8")
    page.locator(LOAD).set_input_files(str(deep))
    expect(page.locator(".fr-error")).to_have_text(
        f"deep.jsonl: line 2: nested more than {MAX_JSON_DEPTH} deep"
    )
    assert_same_session(page)
    assert "RecursionError" not in server.log_text(start)


def test_names_in_a_loaded_log_are_shown_literally(
    page: Page, server: Any, watch: Any, tmp_path: Path
) -> None:
    watch(page)
    dialogs = no_dialogs(page)
    records = [json.loads(x) for x in played_log().splitlines()]
    scenario, policy = "<img src=x onerror=alert(1)>", "[x](javascript:alert(2))"
    records[0]["scenario"] = records[0]["spec"]["name"] = scenario
    records[0]["policies"] = dict.fromkeys(records[0]["policies"], policy)
    for r in records:
        r.pop("n", None), r.pop("h", None)
    log = tmp_path / "<i>named.jsonl"
    log.write_text(chained_lines(records), encoding="utf-8")
    open_start(page, server.url)
    page.locator(LOAD).set_input_files(str(log))
    expect(page.get_by_role("button", name="Next quarter")).to_be_visible()
    expect(page.get_by_text(f"{scenario}, seed 3")).to_be_visible()  # the text, as it is
    expect(page.locator(".fr-scorecard")).to_contain_text(policy)
    assert page.locator(".fr-game img[src='x'], img[src='x']").count() == 0
    assert page.locator("a[href^='javascript']").count() == 0
    page.get_by_role("button", name="Next quarter").click()
    expect(page.locator(".fr-quarter")).to_have_text("2024Q2")
    assert not dialogs, dialogs
