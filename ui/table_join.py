"""The page a table link opens (``?table=ID``) before one sits down: the free seats, each taken
under a display name, and the way back to a seat this browser already holds.

Taking a seat gives a secret seat token, kept in the browser (``table_keys.vue``), never in the
link: anyone with the link can take a free seat, nobody can act for a seat they did not take.
"""

from __future__ import annotations

from collections.abc import Callable

import solara

from ui.common import ROLE_NAMES, esc, heading
from ui.table_status import TableStatus
from ui.tables import MAX_NAME, Table, TableError

__all__ = ["JoinPage"]


@solara.component
def JoinPage(
    table: Table,
    browser_token: str | None,
    on_seated: Callable[[str], None],
    on_home: Callable[[], None],
) -> None:
    """Free seats of ``table``; ``browser_token`` is a seat this browser holds (another tab's),
    offered first. ``on_seated(token)`` once a seat is taken."""
    seen = solara.use_reactive(table.version)
    name = solara.use_reactive("")
    problem = solara.use_reactive(None)
    held: str | None = None
    if browser_token is not None:
        try:
            held = table.seat_of(browser_token)
        except TableError:
            held = None

    def take(actor: str) -> None:
        try:
            token = table.take_seat(actor, name.value)
        except TableError as e:
            problem.set(str(e))
            return
        problem.set(None)
        on_seated(token)

    roles = {a.name: a.role for a in table.model.actor_list}
    free = table.free_seats()
    with solara.Column(gap="0px", classes=["fr-join"]):
        with solara.Row(classes=["fr-panel", "fr-topbar"], style={"align-items": "center"}):
            solara.HTML(tag="span", unsafe_innerHTML="<b>Fab Race</b> — join a table")
            solara.Button("Start page", on_click=on_home, text=True, small=True)
        TableStatus(table, None, seen.value, seen.set)
        with solara.Column(
            classes=["fr-panel", "fr-seats"], gap="8px", style={"max-width": "760px"}
        ):
            if held is not None and browser_token is not None:
                heading("Your seat")
                with solara.Row(gap="8px", style={"align-items": "center"}):
                    solara.HTML(
                        tag="span",
                        unsafe_innerHTML=f"This browser holds <b>{esc(held)}</b> "
                        f"(as {esc(table.seats[held].name)}).",
                    )
                    solara.Button(
                        f"Return to {held}",
                        on_click=lambda: on_seated(browser_token),
                        color="primary",
                        classes=["fr-return-seat"],
                    )
            heading("Take a seat")
            if table.finished:
                solara.Text("The game is over: no seats to take.", classes=["fr-muted"])
            elif not free:
                solara.Text(
                    "Every seat for people is taken. You can watch the table instead "
                    "(the spectator link).",
                    classes=["fr-muted"],
                )
            else:
                solara.InputText(
                    label=f"Your display name (up to {MAX_NAME} characters)",
                    value=name,
                    continuous_update=True,
                    classes=["fr-display-name"],
                )
                with solara.Row(gap="8px", style={"flex-wrap": "wrap"}):
                    for actor in free:
                        role = roles.get(actor, "")
                        solara.Button(
                            f"Take {actor} ({ROLE_NAMES.get(role, role)})",
                            on_click=lambda a=actor: take(a),
                            color="primary",
                            outlined=True,
                            classes=["fr-take-seat"],
                        )
            if problem.value:
                solara.Error(problem.value, dense=True, classes=["fr-msg", "fr-error"])
            taken = [s for s in table.seats.values() if s.taken]
            if taken:
                solara.Text(
                    "Taken: " + ", ".join(f"{s.actor} ({s.name})" for s in taken),
                    classes=["fr-muted"],
                )
