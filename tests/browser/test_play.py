"""The paths a player walks, in a real browser against ``fabrace play`` (see conftest.py).

Every test opens its own browser context (its own game) and fails on any browser error, failed
or non-local request, or server traceback. Timings are measured and printed (``pytest -s``) and
written to tests/browser/artifacts/latency.txt, never asserted: speed belongs in benchmarks.
"""

from __future__ import annotations

import json
import re
import statistics
import time
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from typer.testing import CliRunner

from fabrace.cli import app

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
HEADINGS = (
    "Partnership graph",
    "Your books",
    "Inbox",
    "Deal builder",
    "Moves",
    "News",
    "Charts",
    "Scorecard",
)
SPECTATOR = "Watch the bots (spectator)"
# Four rounds of Send offer + End quarter: the flow of a baseline-2024 quarter in the browser, with
# a typical click and a slow one printed; each round plays a quarter of six bots on the server, so
# more rounds only slow the suite. The server's share of a click has its own benchmark with as
# many as you like (benchmarks/clicks.py)
LATENCY_CLICKS = 4
ANSWER_JS = "() => (document.querySelector('.fr-msg-deal')?.textContent || '').trim()"
FIRST_RENDER_MS = 60_000  # the first page of a session also imports the game on the server


# ----------------------------------------------------------------------------------- helpers
def quarter_after(label: str, n: int = 1) -> str:
    """``2024Q4`` + 1 -> ``2025Q1``."""
    year, q = int(label[:4]), int(label[5])
    i = year * 4 + (q - 1) + n
    return f"{i // 4}Q{i % 4 + 1}"


def wait_text(page: Page, selector: str, text: str, timeout: float | None = None) -> None:
    """Wait for an element's text, polling every animation frame (expect() polls too coarsely
    to time a click)."""
    page.wait_for_function(
        "([s, t]) => document.querySelector(s)?.textContent.trim() === t",
        arg=[selector, text],
        timeout=timeout,
    )


def choose(page: Page, label: str, option: str) -> None:
    """Pick ``option`` in the Vuetify select labelled ``label``."""
    field = page.locator(".v-select").filter(
        has=page.locator("label", has_text=re.compile(rf"^\s*{re.escape(label)}\s*$"))
    )
    field.click()
    menu = page.locator(".menuable__content__active")
    menu.locator(".v-list-item", has_text=re.compile(rf"^\s*{re.escape(option)}\s*$")).click()
    expect(field.locator(".v-select__selection")).to_have_text(option)
    expect(menu).to_have_count(0)


def open_app(page: Page, url: str) -> float:
    """Open the start page (forgetting the game this tab may hold: a reload would bring it
    back)."""
    if page.url.startswith(url):
        page.evaluate("() => window.sessionStorage.removeItem('fabrace-game')")
    t0 = time.perf_counter()
    page.goto(url)
    expect(page.get_by_role("button", name="Start game")).to_be_visible(timeout=FIRST_RENDER_MS)
    return time.perf_counter() - t0


def start_game(
    page: Page, url: str, *, scenario: str = "duel", seat: str = "OpenAI", seed: int = 1
) -> None:
    """Open the app, choose a scenario, a seat and a seed, and press Start game."""
    open_app(page, url)
    if scenario != "baseline-2024":  # the start page's default
        choose(page, "Scenario", scenario)
    choose(page, "Play as", seat)
    page.get_by_label("Seed").fill(str(seed))
    page.get_by_role("button", name="Start game").click()
    if seat == SPECTATOR:
        expect(page.get_by_role("button", name="Step")).to_be_visible()
    else:
        expect(page.get_by_role("button", name="End quarter")).to_be_visible()


def quarter(page: Page) -> str:
    return page.locator(".fr-quarter").inner_text().strip()


def end_quarter(page: Page) -> str:
    """Press End quarter and wait for the next quarter (or the end of the game)."""
    before = quarter(page)
    page.get_by_role("button", name="End quarter").click()
    page.wait_for_function(
        """([q]) => {
          const t = document.querySelector('.fr-quarter')?.textContent.trim();
          const p = document.querySelector('.fr-progress')?.textContent || '';
          return (t && t !== q) || p.includes('over');
        }""",
        arg=[before],
    )
    return quarter(page)


