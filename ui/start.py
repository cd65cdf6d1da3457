"""The start screen: scenario, the actor to play (or watch the bots), the bots' policies, a seed,
how to play the chosen role; and Load log to replay a saved game.

Only built-in scenarios and named policies can be chosen: a page never reads a path or imports
code.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import solara

from game.scenario import load_scenario
from ui.common import ROLE_NAMES, esc, heading, role_dot
from ui.replay import LoadLog, load_replay
from ui.resume import LoadSave, resume_upload
from ui.savefile import MAX_SAVE_CHARS
from ui.session import (
    DEFAULT_BOT,
    GameSession,
    bot_choices,
    parse_number,
    scenario_choices,
    server_scenario,
)
from ui.table_host import HostForm

SPECTATOR = "Watch the bots (spectator)"
DEFAULT_SCENARIO = "baseline-2024"  # the real world first: OpenAI, Nvidia, TSMC, the Gulf funds

ROLE_GOALS = {
    "lab": (
        "Grow the compute you have in service (kH100e) by the end, and earn revenue all along: "
        "the score is the log growth of your powered compute plus the log of the revenue you "
        "earn over the game against your starting run-rate kept flat. Keep a year of cash "
        "runway (−0.05 a quarter short of it), don't depend on one chip vendor (−0.5 × the "
        "concentration of your compute by merchant vendor; your own chips depend on no one), and "
        "don't sell control (−2 × (0.5 − control) once you hold less than half). Buy "
        "accelerators (supply contracts, spot GPUs), reserve wafers for your own chips, and "
        "raise money with equity or loans."
    ),
    "designer": (
        "Earn gross profit (measured against your starting revenue), win a large share of the "
        "accelerators the game's designers sell, and book a backlog of contracted sales "
        "(0.2 × backlog); avoid inventory write-downs. Secure wafers and packaging from "
        "foundries (capacity reservations), sell to labs (supply contracts, vendor financing) "
        "and set your GPU price."
    ),
    "foundry": (
        "Earn operating profit (against your starting revenue); keep utilisation within "
        "85–100 % and your margin above its floor (−0.02 a quarter otherwise), and don't "
        "overbuild (idle capacity above 15 % costs). Sell capacity reservations, set your wafer "
        "price, build fabs and packaging, and share the cost of new fabs in joint ventures."
    ),
    "investor": (
        "Grow the return on your net asset value; host compute at home (0.2 × log(1 + hosted "
        "compute / 100): fund a campus, and fill it once you hold an export licence); gain "
        "influence (your share of the value of active contracts); spread your stakes "
        "(−0.3 × their concentration). Buy equity, lend, and join fab ventures."
    ),
}
EVERYONE = (
    "Cash below zero at a quarter's close makes you distressed; more than two such closes in a "
    "row make you insolvent, which breaks your contracts and scores −5."
)
TURN = (
    "Each quarter: read the news, answer the offers in your inbox (Accept, Reject or Counter), "
    "build deals in the deal builder (click an actor on the partnership graph to start one; the "
    "builder says whether the terms are valid and what they cost before you send), make your "
    "moves, then press End quarter: the bots finish their turn and the quarter is played. "
    "At most a few new offers a quarter; bots answer your offers at once. After the last "
    "quarter the scorecard ranks everyone."
)


STORY = (
    "<p><b>2024.</b> AI labs want more compute than the world can make. One chip designer sells "
    "most of the accelerators; one foundry, in Taiwan, makes nearly all of them; Gulf sovereign "
    "funds have the money. A lab's chief talks of a trillion-dollar network of new fabs.</p>"
    "<p>You take one seat: a lab racing for compute without losing control or running out of "
    "cash, a chip designer, a foundry deciding where to build, or a fund buying its way in. "
    "Each quarter you make offers, answer the others', build, and press <i>End quarter</i>. "
    "The bots play every other seat.</p>"
)


TABLES_HOWTO = (
    "<p>At a table, several people play one game, each in their own browser, and bots take "
    "the seats left. The host chooses the seats for people and, if wanted, a timer; then "
    "shares the <i>table link</i> (people open it, take a free seat under a name) and the "
    "<i>spectator link</i> (watching, public figures only).</p>"
    "<p>Offers between people wait in the other's inbox for the quarter. A quarter is played "
    "when everyone seated has pressed <i>End quarter</i>, or when the timer runs out. The "
    "host can pause, bring an event from the deck into the next quarter, give a seat to a "
    "bot and end the game. A reload keeps your seat; the server keeps tables across its "
    "restarts.</p>"
)


def how_to_play(role: str | None, quarters: int) -> str:
    """The "How to play" text (HTML) for a role (None: the spectator)."""
    if role is None:
        goal = (
            "Watch the bots play every seat: Step plays one quarter, Play runs quarter after "
            "quarter at the chosen Speed, Pause stops. The graph, news and charts follow the game."
        )
        return f"<p>{esc(goal)}</p>"
    return (
        f"<p><b>Your goal as {esc(ROLE_NAMES.get(role, role))}:</b> {esc(ROLE_GOALS[role])}</p>"
        f"<p>{esc(EVERYONE)}</p><p>{esc(TURN)} The game lasts {quarters} quarters.</p>"
    )


def article(noun: str) -> str:
    return f"{'an' if noun[:1].lower() in 'aeiou' else 'a'} {esc(noun)}"


def default_bot(policy: str | None, role: str) -> str:
    choices = bot_choices(role)
    for p in (policy, DEFAULT_BOT):
        if p in choices:
            return p
    return choices[0] if choices else DEFAULT_BOT


@solara.component
def StartScreen(
    on_start: Callable[[GameSession], None], on_host: Callable[[Any, str], None] | None = None
) -> None:
    """Choose a game and start it (or load a log to replay, or host a table:
    ``on_host(table, host_token)``)."""
    scenarios = solara.use_memo(scenario_choices, dependencies=[])
    first = server_scenario() or DEFAULT_SCENARIO
    scenario = solara.use_reactive(first if first in scenarios else scenarios[0])
    spec = solara.use_memo(lambda: load_scenario(scenario.value), dependencies=[scenario.value])
    names = [a.name for a in spec.actors]
    seat = solara.use_reactive(names[0])
    if seat.value not in names and seat.value != SPECTATOR:
        seat.set(names[0])
    bots = solara.use_reactive({})  # actor -> policy, for the chosen scenario
    seed_text = solara.use_reactive("1")
    problem = solara.use_reactive(None)
    replay_problem = solara.use_reactive(None)
    resume_problem = solara.use_reactive(None)
    choices = solara.use_memo(lambda: {r: bot_choices(r) for r in ROLE_NAMES}, dependencies=[])

    def bot_of(a: Any) -> str:
        return bots.value.get((spec.name, a.name)) or default_bot(a.policy, a.role)

    def start() -> None:
        try:
            seed = parse_number(seed_text.value, "seed")
            if seed < 0 or not float(seed).is_integer() or seed > 2**32 - 1:
                raise ValueError("seed: a whole number from 0 to 4294967295")
            who = None if seat.value == SPECTATOR else seat.value
            pols = {a.name: bot_of(a) for a in spec.actors if a.name != who}
            session = GameSession(scenario.value, seat=who, seed=int(seed), bots=pols)
        except ValueError as e:
            problem.set(str(e))
            return
        problem.set(None)
        on_start(session)

    def loaded(info: dict[str, Any]) -> None:
        session, err = load_replay(info)
        if err:
            replay_problem.set(err)
        else:
            replay_problem.set(None)
            on_start(session)

    def resumed(info: dict[str, Any]) -> None:
        session, err = resume_upload(info)
        resume_problem.set(err)
        if session is not None:
            on_start(session)

    role = (
        None if seat.value == SPECTATOR else dict((a.name, a.role) for a in spec.actors)[seat.value]
    )
    with solara.Column(classes=["fr-start"], gap="8px", style={"max-width": "1560px"}):
        solara.HTML(
            tag="h1",
            unsafe_innerHTML="Fab Race",
            style={"font-size": "2rem", "margin": "8px 0 0 0"},
        )
        solara.HTML(tag="div", unsafe_innerHTML=STORY, classes=["fr-story"])
        with solara.Columns([6, 6]):
            with solara.Column(classes=["fr-panel"], gap="6px"):
                heading("New game")
                solara.Select(
                    label="Scenario",
                    values=scenarios,
                    value=scenario,
                    on_value=lambda v: problem.set(None),
                )
                solara.Text(
                    f"{spec.name}: {len(spec.actors)} actors, {spec.quarters} quarters from "
                    f"{spec.start}.",
                    classes=["fr-muted"],
                )
                solara.Select(label="Play as", values=[*names, SPECTATOR], value=seat)
                solara.InputText(
                    label="Seed",
                    value=seed_text,
                    continuous_update=True,
                    classes=["fr-seed"],
                )
                solara.Button(
                    "Start game", on_click=start, color="primary", classes=["fr-start-btn"]
                )
                if problem.value:
                    solara.Error(problem.value, dense=True, classes=["fr-msg", "fr-error"])
                heading("Bots", 3)
                with solara.Row(gap="8px", style={"flex-wrap": "wrap"}):
                    for a in spec.actors:
                        if a.name == seat.value:
                            continue
                        solara.Select(
                            label=f"{a.name} ({ROLE_NAMES.get(a.role, a.role)})",
                            values=choices.get(a.role, [DEFAULT_BOT]),
                            value=bot_of(a),
                            on_value=lambda v, a=a: bots.set(
                                {**bots.value, (spec.name, a.name): v}
                            ),
                            dense=True,
                            style={"min-width": "170px", "max-width": "210px"},
                        )
            with solara.Column(classes=["fr-panel", "fr-howto"], gap="6px"):
                heading("How to play")
                if role:
                    solara.HTML(
                        tag="div",
                        unsafe_innerHTML=f"{role_dot(role)}<b>{esc(seat.value)}</b> is "
                        f"{article(ROLE_NAMES.get(role, role))}.",
                    )
                solara.HTML(tag="div", unsafe_innerHTML=how_to_play(role, spec.quarters))
        with solara.Columns([6, 6]):
            with solara.Column(classes=["fr-panel"], gap="6px"):
                heading("Resume a saved game")
                solara.Text(
                    "Load a save file (.save.json, from Save game during a game) and play on "
                    "from where you saved.",
                    classes=["fr-muted"],
                )
                LoadSave(max_bytes=MAX_SAVE_CHARS, event_save_loaded=resumed)
                if resume_problem.value:
                    solara.Error(resume_problem.value, dense=True, classes=["fr-msg", "fr-error"])
            with solara.Column(classes=["fr-panel"], gap="6px"):
                heading("Replay a game")
                solara.Text(
                    "Load a game log (.jsonl, from Download log or `fabrace run --log`) and "
                    "step through it quarter by quarter.",
                    classes=["fr-muted"],
                )
                LoadLog(event_file_loaded=loaded)
                if replay_problem.value:
                    solara.Error(replay_problem.value, dense=True, classes=["fr-msg", "fr-error"])
        if on_host is not None:
            with solara.Columns([6, 6]):
                HostForm(on_host)
                with solara.Column(classes=["fr-panel", "fr-tables-howto"], gap="6px"):
                    heading("Tables: playing together")
                    solara.HTML(tag="div", unsafe_innerHTML=TABLES_HOWTO)
