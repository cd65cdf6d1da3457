"""Hosting a table: the form on the start page (scenario, the seats for people, an optional
timer) and the host's page (``?host=ID``): the two links to share, the seats, and the
facilitator's controls (pause and resume, an event from the deck at the next quarter, a seat
given to a bot, the end of the game), above what a spectator sees.

The host's token never appears in a link: the page keeps it in the browser (``table_keys.vue``)
and the host's page works only where it is kept.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import solara

from ui.common import ROLE_NAMES, esc, heading, message
from ui.session import ActionResult, parse_number, scenario_choices, server_scenario
from ui.table_server import registry
from ui.table_status import LogDownload, TableStatus
from ui.table_watch import WatchBody
from ui.tables import MAX_TIMER, Table, TableError

__all__ = ["HostForm", "HostPage", "TableLinks", "host_table"]

ANY_TARGET = "(the deck's choice)"


@solara.component_vue("table_links.vue")
def TableLinks(table_id: str) -> None:
    """The table link and the spectator link, with Copy buttons."""


def host_table(
    scenario: str, seed_text: str, people: list[str], timer_text: str
) -> tuple[Table, str]:
    """A new table in the server's registry from the form's fields; returns it and the host
    token.

    Raises:
        ValueError: with a message for the page (a bad seed or timer, no seat for people, ...).
    """
    seed = parse_number(seed_text, "seed")
    if seed < 0 or not float(seed).is_integer() or seed > 2**32 - 1:
        raise ValueError("seed: a whole number from 0 to 4294967295")
    timer: float | None = None
    if str(timer_text).strip():
        timer = parse_number(timer_text, "timer")
        if not 0 < timer <= MAX_TIMER:
            raise ValueError(f"timer: more than 0 and at most {MAX_TIMER:,.0f} seconds, or empty")
    return registry().host(scenario, int(seed), people, timer_seconds=timer)


@solara.component
def HostForm(on_host: Callable[[Table, str], None]) -> None:
    """The "Host a table" panel of the start page."""
    from game.scenario import load_scenario

    scenarios = solara.use_memo(scenario_choices, dependencies=[])
    first = server_scenario() or "duel"
    scenario = solara.use_reactive(first if first in scenarios else scenarios[0])
    spec = solara.use_memo(lambda: load_scenario(scenario.value), dependencies=[scenario.value])
    people = solara.use_reactive({})  # (scenario, actor) -> for people?
    seed_text = solara.use_reactive("1")
    timer_text = solara.use_reactive("")
    problem = solara.use_reactive(None)

    def for_people(i: int, name: str) -> bool:
        return bool(people.value.get((spec.name, name), i < 2))  # the first two by default

    def host() -> None:
        chosen = [a.name for i, a in enumerate(spec.actors) if for_people(i, a.name)]
        try:
            table, token = host_table(scenario.value, seed_text.value, chosen, timer_text.value)
        except (ValueError, OSError) as e:
            problem.set(str(e))
            return
        problem.set(None)
        on_host(table, token)

    with solara.Column(classes=["fr-panel", "fr-host-form"], gap="6px"):
        heading("Host a table")
        solara.Text(
            "A game several people play, each in their own browser; bots take the other seats. "
            "You get a link for the players and one for spectators.",
            classes=["fr-muted"],
        )
        solara.Select(
            label="World to play", values=scenarios, value=scenario, classes=["fr-host-sc"]
        )
        solara.Text("Seats for people (the rest are bots):", classes=["fr-muted"])
        with solara.Row(gap="4px", style={"flex-wrap": "wrap"}):
            for i, a in enumerate(spec.actors):
                solara.Checkbox(
                    label=f"{a.name} ({ROLE_NAMES.get(a.role, a.role)})",
                    value=for_people(i, a.name),
                    on_value=lambda v, a=a: people.set({**people.value, (spec.name, a.name): v}),
                )
        with solara.Row(gap="8px"):
            solara.InputText(
                label="Game number",
                value=seed_text,
                continuous_update=True,
                classes=["fr-host-seed"],
            )
            solara.InputText(
                label="Timer: seconds a quarter (empty: none)",
                value=timer_text,
                continuous_update=True,
                classes=["fr-host-timer"],
            )
        solara.Button("Host a table", on_click=host, color="primary", classes=["fr-host-btn"])
        if problem.value:
            solara.Error(problem.value, dense=True, classes=["fr-msg", "fr-error"])


def _targets(table: Table, kind: str) -> list[str]:
    with table.lock:
        return [n for c in table.model.event_odds() if c["kind"] == kind for n in c["targets"]]


@solara.component
def HostControls(table: Table, token: str, version: int) -> None:
    """Pause or resume, inject an event, give a seat to a bot, end the game (``version``: the
    table's version shown, so that the controls follow the table)."""
    deck = table.deck()
    kind = solara.use_reactive(deck[0] if deck else "")
    target = solara.use_reactive(ANY_TARGET)
    result = solara.use_reactive(None)
    confirm_end = solara.use_reactive(False)

    def act(what: Callable[[], Any], done: str) -> None:
        try:
            what()
        except TableError as e:
            result.set(ActionResult(False, str(e)))
            return
        result.set(ActionResult(True, done))

    def inject() -> None:
        aim = None if target.value == ANY_TARGET else target.value
        act(
            lambda: table.inject(token, kind.value, aim),
            f"{kind.value} will be next quarter's news" + (f" (hitting {aim})" if aim else ""),
        )

    def end() -> None:
        confirm_end.set(False)
        act(lambda: table.end_game(token), "the game is ended")

    over = table.finished
    with solara.Column(classes=["fr-panel", "fr-host-controls"], gap="6px"):
        heading("Host controls")
        with solara.Row(gap="8px", style={"align-items": "center", "flex-wrap": "wrap"}):
            if table.paused:
                solara.Button(
                    "Resume",
                    on_click=lambda: act(lambda: table.resume(token), "the table goes on"),
                    color="primary",
                    disabled=over,
                    classes=["fr-resume"],
                )
            else:
                solara.Button(
                    "Pause",
                    on_click=lambda: act(lambda: table.pause(token), "the table is paused"),
                    disabled=over,
                    classes=["fr-pause-table"],
                )
            solara.Button(
                "End the game",
                on_click=lambda: confirm_end.set(True),
                color="error",
                text=True,
                disabled=over,
                classes=["fr-end-game"],
            )
            if confirm_end.value:
                solara.Text("End the game for everyone, where it stands?")
                solara.Button("End it", on_click=end, color="error", classes=["fr-end-game-yes"])
                solara.Button("Keep playing", on_click=lambda: confirm_end.set(False), text=True)
        if deck and not over:
            with solara.Row(gap="8px", style={"align-items": "center", "flex-wrap": "wrap"}):
                solara.Select(
                    label="Event from the deck",
                    values=deck,
                    value=kind,
                    on_value=lambda v: target.set(ANY_TARGET),
                    dense=True,
                    style={"min-width": "200px"},
                    classes=["fr-inject-kind"],
                )
                targets = _targets(table, kind.value)
                if targets:
                    solara.Select(
                        label="Hitting",
                        values=[ANY_TARGET, *targets],
                        value=target,
                        dense=True,
                        style={"min-width": "160px"},
                    )
                solara.Button("Inject at the next quarter", on_click=inject, classes=["fr-inject"])
            if table.injected:
                solara.Text(
                    "Next quarter's news: "
                    + ", ".join(
                        e["kind"] + (f" ({e['target']})" if e.get("target") else "")
                        for e in table.injected
                    ),
                    classes=["fr-muted", "fr-injected"],
                )
        heading("People's seats", 3)
        for s in list(table.seats.values()):
            if not s.person:
                continue
            with solara.Row(gap="8px", style={"align-items": "center"}):
                who = esc(s.name) if s.taken else "<i>free</i>"
                state = " — ended the quarter" if s.ended else ""
                solara.HTML(tag="span", unsafe_innerHTML=f"<b>{esc(s.actor)}</b>: {who}{state}")
                solara.Button(
                    "Give to a bot",
                    on_click=lambda a=s.actor: act(
                        lambda: table.bot_takes(token, a), f"a bot plays {a} from now on"
                    ),
                    text=True,
                    small=True,
                    disabled=over,
                    classes=["fr-bot-takes"],
                )
        message(result.value, "host")


@solara.component
def HostPage(table: Table, token: str, on_home: Callable[[], None]) -> None:
    """The host's page (only where the host token is kept)."""
    seen = solara.use_reactive(table.version)
    with solara.Column(gap="0px", classes=["fr-host"]):
        with solara.Row(classes=["fr-panel", "fr-topbar"], style={"align-items": "center"}):
            solara.HTML(tag="span", unsafe_innerHTML="<b>Fab Race</b> — you host this table")
            LogDownload(table, host=True)
            solara.Button("Start page", on_click=on_home, text=True, small=True)
        with solara.Column(classes=["fr-panel"], gap="4px"):
            heading("Share these links")
            TableLinks(table_id=table.id)
            solara.Text(
                "Each person opens the table link and takes a free seat under their name; to "
                "play yourself, open it in another tab. Spectators see public figures only. "
                "This page's address brings you back here, in this browser only (it holds "
                "the host's key).",
                classes=["fr-muted"],
            )
        TableStatus(table, None, seen.value, seen.set)
        HostControls(table, token, seen.value)
        WatchBody(table.spectator_view())