def graph_nodes(page: Page) -> list[dict[str, Any]]:
    """The cytoscape graph's nodes with their positions in the canvas (pixels)."""
    return page.evaluate(
        """() => {
          let e = document.querySelector("canvas[data-id='layer2-node']");
          while (e && !e._cyreg) e = e.parentElement;
          if (!e) return [];
          return e._cyreg.cy.nodes().map(n => ({id: n.id(), label: n.data('label'),
                                                ...n.renderedPosition()}));
        }"""
    )


def click_node(page: Page, name: str) -> None:
    """Click an actor on the partnership graph (until the deal builder shows it: the graph may
    be re-fitted while a quarter's changes arrive)."""
    layer = page.locator("canvas[data-id='layer2-node']")
    to = page.locator(".fr-deals .v-select").filter(has_text="To")
    for _ in range(5):
        box = layer.bounding_box()
        assert box is not None
        node = next(n for n in graph_nodes(page) if n["id"] == name)
        page.mouse.click(box["x"] + node["x"], box["y"] + node["y"])
        try:
            expect(to.locator(".v-select__selection")).to_have_text(name, timeout=3_000)
            return
        except AssertionError:
            continue
    raise AssertionError(f"clicking {name} on the graph did not select it")


def p95(xs: list[float]) -> float:
    xs = sorted(xs)
    return xs[max(0, round(0.95 * len(xs)) - 1)]


# ----------------------------------------------------------------------------------- the game
def test_a_whole_game_as_the_lab(page: Page, server: Any, watch: Any, shot: Any) -> None:
    """Choose a seat, start; send an offer and get the answer; accept the bot's counter-offer;
    make a move; end quarters until the game ends; the scorecard; download the log and load it."""
    watch(page)
    start_game(page, server.url, seat="OpenAI", seed=1)
    expect(page.locator(".fr-quarter")).to_have_text("2024Q1")
    for h in HEADINGS[:-1]:
        expect(page.get_by_role("heading", name=h, exact=True)).to_be_visible()
    # the graph is drawn, with every actor inside its canvas
    expect(page.locator("canvas[data-id='layer2-node']")).to_have_count(1)
    page.wait_for_function(
        """() => { let e = document.querySelector("canvas[data-id='layer2-node']");
                   while (e && !e._cyreg) e = e.parentElement;
                   return e && e._cyreg.cy.nodes().length === 4; }"""
    )
    box = page.locator("canvas[data-id='layer2-node']").bounding_box()
    assert box and box["width"] > 100 and box["height"] > 100, box
    for n in graph_nodes(page):
        assert 0 < n["x"] < box["width"] and 0 < n["y"] < box["height"], (n, box)
    shot(page, "game-start")

    # 1. send an offer (the builder's first deal: equity to Chips) -> the bot counters
    deals = page.locator(".fr-deals")
    expect(deals.locator(".fr-preview-ok")).to_be_visible()
    deals.get_by_role("button", name="Send offer").click()
    expect(page.locator(".fr-msg-deal")).to_contain_text("Nvidia countered: stake")

    # 2. answer it: the counter-offer is in the inbox (beside any offer a bot opened with the
    # quarter); accept it
    inbox = page.locator(".fr-inbox")
    offer = inbox.locator(".fr-offer").filter(has_text="Nvidia offers")
    expect(offer).to_have_count(1)
    expect(offer).to_contain_text("Nvidia offers an equity investment")
    shot(page, "inbox-counter-offer")
    offer.get_by_role("button", name="Accept").click()
    expect(page.locator(".fr-msg-inbox.fr-ok")).to_be_visible()
    expect(inbox.locator(".fr-offer").filter(has_text="Nvidia offers")).to_have_count(0)
    expect(page.locator(".fr-books")).to_contain_text("Nvidia")  # Chips now on the cap table

    # 3. another offer, chosen on the graph: a click on Fund opens the builder on Fund
    click_node(page, "MGX")
    choose(page, "Deal kind", "loan")
    deals.get_by_role("button", name="Send offer").click()
    expect(page.locator(".fr-msg-deal")).to_contain_text(
        "MGX accepted: the loan is signed (contract #"
    )

    # 4. a move: buy spot GPUs (each kind of move once a quarter)
    moves = page.locator(".fr-moves")
    moves.get_by_role("button", name="Buy spot GPUs").click()
    expect(page.locator(".fr-msg-moves.fr-ok")).to_be_visible()
    expect(moves.get_by_role("button", name="Buy spot GPUs")).to_have_count(0)
    shot(page, "after-deals-and-move")

    # 5. end quarters until the game is over (duel: 12 quarters)
    seen = [quarter(page)]
    for _ in range(12):
        seen.append(end_quarter(page))
    assert seen[:12] == [quarter_after("2024Q1", i) for i in range(12)], seen
    expect(page.locator(".fr-progress")).to_have_text("the game is over")
    expect(page.get_by_role("button", name="End quarter")).to_be_disabled()
    expect(page.get_by_role("heading", name="Scorecard", exact=True)).to_be_visible()
    expect(page.locator(".fr-rank")).to_contain_text(re.compile(r"Your rank: \d+ of 4"))
    expect(page.locator(".fr-scorecard")).to_contain_text("(you)")
    shot(page, "scorecard")
    expect(page.locator(".fr-charts img").first).to_be_visible()  # matplotlib, drawn last
    shot(page.locator(".fr-charts"), "charts")

    # 6. download the log, then load it on the start screen and step through it
    with page.expect_download() as dl:
        page.get_by_role("button", name="Download log").click()
    path = Path(dl.value.path())
    lines = path.read_text().splitlines()
    header = json.loads(lines[0])
    assert (header["type"], header["scenario"], header["seed"]) == ("header", "duel", 1), header
    assert header["policies"]["OpenAI"] == "external", header
    assert json.loads(lines[-1])["type"] == "end"
    log = ARTIFACTS / "duel-lab-seed1.jsonl"
    log.write_text(path.read_text())
    # the log is a real game log: `fabrace replay` reaches the same end state (through Typer's
    # runner here; tests/test_log.py runs the installed script on a log)
    replay = CliRunner().invoke(app, ["replay", str(log)], env={"COLUMNS": "200"})
    assert replay.exit_code == 0, replay.stdout + replay.stderr
    assert "same end state" in replay.stdout
    page.get_by_role("button", name="New game").click()
    page.get_by_role("button", name="Leave game").click()
    page.locator("input[type=file][aria-label='Load log']").set_input_files(str(log))
    expect(page.get_by_role("button", name="Next quarter")).to_be_visible()
    expect(page.locator(".fr-quarter")).to_have_text("2024Q1")
    for q in ("2024Q2", "2024Q3"):
        page.get_by_role("button", name="Next quarter").click()
        expect(page.locator(".fr-quarter")).to_have_text(q)
    expect(page.locator(".fr-error")).to_have_count(0)  # the replay matches the log
    shot(page, "replay")


