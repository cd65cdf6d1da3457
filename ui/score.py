"""Why my score changed: each part of the player's score, its change since the last quarter
began, and what it counts (the rules in words, from game/scoring.py)."""

from __future__ import annotations

from collections.abc import Mapping

import solara

from ui.common import esc, label_of, signed, table

__all__ = ["SCORE_PARTS", "score_rows", "score_table"]

#: What each score part counts, by role (the role's own parts) or for every role ("").
SCORE_PARTS: dict[tuple[str, str], str] = {
    ("lab", "compute"): "log growth of the compute you can power and run, against your start",
    ("lab", "revenue"): "log of the revenue earned so far against your starting run-rate",
    ("lab", "runway"): "−0.05 for every quarter closed with under a year of cash runway",
    ("lab", "concentration"): (
        "−0.5 × your dependence on merchant chip vendors (one vendor: the full −0.5; your "
        "own chips depend on no one)"
    ),
    ("lab", "control"): "−2 × (0.5 − control) while you hold less than half of your equity",
    ("designer", "gross_profit"): "gross profit against your starting revenue",
    ("designer", "share"): "your share of all accelerators sold",
    ("designer", "backlog"): "0.2 × contracted sales still to deliver",
    ("designer", "write_downs"): "inventory written down",
    ("foundry", "operating_profit"): "operating profit against your starting revenue",
    ("foundry", "utilisation"): "−0.02 a quarter with utilisation outside 85–100 %",
    ("foundry", "margin"): "−0.02 a quarter with gross margin under the floor",
    ("foundry", "overbuilding"): "idle capacity above 15 % at the end",
    ("investor", "return"): "return on your net asset value",
    ("investor", "in_country"): "compute hosted at home",
    ("investor", "influence"): "your share of the value of active contracts",
    ("investor", "concentration"): "−0.3 × the concentration of your stakes",
    ("", "reference"): "a constant: the role's typical score taken off (0 is a typical game)",
    ("", "insolvency"): "insolvent: −5",
}


def score_rows(
    role: str, breakdown: Mapping[str, float], changes: Mapping[str, float]
) -> list[list[str]]:
    """Rows (part, value, change, what it counts) as escaped HTML cells."""
    rows = []
    for k, v in breakdown.items():
        d = changes.get(k, 0.0)
        delta = (
            f'<span class="{"fr-up" if d > 0 else "fr-down"}">{esc(signed(d, 3))}</span>'
            if abs(d) >= 5e-4
            else ""
        )
        what = SCORE_PARTS.get((role, k)) or SCORE_PARTS.get(("", k)) or ""
        rows.append([esc(label_of(k)), f"{float(v):+.3f}", delta, esc(what)])
    return rows


def score_table(role: str, breakdown: Mapping[str, float], changes: Mapping[str, float]) -> None:
    """The "why my score changed" table (parts are scaled by the role's spread of scores)."""

    solara.Text(
        "Why your score changed: each part, its change since the last quarter began, and what "
        "it counts. Parts are divided by the role's typical spread of scores, so a rule's −0.5 "
        "can read larger here.",
        classes=["fr-muted"],
    )
    table(
        ["score part", "value", "change", "what it counts"],
        score_rows(role, breakdown, changes),
        numeric=[False, True, True, False],
        classes=["fr-breakdown"],
        raw=True,
    )
