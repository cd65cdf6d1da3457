"""The spectator's page of a table (``?watch=ID``): read-only, drawn from
:meth:`~ui.tables.Table.spectator_view` alone (public figures, contracts, news, the seats and
who is deciding), so nobody's books, inbox or trust can reach a spectator's browser."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import solara

from ui.common import KIND_NAMES, esc, heading, label_of, num, table
from ui.inbox import terms_html
from ui.table_status import LogDownload, TableStatus
from ui.tables import Table

__all__ = ["PUBLIC_COLUMNS", "WatchBody", "WatchPage"]

#: The public figures shown for every actor, in this order (when the actor has them).
PUBLIC_COLUMNS = ("cash", "revenue", "valuation", "control", "compute", "capacity", "gpu_price")


def _seat_rows(view: Mapping[str, Any]) -> list[list[str]]:
    rows = []
    for s in view["seats"]:
        player = s["player"]
        if player == "bot":
            state = "bot"
        elif player == "free":
            state = "free seat"
        else:
            state = "ended the quarter" if s["ended"] else "deciding"
        rows.append([esc(s["actor"]), esc(player), esc(state)])
    return rows


def _public_rows(public: Mapping[str, Mapping[str, Any]]) -> list[list[str]]:
    return [
        [esc(name), esc(p.get("role", ""))] + [esc(num(p.get(k))) for k in PUBLIC_COLUMNS]
        for name, p in public.items()
    ]


def _contract_rows(contracts: list[Mapping[str, Any]]) -> list[list[str]]:
    rows = []
    for c in sorted(contracts, key=lambda c: -int(c["id"])):
        kind = str(c["kind"])
        rows.append(
            [
                f"#{int(c['id'])}",
                esc(KIND_NAMES.get(kind, kind)),
                esc(" ↔ ".join(str(p) for p in c["parties"])),
                terms_html(c["terms"]),
                esc(c["status"]),
            ]
        )
    return rows


@solara.component
def WatchBody(view: Mapping[str, Any]) -> None:
    """Seats, public figures, contracts and news of a spectator view."""
    with solara.Columns([6, 6]):
        with solara.Column(gap="0px"):
            with solara.Column(classes=["fr-panel", "fr-watch-seats"], gap="4px"):
                heading("Seats")
                table(["actor", "played by", "now"], _seat_rows(view), raw=True)
            with solara.Column(classes=["fr-panel", "fr-watch-public"], gap="4px"):
                heading("Public figures")
                solara.Text("Money in $B, as each actor reports it.", classes=["fr-muted"])
                table(
                    ["actor", "role", *(label_of(k) for k in PUBLIC_COLUMNS)],
                    _public_rows(view["public"]),
                    numeric=[False, False, *(True for _ in PUBLIC_COLUMNS)],
                    raw=True,
                )
        with solara.Column(gap="0px"):
            with solara.Column(classes=["fr-panel", "fr-news"], gap="4px"):
                heading("News")
                items = "".join(f"<li>{esc(x)}</li>" for x in view["news"])
                solara.HTML(
                    tag="ul",
                    unsafe_innerHTML=items or "<li>Nothing new.</li>",
                    classes=["fr-list", "fr-news-now"],
                )
            with solara.Column(classes=["fr-panel", "fr-watch-contracts"], gap="4px"):
                heading("Contracts")
                if view["contracts"]:
                    table(
                        ["#", "deal", "between", "terms", "status"],
                        _contract_rows(view["contracts"]),
                        raw=True,
                    )
                else:
                    solara.Text("No contracts yet.", classes=["fr-muted"])


@solara.component
def WatchPage(table_: Table, on_home: Any) -> None:
    """Watching a table: the status line and :func:`WatchBody`, following the table."""
    seen = solara.use_reactive(table_.version)
    with solara.Column(gap="0px", classes=["fr-watch"]):
        with solara.Row(classes=["fr-panel", "fr-topbar"], style={"align-items": "center"}):
            solara.HTML(tag="span", unsafe_innerHTML="<b>Fab Race</b> — watching a table")
            LogDownload(table_)
            solara.Button("Start page", on_click=on_home, text=True, small=True)
        TableStatus(table_, None, seen.value, seen.set)
        WatchBody(table_.spectator_view())