def test_two_browsers_have_separate_games(
    page: Page, new_context: Any, server: Any, watch: Any
) -> None:
    other = new_context().new_page()
    watch(page, "first")
    watch(other, "second")
    start_game(page, server.url, seat="OpenAI", seed=3)
    start_game(other, server.url, seat="MGX", seed=3)
    end_quarter(page)
    end_quarter(page)
    expect(page.locator(".fr-quarter")).to_have_text("2024Q3")
    expect(other.locator(".fr-quarter")).to_have_text("2024Q1")
    expect(other.locator(".fr-topbar")).to_contain_text("MGX")
    expect(page.locator(".fr-topbar")).to_contain_text("OpenAI")
    end_quarter(other)
    expect(other.locator(".fr-quarter")).to_have_text("2024Q2")
    expect(page.locator(".fr-quarter")).to_have_text("2024Q3")
    # a reload brings the same game back; the other game is untouched
    other.reload()
    expect(other.locator(".fr-quarter")).to_have_text("2024Q2", timeout=FIRST_RENDER_MS)
    expect(other.locator(".fr-topbar")).to_contain_text("MGX")
    expect(page.locator(".fr-quarter")).to_have_text("2024Q3")


def test_spectator_step_play_pause(page: Page, server: Any, watch: Any, shot: Any) -> None:
    watch(page)
    start_game(page, server.url, seat=SPECTATOR, seed=2)
    expect(page.locator(".fr-quarter")).to_have_text("2024Q1")
    step = page.get_by_role("button", name="Step")
    play = page.get_by_role("button", name="Play")
    pause = page.get_by_role("button", name="Pause")
    expect(pause).to_be_disabled()
    step.click()
    expect(page.locator(".fr-quarter")).to_have_text("2024Q2")

    # Play runs quarters by itself; Step is disabled meanwhile
    play.click()
    expect(pause).to_be_enabled()
    expect(step).to_be_disabled()
    page.wait_for_function(
        "() => !['2024Q1', '2024Q2'].includes(document.querySelector('.fr-quarter')?.textContent)"
    )
    pause.click()
    expect(play).to_be_enabled()
    expect(step).to_be_enabled()
    paused_at = quarter(page)
    page.wait_for_timeout(1500)  # at 2 quarters a second, a running game would move on
    assert quarter(page) == paused_at
    shot(page, "spectator-paused")

    # Speed to the maximum (keyboard on the slider), then Play to the end
    slider = page.get_by_role("slider")
    slider.focus()
    slider.press("End")
    expect(page.get_by_text("10 quarters a second")).to_be_visible()
    play.click()
    expect(page.get_by_role("heading", name="Scorecard", exact=True).first).to_be_visible()
    expect(page.locator(".fr-topbar")).to_contain_text("(over)")
    expect(play).to_be_disabled()
    expect(step).to_be_disabled()
    expect(page.locator(".fr-quarter")).to_have_text("2026Q4")
    shot(page, "spectator-over")


