"""Your contracts: each deal you are a party to, its terms, what it costs or brings each
quarter, the quarters left and its status (active, completed, breached and by whom)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import solara

from ui.common import esc, heading, table
from ui.inbox import terms_html

__all__ = ["ContractsTable", "contract_rows"]


def contract_rows(contracts: Sequence[Mapping[str, Any]]) -> list[list[str]]:
    """Rows as escaped HTML cells."""
    rows = []
    for c in contracts:
        per_q = float(c["per_quarter"])
        money = (
            ""
            if abs(per_q) < 5e-3
            else f"you pay ${per_q:,.2f}B"
            if per_q > 0
            else f"you get ${-per_q:,.2f}B"
        )
        left = c["quarters_left"]
        status = str(c["status"])
        cls = (
            "fr-down" if status.startswith("breached") else "fr-muted" if status != "active" else ""
        )
        rows.append(
            [
                f"#{int(c['id'])}",
                esc(c["kind"]),
                esc(c["with"]),
                terms_html(c["terms"]),
                esc(money),
                "" if left is None or status != "active" else str(left),
                f'<span class="{cls}">{esc(status)}</span>',
            ]
        )
    return rows


@solara.component
def ContractsTable(contracts: Sequence[Mapping[str, Any]]) -> None:
    """The "Your contracts" panel (re-rendered only when the contracts change)."""
    with solara.Column(classes=["fr-panel", "fr-contracts"], gap="4px"):
        heading("Your contracts")
        if not contracts:
            solara.Text("No contracts yet: deals you sign appear here.", classes=["fr-muted"])
            return
        table(
            ["#", "deal", "with", "terms", "each quarter", "quarters left", "status"],
            contract_rows(contracts),
            numeric=[False, False, False, False, True, True, False],
            raw=True,
        )