# ----------------------------------------------------------------------------------- latency
def test_click_latency_baseline(page: Page, server: Any, watch: Any, shot: Any) -> None:
    """Time End quarter and Send offer on baseline-2024 (7 actors); print, never assert."""
    watch(page)
    t_open = open_app(page, server.url)
    choose(page, "Scenario", "baseline-2024")
    choose(page, "Play as", "TSMC")
    page.get_by_label("Seed").fill("1")
    t0 = time.perf_counter()
    page.get_by_role("button", name="Start game").click()
    expect(page.locator(".fr-quarter")).to_have_text("2024Q1")
    t_start = time.perf_counter() - t0
    deals = page.locator(".fr-deals")
    send = deals.get_by_role("button", name="Send offer")
    end = page.get_by_role("button", name="End quarter")
    sends: list[float] = []
    ends: list[float] = []
    answer = page.locator(".fr-msg-deal")
    for _ in range(LATENCY_CLICKS):
        # every answer names its offer ("Offer #12: ..."): wait for this click's answer
        before = page.evaluate(ANSWER_JS)
        t0 = time.perf_counter()
        send.click()
        try:
            page.wait_for_function(
                f"([prev]) => {{ const t = ({ANSWER_JS})(); return t.length > 0 && t !== prev; }}",
                arg=[before],
                timeout=15_000,
            )
        except PlaywrightTimeout:
            # The same answer again: the offer could not be sent this quarter (a bot that ran
            # past its time budget on a busy machine plays another game), said in words.
            expect(answer).to_contain_text(re.compile(r"could not|not valid|refused", re.I))
        else:
            sends.append(time.perf_counter() - t0)
            expect(answer).to_contain_text(re.compile(r"Offer #\d+: \w+"))

        q = quarter(page)
        t0 = time.perf_counter()
        end.click()
        wait_text(page, ".fr-quarter", quarter_after(q))
        ends.append(time.perf_counter() - t0)
    expect(page.locator(".fr-quarter")).to_have_text(quarter_after("2024Q1", LATENCY_CLICKS))
    shot(page, f"baseline-after-{LATENCY_CLICKS}-quarters")

    def line(name: str, xs: list[float]) -> str:
        if not xs:
            return f"{name:<12} n=0"
        return (
            f"{name:<12} n={len(xs)}  p50 {statistics.median(xs) * 1000:6.0f} ms  "
            f"p95 {p95(xs) * 1000:6.0f} ms  max {max(xs) * 1000:6.0f} ms"
        )

    report = "\n".join(
        [
            "click latency, baseline-2024 as TSMC (seed 1), click -> page updated",
            line("End quarter", ends),
            line("Send offer", sends),
            f"server start {server.startup_s:.1f} s; first page {t_open:.1f} s; "
            f"Start game {t_start:.2f} s",
            "End quarter samples (ms): " + " ".join(f"{x * 1000:.0f}" for x in ends),
            "Send offer samples (ms): " + " ".join(f"{x * 1000:.0f}" for x in sends),
        ]
    )
    print("\n" + report)
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "latency.txt").write_text(report + "\n")
